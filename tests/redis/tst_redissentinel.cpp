// The Redis store behind Sentinel (issue 14, contract section 17, docs/redis.md): a master,
// two replicas and a sentinel, all real processes on free loopback ports. The master is
// SIGKILLed mid-stream; the sentinel promotes a replica, ssebufd follows it without a
// restart and, with --redis-wait-replicas 1, loses nothing it acknowledged.

#include "clustertestkit.h"
#include "httptestclient.h"
#include "redisprocess.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHostAddress>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace clustertest;
using testkit::range;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QByteArray cli(quint16 port, const QStringList &args)
{
    QProcess process;
    process.start(QStringLiteral("redis-cli"),
                  QStringList {QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                               QStringLiteral("-p"), QString::number(port)}
                      + args);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished(1000);
        return {};
    }
    return process.readAllStandardOutput().trimmed();
}

} // namespace

class tst_RedisSentinel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void followsFailover();

private:
    quint16 sentinelMasterPort() const;

    RedisProcess m_master;
    RedisProcess m_replicas[2];
    QTemporaryDir m_dir;
    QProcess m_sentinel;
    quint16 m_sentinelPort = 0;
    HttpTestClient m_http;
};

void tst_RedisSentinel::initTestCase()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    QVERIFY2(m_master.start(), qPrintable(m_master.errorText()));
    for (RedisProcess &replica : m_replicas) {
        replica.setExtraArguments({QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                   QString::number(m_master.port())});
        QVERIFY2(replica.start(), qPrintable(replica.errorText()));
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        cli(m_master.port(), {QStringLiteral("INFO"), QStringLiteral("replication")})
            .contains("connected_slaves:2"),
        10000);
    // redis-server --sentinel (what the redis-sentinel package runs) rewrites its file.
    m_sentinelPort = freePort();
    QFile config(m_dir.filePath(QStringLiteral("sentinel.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QStringLiteral("port %1\nbind 127.0.0.1\ndir %2\n"
                                "sentinel monitor mymaster 127.0.0.1 %3 1\n"
                                "sentinel down-after-milliseconds mymaster 1000\n"
                                "sentinel failover-timeout mymaster 10000\n")
                     .arg(m_sentinelPort)
                     .arg(m_dir.path())
                     .arg(m_master.port())
                     .toUtf8());
    config.close();
    m_sentinel.setProcessChannelMode(QProcess::MergedChannels);
    m_sentinel.start(QStringLiteral("redis-server"),
                     {config.fileName(), QStringLiteral("--sentinel")});
    QVERIFY(m_sentinel.waitForStarted(10000));
    QTRY_COMPARE_WITH_TIMEOUT(sentinelMasterPort(), m_master.port(), 10000);
    // The sentinel must know the replicas before it can promote one.
    QTRY_VERIFY_WITH_TIMEOUT(
        cli(m_sentinelPort,
            {QStringLiteral("SENTINEL"), QStringLiteral("replicas"), QStringLiteral("mymaster")})
                .count("flags\nslave")
            == 2,
        15000);
}

void tst_RedisSentinel::cleanupTestCase()
{
    if (m_sentinel.state() != QProcess::NotRunning) {
        m_sentinel.kill();
        m_sentinel.waitForFinished(5000);
    }
}

quint16 tst_RedisSentinel::sentinelMasterPort() const
{
    const QList<QByteArray> answer
        = cli(m_sentinelPort,
              {QStringLiteral("SENTINEL"), QStringLiteral("get-master-addr-by-name"),
               QStringLiteral("mymaster")})
              .split('\n');
    return answer.size() == 2 ? quint16(answer.at(1).toUInt()) : 0;
}

void tst_RedisSentinel::followsFailover()
{
    // The first "sentinel" listens nowhere: the store goes on to the next one.
    const QString url = QStringLiteral("redis-sentinel://127.0.0.1:%1,127.0.0.1:%2/mymaster")
                            .arg(freePort())
                            .arg(m_sentinelPort);
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
    QCOMPARE(cli(m_master.port(), {QStringLiteral("EXISTS"), QStringLiteral("ssebuf:s:") + id}),
             QByteArray("1"));

    ResumingClient client(service.url(QStringLiteral("/api/refactor/%1/sse").arg(id)));
    client.open();
    Producer producer({service.url(QStringLiteral("/api/sessions/%1/events").arg(id))}, 10);
    producer.start();
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= 10, 10000);

    const quint16 old = m_master.port();
    m_master.kill();
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
