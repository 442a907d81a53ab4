// Redis killed (SIGKILL) and restarted under an open stream, with Redis persisting every
// write (appendonly, appendfsync always), as docs/redis.md recommends for production: no
// event the service acknowledged with 201 is lost. The stream ends when Redis goes, the
// client resumes with Last-Event-ID once it is back and receives everything, in order.
//
// tests/redis/tst_redisinstances.cpp (redisOutageAndRecovery) covers the outage itself
// (health 503, POST 503, recovery across instances) with a Redis that keeps nothing.
// This one needs its own redis-server command line (persistence), so it does not use
// tests/support/redisprocess, which runs Redis without persistence.

#include "httptestclient.h"
#include "rawsseclient.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace testkit;

class tst_RedisRestart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killedAndRestartedMidStream();
    void cleanupTestCase();

private:
    bool startRedis();
    bool redisAnswers();

    QString m_redisServer;
    QTemporaryDir m_dir;
    QProcess m_redis;
    quint16 m_port = 0;
};

void tst_RedisRestart::initTestCase()
{
    m_redisServer = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (m_redisServer.isEmpty())
        QSKIP("redis-server is not installed (scripts/install-deps.sh installs it)");
    QVERIFY(m_dir.isValid());
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_port = probe.serverPort();
    probe.close();
}

void tst_RedisRestart::cleanupTestCase()
{
    if (m_redis.state() != QProcess::NotRunning) {
        m_redis.kill();
        m_redis.waitForFinished(5000);
    }
}

bool tst_RedisRestart::redisAnswers()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(500))
        return false;
    socket.write("PING\r\n");
    return socket.waitForReadyRead(1000) && socket.readAll().startsWith("+PONG");
}

bool tst_RedisRestart::startRedis()
{
    m_redis.setProgram(m_redisServer);
    m_redis.setArguments({QStringLiteral("--port"), QString::number(m_port),
                          QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--save"),
                          QString(), QStringLiteral("--appendonly"), QStringLiteral("yes"),
                          QStringLiteral("--appendfsync"), QStringLiteral("always"),
                          QStringLiteral("--protected-mode"), QStringLiteral("no")});
    m_redis.start();
    if (!m_redis.waitForStarted(10000))
        return false;
    // Polls like QTRY_VERIFY (which cannot return a value), bounded.
    QDeadlineTimer deadline(10000);
    while (!redisAnswers() && !deadline.hasExpired())
        QTest::qWait(50);
    return redisAnswers();
}

void tst_RedisRestart::killedAndRestartedMidStream()
{
    QVERIFY(startRedis());
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--store"),
                            QStringLiteral("redis://127.0.0.1:%1").arg(m_port),
                            QStringLiteral("--pipeline"), QStringLiteral("external"),
                            QStringLiteral("--log-level"), QStringLiteral("warning")}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    QTRY_COMPARE_WITH_TIMEOUT(http.get(service.url(QStringLiteral("/healthz"))).status, 200, 10000);
    const QString id = startSession(http, service);
    QVERIFY(!id.isEmpty());

    RawSseClient before;
    before.open(service.url(ssePath(id)));
    QTRY_VERIFY_WITH_TIMEOUT(before.headersDone(), 5000);
    QList<qint64> acknowledged;
    for (int n = 1; n <= 50; ++n) {
        const qint64 seq = publishSeq(http, service, id, paddedProgressEvent(n));
        QCOMPARE(seq, n);
        acknowledged.append(seq);
    }
    QTRY_COMPARE_WITH_TIMEOUT(before.sequence(), acknowledged, 5000);

    // Redis dies without warning. Publishes fail (503, not acknowledged) until it is back.
    m_redis.kill();
    QVERIFY(m_redis.waitForFinished(5000));
    QTRY_COMPARE_WITH_TIMEOUT(http.get(service.url(QStringLiteral("/healthz"))).status, 503, 10000);
    int refused = 0;
    for (int n = 0; n < 5; ++n) {
        const qint64 seq = publishSeq(http, service, id, paddedProgressEvent(100 + n));
        QVERIFY2(seq == -503, qPrintable(QString::number(seq)));
        ++refused;
    }
    // The open stream ends cleanly after the events it had.
    QTRY_VERIFY_WITH_TIMEOUT(before.isFinished(), 10000);
    QCOMPARE(before.sequence(), acknowledged);

    // Redis comes back from its append-only file; the service finds it again by itself.
    QVERIFY(startRedis());
    QTRY_COMPARE_WITH_TIMEOUT(http.get(service.url(QStringLiteral("/healthz"))).status, 200, 20000);
    RawSseClient resumed;
    resumed.open(service.url(ssePath(id)),
                 {{"Last-Event-ID", QByteArray::number(before.sequence().last())}});
    QTRY_VERIFY_WITH_TIMEOUT(resumed.headersDone(), 5000);
    QCOMPARE(resumed.status(), 200);
    for (int n = 51; n <= 80; ++n) {
        const qint64 seq = publishSeq(http, service, id, paddedProgressEvent(n));
        QCOMPARE(seq, n); // seq goes on where it was: nothing acknowledged was forgotten
        acknowledged.append(seq);
    }
    QCOMPARE(publishSeq(http, service, id, finalEvent()), 81);
    acknowledged.append(81);
    QTRY_VERIFY_WITH_TIMEOUT(resumed.isFinished(), 10000);
    QCOMPARE(before.sequence() + resumed.sequence(), acknowledged);

    // A late client, and the admin API, see exactly the acknowledged events.
    RawSseClient late;
    late.open(service.url(ssePath(id)));
    QTRY_VERIFY_WITH_TIMEOUT(late.isFinished(), 10000);
    QCOMPARE(late.sequence(), acknowledged);
    QCOMPARE(storedSeqs(http, service, id), acknowledged);
    qInfo("%lld events acknowledged, %d refused during the outage, none lost",
          qint64(acknowledged.size()), refused);
    QCOMPARE(service.terminate(), 0);
}

QTEST_GUILESS_MAIN(tst_RedisRestart)
#include "tst_redisrestart.moc"
