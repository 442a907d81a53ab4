// Issue 15, access: an empty token variable is an error (exit 2), the Host check when access
// rests on the loopback rule (--allowed-hosts, against DNS rebinding), --trusted-proxy with
// X-Forwarded-For (access, per-address limits, logs), --publish-token-file (publish only),
// and the token wiped from the service's own /proc/<pid>/environ.

#include "hardeningsupport.h"
#include "processtestkit.h"

#include <QFile>
#include <QTemporaryDir>

#include <memory>
#include <vector>

using namespace hardening;

namespace {

// The status code of a raw request (Connection: close) with the given Host and headers.
int statusOf(quint16 port, const QByteArray &verb, const QByteArray &path, const QByteArray &host,
             const QByteArray &headers = {}, const QByteArray &body = {})
{
    QByteArray request
        = verb + ' ' + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" + headers;
    if (!body.isEmpty())
        request += "Content-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n";
    const QByteArray answer = rawExchange(port, request + "\r\n" + body, 5000);
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}

const QByteArray kEvent = R"({"type":"progress","status":"running","message":"m"})";

} // namespace

class tst_HardeningAccess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyTokenVariableExits2();
    void hostIsCheckedOnTheLoopbackRule();
    void allowedHostsReplacesTheDefault();
    void trustedProxyForwardsTheClient();
    void publishTokenOpensPublishOnly();
    void tokenIsWipedFromOwnEnvironment();

private:
    HttpTestClient m_http;
};

void tst_HardeningAccess::emptyTokenVariableExits2()
{
    for (const char *variable : {"SSEBUF_ADMIN_TOKEN", "SSEBUF_PUBLISH_TOKEN"}) {
        QProcess process;
        process.setProcessEnvironment(environmentWith({{QLatin1String(variable), QString()}}));
        process.start(ServiceProcess::binaryPath(), {"--listen", "127.0.0.1:0"});
        QVERIFY(process.waitForStarted(5000));
        if (!process.waitForFinished(5000)) {
            process.kill();
            process.waitForFinished(5000);
            QFAIL(qPrintable(QStringLiteral("ssebufd started with %1 empty (token-less mode)")
                                 .arg(QLatin1String(variable))));
        }
        QCOMPARE(process.exitCode(), 2);
        const QByteArray message = process.readAllStandardError();
        QVERIFY2(message.contains(variable) && message.contains("empty"), message.constData());
    }
}

void tst_HardeningAccess::hostIsCheckedOnTheLoopbackRule()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external"}), qPrintable(service.errorText()));
    const quint16 port = service.port();
    const QByteArray own = "127.0.0.1:" + QByteArray::number(port);
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const QByteArray publishPath = "/api/sessions/" + id.toUtf8() + "/events";
    // A page of evil.example that resolved its name to 127.0.0.1 (DNS rebinding).
    QCOMPARE(
        statusOf(port, "GET", "/api/admin/sessions", "evil.example:" + QByteArray::number(port)),
        403);
    QCOMPARE(statusOf(port, "GET", "/metrics", "evil.example"), 403);
    QCOMPARE(statusOf(port, "GET", "/api/admin/stream", "evil.example"), 403);
    QCOMPARE(statusOf(port, "POST", publishPath, "evil.example", {}, kEvent), 403);
    QCOMPARE(statusOf(port, "DELETE", "/api/admin/sessions/" + id.toUtf8(), "evil.example"), 403);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", ""), 403); // no Host at all
    // The allowed names, with or without the port.
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", own), 200);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost"), 200);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "LOCALHOST:" + QByteArray::number(port)),
             200);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "[::1]:" + QByteArray::number(port)),
             200);
    QCOMPARE(statusOf(port, "POST", publishPath, own, {}, kEvent), 201);
    // Public routes take any Host.
    QCOMPARE(statusOf(port, "GET", "/healthz", "evil.example"), 200);
    QCOMPARE(statusOf(port, "POST", "/api/refactor", "evil.example", {},
                      R"({"user_id":"u","user_prompt":"hello"})"),
             201);

    // With a token, the token decides; Host does not matter.
    ServiceProcess withToken;
    QVERIFY2(withToken.start({"--pipeline", "external"},
                             environmentWith({{"SSEBUF_ADMIN_TOKEN", "admin-secret"}})),
             qPrintable(withToken.errorText()));
    QCOMPARE(statusOf(withToken.port(), "GET", "/api/admin/sessions", "evil.example",
                      "Authorization: Bearer admin-secret\r\n"),
             200);
}

void tst_HardeningAccess::allowedHostsReplacesTheDefault()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--allowed-hosts", "ssebuf.internal,Console.Example"}),
             qPrintable(service.errorText()));
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "ssebuf.internal:8000"), 200);
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "console.example"), 200);
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "localhost"), 403);
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "127.0.0.1"), 403);
}

void tst_HardeningAccess::trustedProxyForwardsTheClient()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--trusted-proxy", "127.0.0.1",
                            "--max-connections-per-ip", "2"}),
             qPrintable(service.errorText()));
    const quint16 port = service.port();
    // The proxy says the client is 203.0.113.9: the loopback rule does not apply to it.
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost",
                      "X-Forwarded-For: 203.0.113.9\r\n"),
             403);
    // A client cannot hide behind entries of its own left of the proxy's.
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost",
                      "X-Forwarded-For: 127.0.0.1, 203.0.113.9\r\n"),
             403);
    QCOMPARE(
        statusOf(port, "GET", "/api/admin/sessions", "localhost", "X-Forwarded-For: garbage\r\n"),
        403);
    // A client on the proxy's host, and the proxy itself (no header), are loopback.
    QCOMPARE(
        statusOf(port, "GET", "/api/admin/sessions", "localhost", "X-Forwarded-For: 127.0.0.1\r\n"),
        200);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost"), 200);
    // Logs name the client and the proxy.
    QTRY_VERIFY_WITH_TIMEOUT(service.output().contains("203.0.113.9 via 127.0.0.1:"), 5000);
    // Connections from the proxy are not counted per address (--max-connections-per-ip 2).
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 4; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(sockets.back()->waitForConnected(5000));
    }
    QVERIFY(!sockets.back()->waitForDisconnected(500));
    QCOMPARE(statusOf(port, "GET", "/healthz", "localhost"), 200);

    // Without --trusted-proxy the header is not believed: the peer is the client.
    ServiceProcess direct;
    QVERIFY2(direct.start({"--max-connections-per-ip", "2"}), qPrintable(direct.errorText()));
    QCOMPARE(statusOf(direct.port(), "GET", "/api/admin/sessions", "localhost",
                      "X-Forwarded-For: 203.0.113.9\r\n"),
             200);
}

void tst_HardeningAccess::publishTokenOpensPublishOnly()
{
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("publish.token"));
    QVERIFY(testkit::writeFile(tokenFile, "producer-secret\n"));
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--publish-token-file", tokenFile},
                           environmentWith({{"SSEBUF_ADMIN_TOKEN", "admin-secret"}})),
             qPrintable(service.errorText()));
    const quint16 port = service.port();
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const QByteArray path = "/api/sessions/" + id.toUtf8() + "/events";
    const QByteArray producer = "Authorization: Bearer producer-secret\r\n";
    const QByteArray admin = "Authorization: Bearer admin-secret\r\n";
    QCOMPARE(statusOf(port, "POST", path, "localhost", producer, kEvent), 201);
    QCOMPARE(statusOf(port, "POST", path, "localhost", admin, kEvent), 201);
    QCOMPARE(statusOf(port, "POST", path, "localhost", {}, kEvent), 401);
    QCOMPARE(statusOf(port, "POST", path, "localhost", "Authorization: Bearer nope\r\n", kEvent),
             403);
    // The producer's credential opens nothing of the admin side.
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost", producer), 403);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions/" + id.toUtf8(), "localhost", producer),
             403);
    QCOMPARE(statusOf(port, "DELETE", "/api/admin/sessions/" + id.toUtf8(), "localhost", producer),
             403);
    QCOMPARE(statusOf(port, "GET", "/metrics", "localhost", producer), 403);
    QCOMPARE(statusOf(port, "GET", "/api/admin/sessions", "localhost", admin), 200);

    // Only a publish token: admin routes stay on the loopback rule, publish needs the token.
    ServiceProcess publishOnly;
    QVERIFY2(publishOnly.start({"--pipeline", "external"},
                               environmentWith({{"SSEBUF_PUBLISH_TOKEN", "producer-secret"}})),
             qPrintable(publishOnly.errorText()));
    const QString other = startSession(m_http, publishOnly);
    const QByteArray otherPath = "/api/sessions/" + other.toUtf8() + "/events";
    QCOMPARE(statusOf(publishOnly.port(), "GET", "/api/admin/sessions", "localhost"), 200);
    QCOMPARE(statusOf(publishOnly.port(), "POST", otherPath, "localhost", {}, kEvent), 401);
    QCOMPARE(statusOf(publishOnly.port(), "POST", otherPath, "localhost", producer, kEvent), 201);
}

void tst_HardeningAccess::tokenIsWipedFromOwnEnvironment()
{
    ServiceProcess service;
    QVERIFY2(service.start({},
                           environmentWith({{"SSEBUF_ADMIN_TOKEN", "wipe-me-admin-7f3a"},
                                            {"SSEBUF_PUBLISH_TOKEN", "wipe-me-publish-9c1d"}})),
             qPrintable(service.errorText()));
    QFile environ(QStringLiteral("/proc/%1/environ").arg(service.process().processId()));
    QVERIFY(environ.open(QIODevice::ReadOnly));
    const QByteArray block = environ.readAll();
    QVERIFY(!block.isEmpty());
    QVERIFY(!block.contains("wipe-me-admin-7f3a"));
    QVERIFY(!block.contains("wipe-me-publish-9c1d"));
    // The tokens were read all the same.
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "localhost",
                      "Authorization: Bearer wipe-me-admin-7f3a\r\n"),
             200);
    QCOMPARE(statusOf(service.port(), "GET", "/api/admin/sessions", "localhost"), 401);
}

QTEST_GUILESS_MAIN(tst_HardeningAccess)
#include "tst_hardening_access.moc"
