// --tls-cert / --tls-key against the real ssebufd (issue 7): a self-signed certificate made
// by the test with openssl, HTTPS requests with QNetworkAccessManager trusting exactly that
// certificate, an event stream over TLS read with a QSslSocket, and a plain-HTTP request to
// the TLS port refused.

#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <sseparser.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void listeningLineSaysHttps();
    void httpsRequests();
    void eventStreamOverTls();
    void streamingPublishOverTls_data();
    void streamingPublishOverTls();
    void untrustedClientIsRefused();
    void plainHttpToTlsPortFails();
    void cleanupTestCase();

private:
    QNetworkReply *send(QNetworkAccessManager &manager, const QByteArray &verb, const QString &path,
                        const QByteArray &body = {});
    QSslConfiguration trustingConfiguration() const;
    QString startSession(QNetworkAccessManager &manager, const QByteArray &prompt = "hello");
    void connectTrusting(QSslSocket &socket, QByteArray &received);
    void connectToSession(QSslSocket &socket, QByteArray &received, QString *id,
                          const QByteArray &prompt = "hello");

    QTemporaryDir m_dir;
    QList<QSslCertificate> m_certificate;
    ServiceProcess m_service;
};

void tst_Tls::initTestCase()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend in this Qt");
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    QVERIFY2(!openssl.isEmpty(), "openssl is needed (scripts/install-deps.sh installs it)");
    QVERIFY(m_dir.isValid());
    const QString cert = m_dir.filePath(QStringLiteral("cert.pem"));
    const QString key = m_dir.filePath(QStringLiteral("key.pem"));
    QProcess req;
    req.start(openssl,
              {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
               QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-subj"),
               QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
               QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1"), QStringLiteral("-days"),
               QStringLiteral("1"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
    QVERIFY(req.waitForFinished(60000));
    QVERIFY2(req.exitStatus() == QProcess::NormalExit && req.exitCode() == 0,
             req.readAllStandardError().constData());
    m_certificate = QSslCertificate::fromPath(cert);
    QCOMPARE(m_certificate.size(), 1);

    QVERIFY2(
        m_service.start({QStringLiteral("--pipeline"), QStringLiteral("demo"),
                         QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key}),
        qPrintable(m_service.errorText()));
}

void tst_Tls::cleanupTestCase()
{
    if (m_service.process().state() == QProcess::Running)
        QCOMPARE(m_service.terminate(), 0);
}

QSslConfiguration tst_Tls::trustingConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(m_certificate); // this certificate and nothing else
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return configuration;
}

QNetworkReply *tst_Tls::send(QNetworkAccessManager &manager, const QByteArray &verb,
                             const QString &path, const QByteArray &body)
{
    QNetworkRequest request(m_service.url(path));
    request.setSslConfiguration(trustingConfiguration());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    return manager.sendCustomRequest(request, verb, body);
}

QString tst_Tls::startSession(QNetworkAccessManager &manager, const QByteArray &prompt)
{
    QNetworkReply *reply = send(manager, "POST", QStringLiteral("/api/refactor"),
                                R"({"user_id":"tls","user_prompt":")" + prompt + R"("})");
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10000))
        return {};
    reply->deleteLater();
    if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 201)
        return {};
    return QJsonDocument::fromJson(reply->readAll()).object().value("session_id").toString();
}

// Connects a raw QSslSocket that trusts the test certificate; what it reads goes to received.
void tst_Tls::connectTrusting(QSslSocket &socket, QByteArray &received)
{
    socket.setSslConfiguration(trustingConfiguration());
    connect(&socket, &QSslSocket::readyRead, this,
            [&socket, &received] { received += socket.readAll(); });
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_service.port(),
                                  QStringLiteral("localhost"));
    QVERIFY2(socket.waitForEncrypted(10000), qPrintable(socket.errorString()));
}

// Starts a session, then connects a trusting raw QSslSocket for a request about it.
void tst_Tls::connectToSession(QSslSocket &socket, QByteArray &received, QString *id,
                               const QByteArray &prompt)
{
    QNetworkAccessManager manager;
    *id = startSession(manager, prompt);
    QVERIFY(!id->isEmpty());
    connectTrusting(socket, received);
}

void tst_Tls::listeningLineSaysHttps()
{
    QCOMPARE(m_service.baseUrl().scheme(), QStringLiteral("https"));
    QVERIFY(m_service.output().contains("listening on https://127.0.0.1:"
                                        + QByteArray::number(m_service.port())));
}

void tst_Tls::httpsRequests()
{
    QNetworkAccessManager manager;
    QNetworkReply *health = send(manager, "GET", QStringLiteral("/healthz"));
    QSignalSpy healthDone(health, &QNetworkReply::finished);
    QVERIFY(healthDone.wait(10000));
    QCOMPARE(health->error(), QNetworkReply::NoError);
    QCOMPARE(health->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(QJsonDocument::fromJson(health->readAll()).object().value("status").toString(),
             QStringLiteral("ok"));
    // The session's data went over TLS: the peer certificate is the one the test made.
    QCOMPARE(health->sslConfiguration().peerCertificate(), m_certificate.first());
    health->deleteLater();

    const QString id = startSession(manager);
    QVERIFY(id.startsWith(QLatin1String("session_")));

    // The greeting, buffered, read as a whole response over HTTPS (the stream ends after
    // the final event).
    QNetworkReply *stream = send(manager, "GET", testkit::ssePath(id));
    QSignalSpy streamDone(stream, &QNetworkReply::finished);
    QVERIFY(streamDone.wait(10000));
    QCOMPARE(stream->error(), QNetworkReply::NoError);
    QCOMPARE(stream->header(QNetworkRequest::ContentTypeHeader).toString(),
             QStringLiteral("text/event-stream"));
    ssebuf::SseParser parser;
    QVERIFY(parser.feed(stream->readAll()));
    const QList<ssebuf::SseEvent> events = parser.takeEvents();
    QCOMPARE(events.size(), 1);
    const QJsonObject greeting = QJsonDocument::fromJson(events.first().data).object();
    QCOMPARE(greeting.value("type").toString(), QStringLiteral("greeting"));
    QCOMPARE(greeting.value("final").toBool(), true);
    stream->deleteLater();
}

// A raw QSslSocket reads the stream as it comes: status line, headers, retry, the greeting,
// then the server's clean close.
void tst_Tls::eventStreamOverTls()
{
    QString id;
    QSslSocket socket;
    QByteArray received;
    connectToSession(socket, received, &id);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(socket.peerCertificate(), m_certificate.first());
    socket.write("GET /api/refactor/" + id.toUtf8()
                 + "/sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
    QSignalSpy closed(&socket, &QSslSocket::disconnected);
    QVERIFY(closed.wait(10000));
    received += socket.readAll();
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.left(200).constData());
    const qsizetype bodyStart = received.indexOf("\r\n\r\n");
    QVERIFY(bodyStart > 0);
    QVERIFY(received.left(bodyStart).toLower().contains("content-type: text/event-stream"));
    ssebuf::SseParser parser;
    QVERIFY(parser.feed(received.mid(bodyStart + 4)));
    QCOMPARE(parser.retryMs(), 3000);
    const QList<ssebuf::SseEvent> events = parser.takeEvents();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().id, QByteArray("1"));
    QCOMPARE(QJsonDocument::fromJson(events.first().data).object().value("type").toString(),
             QStringLiteral("greeting"));
}

void tst_Tls::streamingPublishOverTls_data()
{
    QTest::addColumn<QByteArray>("lines");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("count");
    const QByteArray event = R"({"type":"note","status":"running","message":"over tls"})"
                             "\n";
    QTest::newRow("201 at the end of the body") << event + event << 201 << 2;
    QTest::newRow("422 for a bad line, the client still sending")
        << event + "oops\n" + event << 422 << 1;
}

// A streaming publish (NDJSON, chunked) over TLS: the guard decodes the body from the
// QSslSocket, and the answer comes through the encryption before the connection closes.
void tst_Tls::streamingPublishOverTls()
{
    QFETCH(QByteArray, lines);
    QFETCH(int, status);
    QFETCH(int, count);
    QString id;
    QSslSocket socket;
    QByteArray received;
    connectToSession(socket, received, &id, "refactor the parser");
    if (QTest::currentTestFailed())
        return;
    QSignalSpy closed(&socket, &QSslSocket::disconnected);
    socket.write("POST /api/sessions/" + id.toUtf8()
                 + "/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n"
                 + QByteArray::number(lines.size(), 16) + "\r\n" + lines + "\r\n");
    if (status == 201)
        socket.write("0\r\n\r\n");
    QVERIFY(closed.wait(10000));
    received += socket.readAll();
    QVERIFY2(received.startsWith("HTTP/1.1 " + QByteArray::number(status) + ' '),
             received.constData());
    const QJsonObject answer
        = QJsonDocument::fromJson(received.mid(received.indexOf("\r\n\r\n") + 4)).object();
    QCOMPARE(answer.value("count").toInt(), count);
    if (status == 422)
        QCOMPARE(answer.value("line").toInt(), 2);
}

// A client that does not trust the certificate gets no answer: the handshake fails.
void tst_Tls::untrustedClientIsRefused()
{
    QNetworkAccessManager manager;
    QNetworkRequest request(m_service.url(QStringLiteral("/healthz")));
    QNetworkReply *reply = manager.get(request); // default CAs: the self-signed cert fails
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QCOMPARE(reply->error(), QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 0);
    reply->deleteLater();
    // And the service is still fine (a new manager: the failed one keeps its failed state).
    QNetworkAccessManager trusting;
    QNetworkReply *again = send(trusting, "GET", QStringLiteral("/healthz"));
    QSignalSpy againDone(again, &QNetworkReply::finished);
    QVERIFY(againDone.wait(10000));
    QCOMPARE(again->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    again->deleteLater();
}

// Plain HTTP to the TLS port: no HTTP answer, the connection is closed.
void tst_Tls::plainHttpToTlsPortFails()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_service.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QSignalSpy closed(&socket, &QTcpSocket::disconnected);
    QVERIFY(closed.wait(10000));
    const QByteArray answer = socket.readAll();
    QVERIFY2(!answer.contains("HTTP/1.1 200"), answer.constData());
    QVERIFY(!answer.contains("\"status\":\"ok\""));

    QNetworkAccessManager manager;
    QUrl plain = m_service.baseUrl();
    plain.setScheme(QStringLiteral("http"));
    plain.setPath(QStringLiteral("/healthz"));
    QNetworkReply *reply = manager.get(QNetworkRequest(plain));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QVERIFY(reply->error() != QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 0);
    reply->deleteLater();
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
