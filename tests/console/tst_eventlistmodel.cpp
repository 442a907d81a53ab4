#include <inspector/eventlistmodel.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using ssebuf::EventListModel;

static QJsonObject makeEvent(qint64 seq, const QString &message = QStringLiteral("step"))
{
    return QJsonObject {{"session_id", "session_x"},
                        {"seq", seq},
                        {"type", "progress"},
                        {"status", "running"},
                        {"stage", "planning"},
                        {"message", message},
                        {"timestamp", "2026-11-25T06:12:22.123Z"}};
}

class tst_EventListModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void setAndDisplay();
    void appendSkipsKnown();
    void dropBefore();
};

void tst_EventListModel::setAndDisplay()
{
    EventListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEvents({makeEvent(1, "Received\nthe request"), makeEvent(2)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 6);
    QCOMPARE(model.index(0, EventListModel::SeqColumn).data().toLongLong(), 1);
    QCOMPARE(model.index(0, EventListModel::TypeColumn).data().toString(),
             QStringLiteral("progress"));
    QCOMPARE(model.index(0, EventListModel::StageColumn).data().toString(),
             QStringLiteral("planning"));
    QCOMPARE(model.index(0, EventListModel::MessageColumn).data().toString(),
             QStringLiteral("Received the request"));
    QCOMPARE(model.index(0, EventListModel::MessageColumn).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Received\nthe request"));
    const QString time = model.index(0, EventListModel::TimeColumn).data().toString();
    QVERIFY2(time.endsWith(QLatin1String(":22.123")), qPrintable(time));
    QCOMPARE(model.eventAt(1).value("seq").toInteger(), 2);
    QCOMPARE(model.lastSeq(), 2);
    QCOMPARE(EventListModel::timeOfDay("not a time"), QStringLiteral("not a time"));
}

void tst_EventListModel::appendSkipsKnown()
{
    EventListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEvents({makeEvent(1), makeEvent(2)});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QCOMPARE(model.appendEvents({makeEvent(2), makeEvent(3), makeEvent(4)}), 2);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.appendEvents({makeEvent(3)}), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowOfSeq(4), 3);
    QCOMPARE(model.rowOfSeq(9), -1);
}

void tst_EventListModel::dropBefore()
{
    EventListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEvents({makeEvent(1), makeEvent(2), makeEvent(3), makeEvent(4)});
    model.dropBefore(3);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data().toLongLong(), 3);
    model.dropBefore(0);
    QCOMPARE(model.rowCount(), 2);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.lastSeq(), 0);
}

QTEST_GUILESS_MAIN(tst_EventListModel)
#include "tst_eventlistmodel.moc"
