#include <replay/replayeventmodel.h>

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QTest>

using namespace ssebuf;

class tst_ReplayEventModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendAndDisplay();
    void fromSse();
};

void tst_ReplayEventModel::appendAndDisplay()
{
    ReplayEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SseEvent gapFrame;
    gapFrame.data = R"({"type":"gap","missed_from":1,"missed_to":4})";
    const qint64 arrival = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 1, 250)).toMSecsSinceEpoch();
    model.append(ReplayEvent::fromSse(gapFrame, arrival, 3));
    SseEvent eventFrame;
    eventFrame.data
        = R"({"seq":5,"type":"progress","status":"running","message":"Applying\nchanges","timestamp":"2026-11-25T12:00:00.000Z"})";
    eventFrame.id = "5";
    eventFrame.hasId = true;
    model.append(ReplayEvent::fromSse(eventFrame, arrival + 40, 43));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, ReplayEventModel::ArrivalColumn).data().toString(),
             QStringLiteral("12:00:01.250"));
    QCOMPARE(model.index(0, ReplayEventModel::SinceConnectColumn).data().toString(),
             QStringLiteral("+3 ms"));
    QCOMPARE(model.index(0, ReplayEventModel::SeqColumn).data().toString(), QStringLiteral("—"));
    QCOMPARE(model.index(0, ReplayEventModel::MessageColumn).data().toString(),
             QStringLiteral("gap: events 1–4 were evicted"));
    QVERIFY(model.index(0, 0).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(1, ReplayEventModel::SeqColumn).data().toLongLong(), 5);
    QCOMPARE(model.index(1, ReplayEventModel::MessageColumn).data().toString(),
             QStringLiteral("Applying changes"));
    QCOMPARE(model.index(1, ReplayEventModel::SinceConnectColumn).data().toString(),
             QStringLiteral("+43 ms"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void tst_ReplayEventModel::fromSse()
{
    SseEvent frame;
    frame.data = R"({"seq":7,"final":true,"timestamp":"2026-11-25T12:00:00.500Z"})";
    frame.id = "7";
    frame.hasId = true;
    const ReplayEvent event = ReplayEvent::fromSse(frame, 1000, 10);
    QCOMPARE(event.seq, 7);
    QVERIFY(!event.isGap);
    QCOMPARE(event.timestampMs,
             QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 500), Qt::UTC).toMSecsSinceEpoch());
    // A "gap" that carries an id is an ordinary event of type gap, not a notice.
    frame.data = R"({"type":"gap","missed_from":1,"missed_to":2})";
    QVERIFY(!ReplayEvent::fromSse(frame, 0, 0).isGap);
    frame.id = "x";
    QCOMPARE(ReplayEvent::fromSse(frame, 0, 0).seq, -1);
}

QTEST_MAIN(tst_ReplayEventModel)
#include "tst_replayeventmodel.moc"
