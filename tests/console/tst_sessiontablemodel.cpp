#include <sessions/sessionfilterproxymodel.h>
#include <sessions/sessiontablemodel.h>

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace ssebuf;

namespace {

constexpr qint64 Now = 1795000000000; // a fixed clock for the age and expiry columns

SessionSummary makeSummary(const QString &id, const QString &state = QStringLiteral("running"),
                           qint64 events = 1, const QString &user = QStringLiteral("qa"))
{
    SessionSummary s;
    s.sessionId = id;
    s.userId = user;
    s.mode = QStringLiteral("autonomous");
    s.state = sessionStateFromString(state).value_or(SessionState::Running);
    s.createdAtMs = Now - 65000;
    s.updatedAtMs = Now - 1000;
    s.eventCount = events;
    s.firstSeq = events > 0 ? 1 : 0;
    s.lastSeq = events;
    s.bufferedBytes = events * 300;
    s.subscribers = 1;
    s.expiresAtMs = Now + 299000;
    return s;
}

AdminStreamMessage message(AdminStreamMessage::Kind kind, const SessionSummary &summary)
{
    AdminStreamMessage m;
    m.kind = kind;
    m.session = summary;
    m.hasSession = true;
    return m;
}

} // namespace

class tst_SessionTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void snapshotAndDisplay();
    void batchesUpdates();
    void removesRanges();
    void upsertThenRemoveInOneBatch();
    void filterAndSort();
    void totals();
    void formatting_data();
    void formatting();
    void tenThousandSessions();
};

void tst_SessionTableModel::snapshotAndDisplay()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setClock([] { return Now; });
    AdminStreamMessage snapshot;
    snapshot.kind = AdminStreamMessage::Kind::Snapshot;
    snapshot.sessions = {makeSummary("session_a", "running", 12),
                         makeSummary("session_b", "completed", 1, "java")};
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.apply(snapshot);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(SessionTableModel::ColumnCount));
    QCOMPARE(model.index(0, SessionTableModel::IdColumn).data().toString(),
             QStringLiteral("session_a"));
    QCOMPARE(model.index(1, SessionTableModel::UserColumn).data().toString(),
             QStringLiteral("java"));
    QCOMPARE(model.index(1, SessionTableModel::StateColumn).data().toString(),
             QStringLiteral("completed"));
    QCOMPARE(model.index(0, SessionTableModel::EventsColumn).data().toString(),
             QStringLiteral("12"));
    QCOMPARE(model.index(0, SessionTableModel::BytesColumn).data().toString(),
             QStringLiteral("3.5 KB"));
    QCOMPARE(model.index(0, SessionTableModel::AgeColumn).data().toString(),
             QStringLiteral("1 min 5 s"));
    QCOMPARE(model.index(0, SessionTableModel::ExpiresColumn).data().toString(),
             QStringLiteral("4 min 59 s"));
    QCOMPARE(model.index(0, SessionTableModel::EventsColumn)
                 .data(SessionTableModel::SortRole)
                 .toLongLong(),
             12);
    QCOMPARE(model.headerData(SessionTableModel::ExpiresColumn, Qt::Horizontal).toString(),
             QStringLiteral("Expires in"));
    model.setClock([] { return Now + 300000; });
    QCOMPARE(model.index(0, SessionTableModel::ExpiresColumn).data().toString(),
             QStringLiteral("expired"));
}

void tst_SessionTableModel::batchesUpdates()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setBatchInterval(20);
    model.resetSessions(
        {makeSummary("s1"), makeSummary("s2"), makeSummary("s3"), makeSummary("s4")});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy flushed(&model, &SessionTableModel::flushed);

    // 200 updates of three sessions and two new ones: one dataChanged per contiguous run,
    // one insert.
    for (int i = 1; i <= 100; ++i) {
        model.apply(
            message(AdminStreamMessage::Kind::EventAppended, makeSummary("s2", "running", i)));
        model.apply(
            message(AdminStreamMessage::Kind::EventAppended, makeSummary("s3", "running", i)));
        if (i == 50) {
            model.apply(message(AdminStreamMessage::Kind::SessionCreated, makeSummary("s5")));
            model.apply(message(AdminStreamMessage::Kind::SessionCreated, makeSummary("s6")));
        }
    }
    model.apply(message(AdminStreamMessage::Kind::SessionEnded, makeSummary("s4", "failed", 7)));
    QCOMPARE(model.rowCount(), 4); // nothing applied yet
    QCOMPARE(model.pendingCount(), 5);
    QVERIFY(flushed.wait(2000));
    QCOMPARE(flushed.count(), 1);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 4);
    QCOMPARE(inserted.at(0).at(2).toInt(), 5);
    QCOMPARE(changed.count(), 1); // rows 1..3 form one run
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 3);
    QCOMPARE(model.summary("s2")->eventCount, 100);
    QCOMPARE(sessionStateName(model.summary("s4")->state), QStringLiteral("failed"));
    QCOMPARE(model.index(4, 0).data().toString(), QStringLiteral("s5"));
    QCOMPARE(model.index(5, 0).data().toString(), QStringLiteral("s6"));
}

void tst_SessionTableModel::removesRanges()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setBatchInterval(0);
    QList<SessionSummary> sessions;
    for (int i = 0; i < 10; ++i)
        sessions.append(makeSummary(QStringLiteral("s%1").arg(i)));
    model.resetSessions(sessions);
    model.setBatchInterval(1000);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    for (const char *id : {"s2", "s3", "s4", "s7", "s9", "missing"}) {
        AdminStreamMessage m;
        m.kind = AdminStreamMessage::Kind::SessionRemoved;
        m.removedSessionId = QString::fromLatin1(id);
        model.apply(m);
    }
    model.flush();
    QCOMPARE(removed.count(), 3); // 9, 7, 2..4
    QCOMPARE(model.rowCount(), 5);
    QStringList left;
    for (int row = 0; row < model.rowCount(); ++row)
        left << model.index(row, 0).data().toString();
    QCOMPARE(left, QStringList({"s0", "s1", "s5", "s6", "s8"}));
    QCOMPARE(model.rowOf("s8"), 4);
    QCOMPARE(model.rowOf("s3"), -1);
}

void tst_SessionTableModel::upsertThenRemoveInOneBatch()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setBatchInterval(1000);
    model.resetSessions({makeSummary("old")});
    model.upsert(makeSummary("new"));
    model.remove("new");
    model.upsert(makeSummary("old", "completed"));
    model.remove("old");
    model.upsert(makeSummary("old", "failed"));
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.summaryAt(0).sessionId, QStringLiteral("old"));
    QCOMPARE(sessionStateName(model.summaryAt(0).state), QStringLiteral("failed"));
}

void tst_SessionTableModel::filterAndSort()
{
    SessionTableModel model;
    model.setBatchInterval(0);
    SessionFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetSessions({makeSummary("session_aaa", "running", 5, "alice"),
                         makeSummary("session_bbb", "completed", 50, "bob"),
                         makeSummary("session_ccc", "failed", 7, "carol"),
                         makeSummary("session_ddd", "running", 1, "bob")});
    proxy.sort(SessionTableModel::EventsColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("session_bbb"));
    QCOMPARE(proxy.index(3, 0).data().toString(), QStringLiteral("session_ddd"));

    proxy.setFilterText("BOB");
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setStateFilter("running");
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("session_ddd"));
    proxy.setFilterText("ccc");
    QCOMPARE(proxy.rowCount(), 0);
    proxy.setStateFilter(QString());
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterText(QString());

    // A live update re-sorts: ddd grows past bbb.
    model.upsert(makeSummary("session_ddd", "running", 99, "bob"));
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("session_ddd"));
    // A new session that matches the state filter appears.
    proxy.setStateFilter("failed");
    model.upsert(makeSummary("session_eee", "failed", 8, "eve"));
    QCOMPARE(proxy.rowCount(), 2);
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("session_eee"));
}

void tst_SessionTableModel::totals()
{
    SessionTableModel model;
    model.setBatchInterval(0);
    SessionSummary a = makeSummary("a", "running", 10);
    a.subscribers = 3;
    a.droppedEvents = 2;
    SessionSummary b = makeSummary("b", "completed", 4);
    b.subscribers = 0;
    model.resetSessions({a, b, makeSummary("c", "running", 1)});
    const SessionTableModel::Totals totals = model.totals();
    QCOMPARE(totals.sessions, 3);
    QCOMPARE(totals.running, 2);
    QCOMPARE(totals.subscribers, 4);
    QCOMPARE(totals.events, 15);
    QCOMPARE(totals.bufferedBytes, 15 * 300);
    QCOMPARE(totals.dropped, 2);
}

void tst_SessionTableModel::formatting_data()
{
    QTest::addColumn<qint64>("value");
    QTest::addColumn<bool>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("310 B") << qint64(310) << true << "310 B";
    QTest::newRow("4 KB") << qint64(4096) << true << "4.0 KB";
    QTest::newRow("1.5 MB") << qint64(1572864) << true << "1.5 MB";
    QTest::newRow("9 s") << qint64(9999) << false << "9 s";
    QTest::newRow("2 min") << qint64(125000) << false << "2 min 5 s";
    QTest::newRow("3 h") << qint64(3 * 3600000 + 120000) << false << "3 h 2 min";
}

void tst_SessionTableModel::formatting()
{
    QFETCH(qint64, value);
    QFETCH(bool, bytes);
    QFETCH(QString, text);
    QCOMPARE(bytes ? SessionTableModel::formatBytes(value)
                   : SessionTableModel::formatDuration(value),
             text);
}

// 10,000 sessions behind a sorting, filtering proxy and a view: the snapshot, then a burst
// of 10,000 updates and 1,000 new sessions applied as one batch.
void tst_SessionTableModel::tenThousandSessions()
{
    SessionTableModel model;
    model.setBatchInterval(1000000);
    SessionFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QTableView view;
    view.setModel(&proxy);
    view.setSortingEnabled(true);
    view.sortByColumn(SessionTableModel::EventsColumn, Qt::DescendingOrder);
    view.resize(800, 600);
    view.show();

    QList<SessionSummary> sessions;
    for (int i = 0; i < 10000; ++i)
        sessions.append(makeSummary(QStringLiteral("session_%1").arg(i, 5, 10, QLatin1Char('0')),
                                    "running", i % 97));
    QElapsedTimer timer;
    timer.start();
    model.resetSessions(sessions);
    const qint64 snapshotMs = timer.elapsed();
    QCOMPARE(proxy.rowCount(), 10000);

    for (int i = 0; i < 10000; ++i)
        model.upsert(makeSummary(
            QStringLiteral("session_%1").arg((i * 7919) % 10000, 5, 10, QLatin1Char('0')),
            "running", 100 + i));
    for (int i = 0; i < 1000; ++i)
        model.upsert(makeSummary(QStringLiteral("new_%1").arg(i), "running", 1));
    timer.restart();
    model.flush();
    const qint64 flushMs = timer.elapsed();
    timer.restart();
    model.tick();
    const qint64 tickMs = timer.elapsed();
    timer.restart();
    proxy.setFilterText("session_09");
    const qint64 filterMs = timer.elapsed();

    qInfo("10,000 sessions: snapshot %lld ms, batch of 11,000 changes %lld ms, age tick %lld ms, "
          "filter %lld ms",
          snapshotMs, flushMs, tickMs, filterMs);
    QCOMPARE(model.rowCount(), 11000);
    QCOMPARE(proxy.rowCount(), 1000);
    proxy.setFilterText(QString());
    QCOMPARE(proxy.index(0, SessionTableModel::EventsColumn)
                 .data(SessionTableModel::SortRole)
                 .toLongLong(),
             100 + 9999);
    // Generous bounds for a loaded 2-core CI machine; typical values are far lower.
    QVERIFY2(flushMs < 3000, qPrintable(QString::number(flushMs)));
    QVERIFY2(tickMs < 1000, qPrintable(QString::number(tickMs)));
}

QTEST_MAIN(tst_SessionTableModel)
#include "tst_sessiontablemodel.moc"
