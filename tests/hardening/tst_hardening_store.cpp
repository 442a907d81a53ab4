// Issue 15, the store: start-up on Redis resolves the first connection attempt before
// "listening on" (and still starts, answering 503, when Redis is down), and events of a
// built-in producer that the store refuses are retried in order, or end the session with a
// failed terminal event saying why, counted in /metrics.

#include "hardeningsupport.h"
#include "processtestkit.h"
#include "rawsseclient.h"
#include "redisprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>

using namespace hardening;

namespace {

// Shell lines that print numbered progress events, one per pause, while condition holds.
QByteArray progressLoop(const QByteArray &condition, const QByteArray &pause)
{
    return "i=1\nwhile " + condition
        + "; do\n"
          "  echo \"{\\\"type\\\":\\\"progress\\\",\\\"status\\\":\\\"running\\\","
          "\\\"message\\\":\\\"$i\\\"}\"\n  sleep "
        + pause + "\n  i=$((i+1))\ndone\n";
}

} // namespace

class tst_HardeningStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup() { m_redis.cli({"CONFIG", "SET", "maxmemory", "0"}); } // also after a failure
    void firstRequestAfterListeningIsServed();
    void downRedisStillStartsAnd503();
    void refusedEventsAreRetriedInOrder();
    void storeThatStaysAwayFailsTheSession();

private:
    QString script(const QString &name, const QByteArray &body);
    struct ProducerRun
    {
        ServiceProcess service;
        RawSseClient client;
        QString id;
    };
    void streamFromProducer(ProducerRun &run, const QString &name, const QByteArray &body,
                            int events);

    QTemporaryDir m_dir;
    RedisProcess m_redis;
    HttpTestClient m_http;
};

void tst_HardeningStore::initTestCase()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server is not installed");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QCOMPARE(m_redis.cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"}), QByteArray("OK"));
}

QString tst_HardeningStore::script(const QString &name, const QByteArray &body)
{
    return testkit::writeScript(m_dir.filePath(name), body);
}

// Starts ssebufd on Redis with the producer script, starts a session and reads its stream
// until it has carried `events` events.
void tst_HardeningStore::streamFromProducer(ProducerRun &run, const QString &name,
                                            const QByteArray &body, int events)
{
    const QString producer = script(name, "cat >/dev/null\n" + body);
    QVERIFY2(run.service.start({"--store", m_redis.url(), "--pipeline", "exec:" + producer}),
             qPrintable(run.service.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(m_http.get(run.service.url(QStringLiteral("/healthz"))).status, 200,
                              10000);
    run.id = startSession(m_http, run.service);
    QVERIFY(!run.id.isEmpty());
    run.client.open(run.service.url(QStringLiteral("/api/refactor/%1/sse").arg(run.id)));
    QTRY_VERIFY_WITH_TIMEOUT(run.client.jsonEvents().size() >= events, 10000);
}

void tst_HardeningStore::firstRequestAfterListeningIsServed()
{
    // A rolling restart: the first requests come the moment "listening on" is printed.
    for (int round = 0; round < 5; ++round) {
        ServiceProcess service;
        QVERIFY2(service.start({"--store", m_redis.url()}), qPrintable(service.errorText()));
        const QByteArray answer = rawExchange(
            service.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            5000);
        QVERIFY2(answer.startsWith("HTTP/1.1 200 "), answer.constData());
    }
}

void tst_HardeningStore::downRedisStillStartsAnd503()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    QElapsedTimer elapsed;
    elapsed.start();
    ServiceProcess service;
    QVERIFY2(service.start({"--store", QStringLiteral("redis://127.0.0.1:%1").arg(port)}),
             qPrintable(service.errorText()));
    QVERIFY(elapsed.elapsed() < 8000);
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 503);
    int status = 0;
    startSession(m_http, service, {}, &status);
    QCOMPARE(status, 503);
}

void tst_HardeningStore::refusedEventsAreRetriedInOrder()
{
    // 30 numbered events, 50 ms apart, then the terminal one.
    ProducerRun run;
    streamFromProducer(
        run, QStringLiteral("counter.sh"),
        progressLoop("[ $i -le 30 ]", "0.05")
            + "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":\"done\"}'\n",
        5);
    if (QTest::currentTestFailed())
        return;
    // Redis refuses every write (OOM) for a second, then takes them again.
    QCOMPARE(m_redis.cli({"CONFIG", "SET", "maxmemory", "1"}), QByteArray("OK"));
    QTest::qWait(1000); // the outage lasts a second: about 20 events are produced meanwhile
    QCOMPARE(m_redis.cli({"CONFIG", "SET", "maxmemory", "0"}), QByteArray("OK"));
    QSignalSpy finished(&run.client, &RawSseClient::finished);
    QVERIFY(run.client.isFinished() || finished.wait(20000));
    const QList<QJsonObject> events = run.client.jsonEvents();
    QCOMPARE(events.size(), 31); // nothing lost
    for (int i = 0; i < 30; ++i) {
        QCOMPARE(events.at(i).value("seq").toInteger(), i + 1);
        QCOMPARE(events.at(i).value("message").toString(), QString::number(i + 1)); // in order
    }
    QCOMPARE(events.last().value("status").toString(), QStringLiteral("completed"));
    QVERIFY(metric(m_http, run.service, QStringLiteral("ssebuf_producer_append_retries_total"))
            >= 1);
    QCOMPARE(metric(m_http, run.service, QStringLiteral("ssebuf_sessions_failed_store_total")), 0);
}

void tst_HardeningStore::storeThatStaysAwayFailsTheSession()
{
    ProducerRun run;
    streamFromProducer(run, QStringLiteral("endless.sh"), progressLoop("true", "0.1"), 3);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_redis.cli({"CONFIG", "SET", "maxmemory", "1"}), QByteArray("OK"));
    // Retried with backoff (about 9 s in all), then given up: the session is being failed.
    QTRY_COMPARE_WITH_TIMEOUT(
        metric(m_http, run.service, QStringLiteral("ssebuf_sessions_failed_store_total")), 1,
        30000);
    QVERIFY(metric(m_http, run.service, QStringLiteral("ssebuf_producer_append_retries_total"))
            >= 8);
    QCOMPARE(m_redis.cli({"CONFIG", "SET", "maxmemory", "0"}), QByteArray("OK"));
    // Once the store takes writes again, the failed terminal event says why, and ends it.
    QSignalSpy finished(&run.client, &RawSseClient::finished);
    QVERIFY(run.client.isFinished() || finished.wait(20000));
    const QJsonObject terminal = run.client.jsonEvents().last();
    QCOMPARE(terminal.value("status").toString(), QStringLiteral("failed"));
    QCOMPARE(terminal.value("final").toBool(), true);
    QVERIFY2(terminal.value("message").toString().contains("store"),
             qPrintable(terminal.value("message").toString()));
    // Seqs stay contiguous: what was refused was not stored with holes.
    const QList<qint64> seqs = run.client.sequence();
    for (int i = 0; i < seqs.size(); ++i)
        QCOMPARE(seqs.at(i), qint64(i + 1));
    QVERIFY(run.service.output().contains("ending " + run.id.toUtf8() + " failed"));
}

QTEST_GUILESS_MAIN(tst_HardeningStore)
#include "tst_hardening_store.moc"
