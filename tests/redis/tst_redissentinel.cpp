// The Redis store behind Sentinel (issue 14, contract section 17, docs/redis.md): a master,
// two replicas and a sentinel, all real processes on free loopback ports. The master is
// SIGKILLed mid-stream; the sentinel promotes a replica, ssebufd follows it without a
// restart and, with --redis-wait-replicas 1, loses nothing it acknowledged.

#include "clustertestkit.h"
#include "httptestclient.h"
#include "rawsseclient.h"
#include "redissentinelprocess.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QTest>

#include <memory>

using namespace clustertest;
using testkit::range;

class tst_RedisSentinel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void liveAcrossInstances();
    void followsFailover();

private:
    quint16 sentinelMasterPort() const { return m_sentinels.masterPort(); }
    static QByteArray cli(quint16 port, const QStringList &args)
    {
        return RedisProcess::cli(port, args);
    }

    RedisSentinelProcess m_sentinels;
    HttpTestClient m_http;
};

void tst_RedisSentinel::initTestCase()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    QVERIFY2(m_sentinels.start(), qPrintable(m_sentinels.errorText()));
}

// Behind Sentinel as on a single node: a session started on A streams live from B, whose
// instance subscribes to the session's own channel on the master only while it streams it.
void tst_RedisSentinel::liveAcrossInstances()
{
    ServiceProcess a;
    ServiceProcess b;
    QVERIFY(testkit::startStoreInstance(m_http, a, m_sentinels.url()));
    QVERIFY(testkit::startStoreInstance(m_http, b, m_sentinels.url()));
    const QString id = testkit::startSession(m_http, a, testkit::startBody());
    QVERIFY(!id.isEmpty());
    const auto subscribers = [this, &id] {
        const QList<QByteArray> answer
            = m_sentinels.master()
                  .cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"),
                        QStringLiteral("ssebuf:live:0:") + id})
                  .split('\n');
        return answer.size() == 2 ? answer.at(1).toInt() : -1;
    };
    QCOMPARE(subscribers(), 0);
    RawSseClient onB;
    QVERIFY(testkit::openStream(onB, testkit::sseUrl(b, id)));
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(), 1, 5000);
    for (int i = 1; i <= 3; ++i) {
        QCOMPARE(testkit::publishSeq(m_http, a, id, eventJson(QStringLiteral("e%1").arg(i))), i);
        QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), range(1, i), 5000);
    }
    QCOMPARE(onB.jsonEvents().at(2).value("message").toString(), QStringLiteral("e3"));
    onB.close();
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(), 0, 5000);
}

void tst_RedisSentinel::followsFailover()
{
    // The first "sentinel" listens nowhere: the store goes on to the next one.
    const QString url = QStringLiteral("redis-sentinel://127.0.0.1:%1,127.0.0.1:%2/mymaster")
                            .arg(RedisProcess::freePort())
                            .arg(m_sentinels.sentinelPort());
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--store"), url, QStringLiteral("--pipeline"),
                            QStringLiteral("external"), QStringLiteral("--redis-wait-replicas"),
                            QStringLiteral("1")}),
             qPrintable(service.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200,
                              10000);
    const HttpTestReply started = m_http.postJson(
        service.url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("u")},
                     {QStringLiteral("user_prompt"), QStringLiteral("refactor")}});
    QCOMPARE(started.status, 201);
    const QString id = started.json().value("session_id").toString();
    QCOMPARE(cli(m_sentinels.master().port(),
                 {QStringLiteral("EXISTS"), QStringLiteral("ssebuf:s:") + id}),
             QByteArray("1"));

    ResumingClient client(service.url(QStringLiteral("/api/refactor/%1/sse").arg(id)));
    client.open();
    Producer producer({service.url(QStringLiteral("/api/sessions/%1/events").arg(id))}, 10);
    producer.start();
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= 10, 10000);

    const quint16 old = m_sentinels.master().port();
    m_sentinels.master().kill();
    QTRY_VERIFY_WITH_TIMEOUT(sentinelMasterPort() != old && sentinelMasterPort() != 0, 20000);
    const quint16 promoted = sentinelMasterPort();
    const int before = int(producer.acknowledged.size());
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= before + 10, 30000);
    producer.stop();
    QTRY_VERIFY_WITH_TIMEOUT(producer.idle(), 15000);
    QCOMPARE(cli(promoted, {QStringLiteral("EXISTS"), QStringLiteral("ssebuf:s:") + id}),
             QByteArray("1"));

    const qint64 last = testkit::publishSeq(
        m_http, service, id, eventJson(QStringLiteral("end"), QStringLiteral("completed")));
    QVERIFY2(last > 0, qPrintable(QString::number(last)));
    if (!QTest::qWaitFor([&] { return client.isFinished(); }, 15000))
        qWarning().noquote() << "ssebufd output:" << service.output().right(8000);
    QVERIFY(client.isFinished());
    QCOMPARE(client.sequence(), range(1, last));
    const QList<QJsonObject> seen = client.events();
    QList<QJsonObject> numbered;
    for (const QJsonObject &event : seen) {
        QVERIFY2(event.value("type").toString() != QLatin1String("gap"),
                 QJsonDocument(event).toJson().constData());
        numbered.append(event);
    }
    for (auto it = producer.acknowledged.cbegin(); it != producer.acknowledged.cend(); ++it)
        QCOMPARE(numbered.at(it.key() - 1).value("message").toString(), it.value());
    QTRY_VERIFY_WITH_TIMEOUT(service.output().contains("switched to"), 10000);
    qInfo() << "master" << old << "->" << promoted << ":" << producer.acknowledged.size()
            << "acknowledged," << producer.refused << "refused;" << client.connections()
            << "stream connections";
}

QTEST_GUILESS_MAIN(tst_RedisSentinel)
#include "tst_redissentinel.moc"
