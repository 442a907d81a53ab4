// Contract section 15 (GET /api/refactor/{id}/events: events as JSON, with a long poll)
// over a real ssebufd.

#include "producertest.h"

#include <QElapsedTimer>

using namespace producertest;

class tst_EventsJson : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void pagesWithAfterAndLimit();
    void eventsAreTheStoredJson();
    void badParametersAre400_data();
    void badParametersAre400();
    void unknownIs404();
    void longPollAnswersWithNextEvent();
    void longPollTimesOutEmpty();
    void endedSessionAnswersAtOnce();

private:
    Cluster m_cluster;
};

void tst_EventsJson::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_EventsJson::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
}

void tst_EventsJson::pagesWithAfterAndLimit()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonArray batch;
    for (int i = 1; i <= 150; ++i)
        batch.append(eventJson(QStringLiteral("e%1").arg(i)));
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, batch).status, 201);

    const QJsonObject first = m_cluster.events(m_cluster.b(), id).json();
    QCOMPARE(first.value("session_id").toString(), id);
    QCOMPARE(first.value("state").toString(), QStringLiteral("running"));
    QCOMPARE(first.value("last_seq").toInteger(), 150);
    QCOMPARE(first.value("events").toArray().size(), 100); // the default limit
    QCOMPARE(first.value("next_after").toInteger(), 100);
    const QJsonObject page
        = m_cluster.events(m_cluster.b(), id, QStringLiteral("after=120&limit=20")).json();
    const QJsonArray events = page.value("events").toArray();
    QCOMPARE(events.size(), 20);
    QCOMPARE(events.first().toObject().value("seq").toInteger(), 121);
    QCOMPARE(events.last().toObject().value("seq").toInteger(), 140);
    QCOMPARE(page.value("next_after").toInteger(), 140);
    const QJsonObject end = m_cluster.events(m_cluster.b(), id, QStringLiteral("after=150")).json();
    QCOMPARE(end.value("events").toArray().size(), 0);
    QCOMPARE(end.value("next_after").toInteger(), 150);
}

void tst_EventsJson::eventsAreTheStoredJson()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonObject rich = eventJson(QStringLiteral("with data"));
    rich.insert(QStringLiteral("stage"), QStringLiteral("planning"));
    rich.insert(QStringLiteral("progress"), 40);
    rich.insert(QStringLiteral("data"), QJsonObject {{"files", QJsonArray {"a.cpp", "b.cpp"}}});
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, rich).status, 201);
    RawSseClient stream;
    stream.open(m_cluster.sseUrl(m_cluster.a(), id));
    QTRY_COMPARE_WITH_TIMEOUT(stream.sequence(), QList<qint64> {1}, 5000);
    const QJsonObject read
        = m_cluster.events(m_cluster.b(), id).json().value("events").toArray().at(0).toObject();
    QCOMPARE(read, stream.jsonEvents().at(0));
    QCOMPARE(read.value("data").toObject().value("files").toArray().size(), 2);
}

void tst_EventsJson::badParametersAre400_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("field");
    QTest::newRow("after -1") << QStringLiteral("after=-1") << QStringLiteral("after");
    QTest::newRow("after text") << QStringLiteral("after=x") << QStringLiteral("after");
    QTest::newRow("limit 0") << QStringLiteral("limit=0") << QStringLiteral("limit");
    QTest::newRow("limit 1001") << QStringLiteral("limit=1001") << QStringLiteral("limit");
    QTest::newRow("wait 0") << QStringLiteral("wait=0") << QStringLiteral("wait");
    QTest::newRow("wait 61") << QStringLiteral("wait=61") << QStringLiteral("wait");
    QTest::newRow("wait text") << QStringLiteral("wait=soon") << QStringLiteral("wait");
}

void tst_EventsJson::badParametersAre400()
{
    QFETCH(QString, query);
    QFETCH(QString, field);
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const HttpTestReply reply = m_cluster.events(m_cluster.a(), id, query);
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("field").toString(), field);
}

void tst_EventsJson::unknownIs404()
{
    QVERIFY(m_cluster.start());
    QCOMPARE(
        m_cluster.events(m_cluster.a(), QStringLiteral("session_20260101_000000_nothere")).status,
        404);
    QCOMPARE(m_cluster
                 .events(m_cluster.a(), QStringLiteral("session_20260101_000000_nothere"),
                         QStringLiteral("wait=5"))
                 .status,
             404);
}

// Nothing after N yet: the answer waits for the next event (appended on the other instance
// on Redis) and comes with it, long before the wait is over.
void tst_EventsJson::longPollAnswersWithNextEvent()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("one"))).status, 201);
    QNetworkAccessManager manager;
    QElapsedTimer elapsed;
    elapsed.start();
    QNetworkReply *reply = manager.get(QNetworkRequest(m_cluster.b().url(
        ApiPaths::sessionEventsJson(ApiPaths::segment(id)) + QStringLiteral("?after=1&wait=20"))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(!finished.wait(300)); // waiting, not answered empty
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("two"))).status, 201);
    QVERIFY(finished.count() > 0 || finished.wait(5000));
    QVERIFY(elapsed.elapsed() < 10000);
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    const QJsonArray events = answer.value("events").toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value("seq").toInteger(), 2);
    QCOMPARE(answer.value("next_after").toInteger(), 2);
    reply->deleteLater();
}

void tst_EventsJson::longPollTimesOutEmpty()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QElapsedTimer elapsed;
    elapsed.start();
    const HttpTestReply reply = m_cluster.events(m_cluster.b(), id, QStringLiteral("wait=1"));
    QCOMPARE(reply.status, 200);
    QVERIFY2(elapsed.elapsed() >= 900, qPrintable(QString::number(elapsed.elapsed())));
    QVERIFY(elapsed.elapsed() < 5000);
    QCOMPARE(reply.json().value("events").toArray().size(), 0);
    QCOMPARE(reply.json().value("next_after").toInteger(), 0);
}

void tst_EventsJson::endedSessionAnswersAtOnce()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), id,
                          eventJson(QStringLiteral("end"), QStringLiteral("completed")))
                 .status,
             201);
    QElapsedTimer elapsed;
    elapsed.start();
    const HttpTestReply reply
        = m_cluster.events(m_cluster.b(), id, QStringLiteral("after=1&wait=30"));
    QCOMPARE(reply.status, 200);
    QVERIFY(elapsed.elapsed() < 3000);
    QCOMPARE(reply.json().value("state").toString(), QStringLiteral("completed"));
    QCOMPARE(reply.json().value("events").toArray().size(), 0);
}

QTEST_GUILESS_MAIN(tst_EventsJson)
#include "tst_eventsjson.moc"
