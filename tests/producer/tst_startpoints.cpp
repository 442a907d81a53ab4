// Contract section 14 (where a stream starts: ?from=now, ?tail=N, Last-Event-ID winning)
// over a real ssebufd.

#include "producertest.h"

using namespace producertest;

class tst_StartPoints : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void fromNowSkipsReplay();
    void tailGivesLastN();
    void tailBeyondBufferHasNoGap();
    void lastEventIdHeaderWins_data();
    void lastEventIdHeaderWins();
    void badCombinationsAre400_data();
    void badCombinationsAre400();
    void endedSessionIs204_data();
    void endedSessionIs204();

private:
    QString sessionWithEvents(int count);
    Cluster m_cluster;
};

void tst_StartPoints::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_StartPoints::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
}

QString tst_StartPoints::sessionWithEvents(int count)
{
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonArray batch;
    for (int i = 1; i <= count; ++i)
        batch.append(eventJson(QStringLiteral("e%1").arg(i)));
    if (m_cluster.publish(m_cluster.a(), id, batch).status != 201)
        return {};
    return id;
}

void tst_StartPoints::fromNowSkipsReplay()
{
    QVERIFY(m_cluster.start());
    const QString id = sessionWithEvents(3);
    RawSseClient client;
    QSignalSpy headers(&client, &RawSseClient::headersReceived);
    client.open(m_cluster.sseUrl(m_cluster.b(), id, QStringLiteral("from=now")));
    QVERIFY(headers.wait(5000));
    QCOMPARE(client.status(), 200);
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("live"))).status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), QList<qint64> {4}, 5000);
    QCOMPARE(client.jsonEvents().size(), 1); // no gap event either
}

void tst_StartPoints::tailGivesLastN()
{
    QVERIFY(m_cluster.start());
    const QString id = sessionWithEvents(6);
    RawSseClient client;
    client.open(m_cluster.sseUrl(m_cluster.b(), id, QStringLiteral("tail=2")));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), (QList<qint64> {5, 6}), 5000);
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("live"))).status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), (QList<qint64> {5, 6, 7}), 5000);
    QCOMPARE(client.jsonEvents().size(), 3); // no gap event for the skipped ones
}

// More asked than buffered (the oldest were evicted): what is buffered, and no gap event,
// since skipping old events is what was asked for.
void tst_StartPoints::tailBeyondBufferHasNoGap()
{
    QVERIFY(m_cluster.start({QStringLiteral("--max-events"), QStringLiteral("3")}));
    const QString id = sessionWithEvents(5);
    RawSseClient client;
    client.open(m_cluster.sseUrl(m_cluster.b(), id, QStringLiteral("tail=10")));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), (QList<qint64> {3, 4, 5}), 5000);
    QCOMPARE(client.jsonEvents().size(), 3);
    QVERIFY(!client.rawBody().contains("\"gap\""));
}

void tst_StartPoints::lastEventIdHeaderWins_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("tail") << QStringLiteral("tail=1");
    QTest::newRow("from") << QStringLiteral("from=now");
}

// A browser reconnecting to a ?tail= or ?from=now URL sends Last-Event-ID: it resumes.
void tst_StartPoints::lastEventIdHeaderWins()
{
    QFETCH(QString, query);
    QVERIFY(m_cluster.start());
    const QString id = sessionWithEvents(5);
    RawSseClient client;
    client.open(m_cluster.sseUrl(m_cluster.b(), id, query), {{"Last-Event-ID", "2"}});
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), (QList<qint64> {3, 4, 5}), 5000);
}

void tst_StartPoints::badCombinationsAre400_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("from and tail") << QStringLiteral("from=now&tail=2");
    QTest::newRow("last_event_id and from") << QStringLiteral("last_event_id=1&from=now");
    QTest::newRow("last_event_id and tail") << QStringLiteral("last_event_id=1&tail=2");
    QTest::newRow("from NOW") << QStringLiteral("from=NOW");
    QTest::newRow("from start") << QStringLiteral("from=start");
    QTest::newRow("from empty") << QStringLiteral("from=");
    QTest::newRow("tail 0") << QStringLiteral("tail=0");
    QTest::newRow("tail -1") << QStringLiteral("tail=-1");
    QTest::newRow("tail text") << QStringLiteral("tail=ten");
    QTest::newRow("tail fraction") << QStringLiteral("tail=1.5");
}

void tst_StartPoints::badCombinationsAre400()
{
    QFETCH(QString, query);
    QVERIFY(m_cluster.start());
    const QString id = sessionWithEvents(2);
    const HttpTestReply reply = m_cluster.http().get(m_cluster.sseUrl(m_cluster.a(), id, query));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("invalid_start"));
    QVERIFY(!reply.json().value("field").toString().isEmpty());
}

void tst_StartPoints::endedSessionIs204_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("from=now") << QStringLiteral("from=now");
    QTest::newRow("tail=3") << QStringLiteral("tail=3");
}

void tst_StartPoints::endedSessionIs204()
{
    QFETCH(QString, query);
    QVERIFY(m_cluster.start());
    const QString id = sessionWithEvents(2);
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), id,
                          eventJson(QStringLiteral("end"), QStringLiteral("completed")))
                 .status,
             201);
    QCOMPARE(m_cluster.http().get(m_cluster.sseUrl(m_cluster.b(), id, query)).status, 204);
    // Without a start point the ended session still replays.
    RawSseClient client;
    client.open(m_cluster.sseUrl(m_cluster.b(), id));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), range(1, 3), 5000);
}

QTEST_GUILESS_MAIN(tst_StartPoints)
#include "tst_startpoints.moc"
