// Issue 15, connections: --request-timeout (408 for a head and body that never complete),
// a chunk size that overflowed the body counter, session ids that are not ids (404 at the
// route, before the store), --max-connections and --max-connections-per-ip (closed at once,
// counted in /metrics), accept() failing with EMFILE (the listener keeps serving), and
// pipelined answers in request order on the Redis store.

#include "hardeningsupport.h"
#include "processtestkit.h"
#include "redisprocess.h"

#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>

#include <memory>
#include <vector>

#include <sys/socket.h>

using namespace hardening;

namespace {

const QByteArray kWellFormedId = "session_20261201_120000_0123456789abcdef0123456789abcdef";

quint16 unusedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort(); // closed again when probe goes
}

} // namespace

class tst_HardeningHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestTimeoutAnswers408();
    void chunkSizeOverflowIsAnswered_data();
    void chunkSizeOverflowIsAnswered();
    void malformedSessionIdIs404BeforeTheStore_data();
    void malformedSessionIdIs404BeforeTheStore();
    void connectionCapsCloseAndCount();
    void acceptErrorKeepsServing();
    void pipelinedAnswersInOrderOnRedis();

private:
    HttpTestClient m_http;
};

void tst_HardeningHttp::requestTimeoutAnswers408()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--request-timeout", "1"}),
             qPrintable(service.errorText()));
    // The head is complete, the body (1000 bytes announced) never comes.
    QElapsedTimer elapsed;
    elapsed.start();
    bool closed = false;
    const QByteArray answer = rawExchange(
        service.port(),
        postHead("/api/sessions/" + kWellFormedId + "/events", "Content-Length: 1000\r\n\r\n{"),
        8000, {}, &closed);
    QVERIFY2(answer.startsWith("HTTP/1.1 408 "), answer.constData());
    QVERIFY(answer.contains("request_timeout"));
    QVERIFY(closed);
    QVERIFY2(elapsed.elapsed() >= 900 && elapsed.elapsed() < 5000,
             qPrintable(QString::number(elapsed.elapsed())));
    // A head that trickles in counts too: the time runs from the request's first byte.
    const QByteArray slow = rawExchange(service.port(), "GET /healthz HTTP/1.1\r\n", 8000);
    QVERIFY2(slow.startsWith("HTTP/1.1 408 "), slow.constData());
    // A complete request on the same service is answered as before.
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_HardeningHttp::chunkSizeOverflowIsAnswered_data()
{
    QTest::addColumn<QByteArray>("chunks");
    QTest::addColumn<QByteArray>("status");
    // After one byte, 2^63 - 1 more: the sum overflowed and passed the 413 check.
    QTest::newRow("overflow after a chunk")
        << QByteArray("1\r\nx\r\n7fffffffffffffff\r\n") << QByteArray("413");
    QTest::newRow("largest size first") << QByteArray("7fffffffffffffff\r\n") << QByteArray("413");
    QTest::newRow("past 64 bits") << QByteArray("10000000000000000\r\n") << QByteArray("400");
    QTest::newRow("negative") << QByteArray("-1\r\n") << QByteArray("400");
}

void tst_HardeningHttp::chunkSizeOverflowIsAnswered()
{
    QFETCH(QByteArray, chunks);
    QFETCH(QByteArray, status);
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external"}), qPrintable(service.errorText()));
    const QByteArray answer = rawExchange(
        service.port(),
        postHead("/api/sessions/" + kWellFormedId + "/events", "Transfer-Encoding: chunked\r\n\r\n")
            + chunks,
        5000, "\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 " + status + ' '), answer.constData());
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_HardeningHttp::malformedSessionIdIs404BeforeTheStore_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("stream, free text") << QByteArray("GET") << "/api/refactor/anything/sse" << 404;
    QTest::newRow("stream, key syntax")
        << QByteArray("GET") << "/api/refactor/ssebuf%3Asessions/sse" << 404;
    QTest::newRow("stream, upper-case hex")
        << QByteArray("GET")
        << "/api/refactor/session_20261201_120000_0123456789ABCDEF0123456789ABCDEF/sse" << 404;
    QTest::newRow("stream, one digit short")
        << QByteArray("GET")
        << "/api/refactor/session_2026120_120000_0123456789abcdef0123456789abcdef/sse" << 404;
    QTest::newRow("publish") << QByteArray("POST") << "/api/sessions/x*/events" << 404;
    QTest::newRow("admin show") << QByteArray("GET") << "/api/admin/sessions/abc" << 404;
    QTest::newRow("admin delete") << QByteArray("DELETE") << "/api/admin/sessions/abc" << 404;
    // A well-formed id goes to the store, which is down here.
    QTest::newRow("well-formed stream")
        << QByteArray("GET") << "/api/refactor/" + QString::fromLatin1(kWellFormedId) + "/sse"
        << 503;
    QTest::newRow("well-formed admin")
        << QByteArray("GET") << "/api/admin/sessions/" + QString::fromLatin1(kWellFormedId) << 503;
}

void tst_HardeningHttp::malformedSessionIdIs404BeforeTheStore()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, path);
    QFETCH(int, status);
    // A Redis store nobody listens for: whatever asks the store gets 503.
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--store",
                            QStringLiteral("redis://127.0.0.1:%1").arg(unusedPort())}),
             qPrintable(service.errorText()));
    const QByteArray body
        = verb == "POST" ? QByteArray(R"({"type":"x","status":"running"})") : QByteArray();
    const HttpTestReply reply = m_http.sendCustom(verb, QUrl(service.baseUrl().toString() + path),
                                                  body, {{"Content-Type", "application/json"}});
    QCOMPARE(reply.status, status);
    if (status == 404)
        QCOMPARE(reply.json().value(QStringLiteral("error")).toString(),
                 QStringLiteral("session_not_found"));
}

void tst_HardeningHttp::connectionCapsCloseAndCount()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--max-connections", "5",
                            "--max-connections-per-ip", "3"}),
             qPrintable(service.errorText()));
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    auto open = [&](const char *from) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->bind(QHostAddress(QString::fromLatin1(from)));
        socket->connectToHost(QHostAddress::LocalHost, service.port());
        if (!socket->waitForConnected(5000))
            return static_cast<QTcpSocket *>(nullptr);
        sockets.push_back(std::move(socket));
        return sockets.back().get();
    };
    // Three from 127.0.0.1 are held; the fourth is closed at once.
    for (int i = 0; i < 3; ++i)
        QVERIFY(open("127.0.0.1"));
    QTcpSocket *fourth = open("127.0.0.1");
    QVERIFY(fourth);
    QVERIFY(fourth->waitForDisconnected(3000));
    QVERIFY(sockets.at(0)->state() == QAbstractSocket::ConnectedState);
    // Two more from 127.0.0.2 reach the total of 5; one from 127.0.0.3 is one too many.
    QVERIFY(open("127.0.0.2"));
    QVERIFY(open("127.0.0.2"));
    QTcpSocket *sixth = open("127.0.0.3");
    QVERIFY(sixth);
    QVERIFY(sixth->waitForDisconnected(3000));
    // Free two of 127.0.0.1's (the service has closed them when the client sees their end):
    // /metrics, from there, is served and counts what was refused.
    for (int i = 0; i < 2; ++i) {
        ::shutdown(int(sockets.at(i)->socketDescriptor()), SHUT_WR);
        QVERIFY(sockets.at(i)->waitForDisconnected(5000));
    }
    QCOMPARE(
        metric(m_http, service, "ssebuf_connections_refused_total{reason=\"max_connections\"}"), 1);
    QCOMPARE(metric(m_http, service,
                    "ssebuf_connections_refused_total{reason=\"max_connections_per_ip\"}"),
             1);
    // Three left open (two from .2, one from .1), plus the scrape's own connection.
    QCOMPARE(metric(m_http, service, "ssebuf_connections_open"), 4);
}

void tst_HardeningHttp::acceptErrorKeepsServing()
{
    // Under ASan+UBSan the service with 64 descriptors gave no answer after EMFILE in one CI
    // run (not yet understood; docs/reliability.md): the check runs in the normal suite.
    if (testkit::sanitized())
        QSKIP("descriptor-limit check runs in the normal (unsanitized) suite");
    // ssebufd with few descriptors: a shell wrapper lowers the limit, then execs it.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString wrapper = dir.filePath(QStringLiteral("ssebufd-fewfds"));
    QFile file(wrapper);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\nulimit -n 64\nexec \"" + ServiceProcess::binaryPath().toUtf8()
               + "\" \"$@\"\n");
    file.close();
    QVERIFY(file.setPermissions(file.permissions() | QFileDevice::ExeUser));
    const QByteArray previous = qgetenv("SSEBUFD_BINARY");
    qputenv("SSEBUFD_BINARY", wrapper.toUtf8());
    ServiceProcess service;
    const bool started = service.start({"--pipeline", "external"});
    if (previous.isEmpty())
        qunsetenv("SSEBUFD_BINARY");
    else
        qputenv("SSEBUFD_BINARY", previous);
    QVERIFY2(started, qPrintable(service.errorText()));

    // More connections than descriptors: accept() fails with EMFILE for the rest.
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 100; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, service.port());
        QVERIFY(socket->waitForConnected(5000)); // the kernel's backlog takes them
        sockets.push_back(std::move(socket));
    }
    // Let the service run into the limit: one more connection makes it try accept() with
    // every descriptor taken (the listener's readiness is not re-reported otherwise). Then
    // give the descriptors back.
    QTest::qWait(500);
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, service.port());
    QVERIFY(extra.waitForConnected(5000));
    QTest::qWait(300);
    sockets.clear();
    extra.abort();
    // It accepts again: a new request waits in the backlog at most until the next attempt
    // (100 ms) and is answered.
    const QByteArray answer = rawExchange(
        service.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        5000);
    QVERIFY2(answer.startsWith("HTTP/1.1 200 "), answer.constData());
    // What it went through is counted. (Whether accept() ran into EMFILE at all depends on
    // when the listener was last told it is readable; the log says when it did.)
    const QByteArray metrics = rawExchange(
        service.port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        5000);
    QVERIFY2(metrics.startsWith("HTTP/1.1 200 "), metrics.constData());
    const QByteArray sample = "\nssebuf_accept_errors_total ";
    const qsizetype at = metrics.indexOf(sample);
    QVERIFY(at >= 0);
    bool ok = false;
    const qint64 acceptErrors
        = metrics.mid(at + sample.size()).split('\n').value(0).trimmed().toLongLong(&ok);
    QVERIFY(ok);
    if (acceptErrors >= 1)
        QTRY_VERIFY_WITH_TIMEOUT(service.output().contains("accept() failed"), 5000);
    if (acceptErrors == 0)
        qWarning("accept() did not run into EMFILE this time: only the serving part was tested");
}

void tst_HardeningHttp::pipelinedAnswersInOrderOnRedis()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server is not installed");
    RedisProcess redis;
    QVERIFY2(redis.start(), qPrintable(redis.errorText()));
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--store", redis.url()}),
             qPrintable(service.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200,
                              10000);
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const QByteArray event = R"({"type":"progress","status":"running","message":"one"})";
    for (int round = 0; round < 5; ++round) {
        // A publish (answered when Redis has it) then /healthz (answered at once), one write.
        const QByteArray requests
            = postHead("/api/sessions/" + id.toUtf8() + "/events",
                       "Content-Length: " + QByteArray::number(event.size()) + "\r\n\r\n")
            + event + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        const QByteArray answer = rawExchange(service.port(), requests, 5000, "\"status\":\"ok\"");
        const qsizetype created = answer.indexOf("HTTP/1.1 201 ");
        const qsizetype healthy = answer.indexOf("HTTP/1.1 200 ");
        QVERIFY2(created >= 0 && healthy >= 0, answer.constData());
        QVERIFY2(created < healthy, answer.constData());
    }
}

QTEST_GUILESS_MAIN(tst_HardeningHttp)
#include "tst_hardening_http.moc"
