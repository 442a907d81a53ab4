// Access control (contract section 5 and 9): the bearer token from --admin-token-file or
// SSEBUF_ADMIN_TOKEN guards the admin routes, /metrics and publish; /healthz is open; with
// no token only loopback peers are answered.

#include "processtestkit.h"
#include "sessiontestkit.h"

#include <QHostAddress>
#include <QNetworkInterface>
#include <QTemporaryDir>

using namespace testkit;

namespace {

const QByteArray kToken = "t0ken-4c1d-admin-access-test";

struct Probe
{
    QByteArray verb;
    QString path;
    int okStatus;
};

} // namespace

class tst_Access : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void tokenGuardsRoutes_data();
    void tokenGuardsRoutes();
    void adminStreamNeedsToken();
    void openRoutesNeedNoToken();
    void noTokenAllowsLoopback();
    void nonLoopbackPeerIsRefused();
    void unreadableTokenFileStopsStartup_data();
    void unreadableTokenFileStopsStartup();

private:
    // Runs every guarded route against service with the given Authorization header.
    void checkRoutes(ServiceProcess &service, const QByteArray &authorization, int expected);

    QTemporaryDir m_dir;
    ServiceProcess m_fileService;
    ServiceProcess m_envService;
    HttpTestClient m_http;
};

void tst_Access::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString tokenFile = m_dir.filePath(QStringLiteral("token"));
    // The trailing newline of the file is not part of the token.
    QVERIFY(writeFile(tokenFile, kToken + '\n', QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QVERIFY2(m_fileService.start({QStringLiteral("--pipeline"), QStringLiteral("external"),
                                  QStringLiteral("--admin-token-file"), tokenFile}),
             qPrintable(m_fileService.errorText()));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SSEBUF_ADMIN_TOKEN"), QString::fromLatin1(kToken));
    QVERIFY2(
        m_envService.start({QStringLiteral("--pipeline"), QStringLiteral("external")}, environment),
        qPrintable(m_envService.errorText()));
}

void tst_Access::checkRoutes(ServiceProcess &service, const QByteArray &authorization, int expected)
{
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const QList<Probe> probes {
        {"GET", QStringLiteral("/api/admin/sessions"), 200},
        {"GET", QStringLiteral("/api/admin/sessions?state=running"), 200},
        {"GET", adminSessionPath(id), 200},
        {"GET", QStringLiteral("/metrics"), 200},
        {"POST", eventsPath(id), 201},
        {"DELETE", adminSessionPath(id), 204},
    };
    Headers headers;
    if (!authorization.isNull())
        headers.append(qMakePair(QByteArray("Authorization"), authorization));
    for (const Probe &probe : probes) {
        const QByteArray body = probe.verb == "POST"
            ? QJsonDocument(eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                      QStringLiteral("guarded")))
                  .toJson(QJsonDocument::Compact)
            : QByteArray();
        Headers withType = headers;
        if (!body.isEmpty())
            withType.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        const HttpTestReply reply
            = m_http.sendCustom(probe.verb, service.url(probe.path), body, withType);
        const int want = expected == 200 ? probe.okStatus : expected;
        QVERIFY2(reply.status == want,
                 qPrintable(QStringLiteral("%1 %2 answered %3, expected %4: %5")
                                .arg(QString::fromLatin1(probe.verb), probe.path)
                                .arg(reply.status)
                                .arg(want)
                                .arg(QString::fromUtf8(reply.body))));
        if (expected == 401 || expected == 403) {
            QCOMPARE(reply.json().value("error").toString(),
                     expected == 401 ? QStringLiteral("unauthorized")
                                     : QStringLiteral("forbidden"));
            // RFC 7235: a 401 says how to authenticate. (The publish route, issue-2 code,
            // does not send the header yet.)
            if (expected == 401 && probe.verb != "POST")
                QCOMPARE(reply.header("WWW-Authenticate"), QByteArray("Bearer"));
            QVERIFY(!reply.body.contains(kToken));
        }
    }
    if (expected != 200) {
        // Nothing went through: the session is still there, without the refused event.
        const HttpTestReply summary
            = m_http.get(service.url(adminSessionPath(id)), bearer(kToken));
        QCOMPARE(summary.status, 200);
        QCOMPARE(summary.json().value("event_count").toInteger(), 0);
    }
}

void tst_Access::tokenGuardsRoutes_data()
{
    QTest::addColumn<bool>("fromFile");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("expected");
    for (const bool fromFile : {true, false}) {
        const char *source = fromFile ? "file" : "variable";
        QTest::addRow("%s: missing", source) << fromFile << QByteArray() << 401;
        QTest::addRow("%s: empty header", source) << fromFile << QByteArray("") << 401;
        QTest::addRow("%s: not bearer", source)
            << fromFile << QByteArray("Basic " + kToken.toBase64()) << 401;
        QTest::addRow("%s: bearer without token", source)
            << fromFile << QByteArray("Bearer ") << 401;
        QTest::addRow("%s: wrong", source) << fromFile << QByteArray("Bearer wrong") << 403;
        QTest::addRow("%s: prefix of the token", source)
            << fromFile << QByteArray("Bearer " + kToken.left(kToken.size() - 1)) << 403;
        QTest::addRow("%s: token plus more", source)
            << fromFile << QByteArray("Bearer " + kToken + "x") << 403;
        QTest::addRow("%s: token then another word", source)
            << fromFile << QByteArray("Bearer " + kToken + " " + kToken) << 403;
        QTest::addRow("%s: other case", source)
            << fromFile << QByteArray("Bearer " + kToken.toUpper()) << 403;
        QTest::addRow("%s: right", source) << fromFile << QByteArray("Bearer " + kToken) << 200;
        QTest::addRow("%s: right, lower-case scheme", source)
            << fromFile << QByteArray("bearer " + kToken) << 200;
    }
}

void tst_Access::tokenGuardsRoutes()
{
    QFETCH(bool, fromFile);
    QFETCH(QByteArray, authorization);
    QFETCH(int, expected);
    checkRoutes(fromFile ? m_fileService : m_envService, authorization, expected);
}

void tst_Access::adminStreamNeedsToken()
{
    const QUrl url = m_fileService.url(QStringLiteral("/api/admin/stream"));
    const HttpTestReply missing = m_http.get(url);
    QCOMPARE(missing.status, 401);
    const HttpTestReply wrong = m_http.get(url, bearer("nope"));
    QCOMPARE(wrong.status, 403);

    RawSseClient stream;
    stream.open(url, bearer(kToken));
    QTRY_VERIFY_WITH_TIMEOUT(stream.events().size() >= 1, 10000);
    QCOMPARE(stream.status(), 200);
    QCOMPARE(stream.jsonEvents().first().value("kind").toString(), QStringLiteral("snapshot"));
}

void tst_Access::openRoutesNeedNoToken()
{
    // /healthz (load balancers), starting and streaming a session: no token.
    const HttpTestReply health = m_http.get(m_fileService.url(QStringLiteral("/healthz")));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json().value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(m_http.get(m_fileService.url(QStringLiteral("/healthz")), bearer("wrong")).status,
             200);
    const QString id = startSession(m_http, m_fileService);
    QVERIFY(!id.isEmpty());
    RawSseClient stream;
    stream.open(sseUrl(m_fileService, id));
    QTRY_VERIFY_WITH_TIMEOUT(stream.headersDone(), 10000);
    QCOMPARE(stream.status(), 200);
}

void tst_Access::noTokenAllowsLoopback()
{
    ServiceProcess service;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("SSEBUF_ADMIN_TOKEN"));
    QVERIFY2(service.start({QStringLiteral("--pipeline"), QStringLiteral("external")}, environment),
             qPrintable(service.errorText()));
    checkRoutes(service, QByteArray(), 200);
    // Any Authorization header is irrelevant then.
    checkRoutes(service, QByteArray("Bearer anything"), 200);
}

void tst_Access::nonLoopbackPeerIsRefused()
{
    QHostAddress local;
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback()
            && !address.isLinkLocal()) {
            local = address;
            break;
        }
    }
    if (local.isNull())
        QSKIP("this machine has no non-loopback IPv4 address to connect through");

    const auto urlOf = [&local](ServiceProcess &service, const QString &path) {
        QUrl url;
        url.setScheme(QStringLiteral("http"));
        url.setHost(local.toString());
        url.setPort(service.port());
        url.setPath(path);
        return url;
    };

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("SSEBUF_ADMIN_TOKEN"));
    ServiceProcess open;
    QVERIFY2(open.start({QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0"),
                         QStringLiteral("--pipeline"), QStringLiteral("external")},
                        environment),
             qPrintable(open.errorText()));
    // The service sees the connection coming from `local`, which is not loopback.
    for (const QString &path : {QStringLiteral("/api/admin/sessions"), QStringLiteral("/metrics"),
                                QStringLiteral("/api/admin/stream")}) {
        const HttpTestReply reply = m_http.get(urlOf(open, path));
        QVERIFY2(reply.status == 403, qPrintable(path + QStringLiteral(": ") + reply.networkError));
        QCOMPARE(reply.json().value("error").toString(), QStringLiteral("forbidden"));
    }
    const QString id = startSession(m_http, open);
    QVERIFY(!id.isEmpty());
    QCOMPARE(m_http
                 .postJson(urlOf(open, eventsPath(id)),
                           eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                     QStringLiteral("from afar")))
                 .status,
             403);
    QCOMPARE(m_http.sendCustom("DELETE", urlOf(open, adminSessionPath(id)))
                 .status,
             403);
    // /healthz answers everyone; so does loopback on the same listener.
    QCOMPARE(m_http.get(urlOf(open, QStringLiteral("/healthz"))).status, 200);
    QUrl loopback = urlOf(open, QStringLiteral("/api/admin/sessions"));
    loopback.setHost(QStringLiteral("127.0.0.1"));
    QCOMPARE(m_http.get(loopback).status, 200);

    // With a token configured, a remote peer is answered when it presents it.
    environment.insert(QStringLiteral("SSEBUF_ADMIN_TOKEN"), QString::fromLatin1(kToken));
    ServiceProcess guarded;
    QVERIFY2(guarded.start({QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0"),
                            QStringLiteral("--pipeline"), QStringLiteral("external")},
                           environment),
             qPrintable(guarded.errorText()));
    QCOMPARE(m_http.get(urlOf(guarded, QStringLiteral("/api/admin/sessions"))).status, 401);
    QCOMPARE(m_http.get(urlOf(guarded, QStringLiteral("/api/admin/sessions")), bearer("x")).status,
             403);
    QCOMPARE(
        m_http.get(urlOf(guarded, QStringLiteral("/api/admin/sessions")), bearer(kToken)).status,
        200);
}

void tst_Access::unreadableTokenFileStopsStartup_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("missing") << QStringLiteral("does-not-exist");
    QTest::newRow("empty") << QStringLiteral("empty-token");
    QTest::newRow("only a newline") << QStringLiteral("newline-token");
}

void tst_Access::unreadableTokenFileStopsStartup()
{
    // A configured token that cannot be used must not silently leave the routes open.
    QFETCH(QString, file);
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("empty-token")), QByteArray()));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("newline-token")), QByteArray("\n")));
    QProcess process;
    process.start(ServiceProcess::binaryPath(),
                  {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                   QStringLiteral("--admin-token-file"), m_dir.filePath(file)});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    QVERIFY(!process.readAllStandardOutput().contains("listening on"));
    QVERIFY(process.readAllStandardError().contains("token"));
}

QTEST_GUILESS_MAIN(tst_Access)
#include "tst_access.moc"
