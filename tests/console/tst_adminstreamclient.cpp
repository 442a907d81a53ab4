#include <client/adminstreamclient.h>

#include <httptestclient.h>
#include <processtestkit.h>
#include <serviceprocess.h>

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace ssebuf;
using State = AdminStreamClient::State;

namespace {

// Answers every request with a fixed response and closes the connection; records the
// request heads.
class FakeServer : public QObject
{
public:
    explicit FakeServer(const QByteArray &response)
        : m_response(response)
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    QByteArray &head = m_pending[socket];
                    head += socket->readAll();
                    if (!head.contains("\r\n\r\n"))
                        return;
                    requests.append(head);
                    socket->write(m_response);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }
    QList<QByteArray> requests;

private:
    QTcpServer m_server;
    QByteArray m_response;
    QHash<QTcpSocket *, QByteArray> m_pending;
};

const QByteArray snapshotResponse
    = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
      "retry: 3000\n\n"
      "data: {\"kind\":\"snapshot\",\"sessions\":[],\"service\":{\"version\":\"9.9\"}}\n\n"
      ": keepalive\n\n"
      "id: 1\ndata: {\"kind\":\"session_removed\",\"session_id\":\"s\",\"reason\":\"expired\"}\n\n";

} // namespace

class tst_AdminStreamClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void reconnectsWithBackoff();
    void refusedConnectionRetries();
    void notAnEventStreamFails();
    void invalidEndpointFails();
    void realServiceRejectsMissingAndWrongToken_data();
    void realServiceRejectsMissingAndWrongToken();
    void realServiceStreamsLifecycle();
    void realServiceRestartReconnects();

private:
    QNetworkAccessManager m_manager;
    QTemporaryDir m_dir;
    QString m_tokenFile;
    ServiceProcess m_service;
};

void tst_AdminStreamClient::initTestCase()
{
    m_tokenFile = m_dir.filePath("token");
    QVERIFY(testkit::writeFile(m_tokenFile, "console-test-token\n"));
    QVERIFY2(m_service.start(
                 {"--pipeline", "demo", "--demo-step-ms", "20", "--admin-token-file", m_tokenFile}),
             qPrintable(m_service.errorText()));
}

void tst_AdminStreamClient::reconnectsWithBackoff()
{
    FakeServer server(snapshotResponse);
    AdminStreamClient client(&m_manager);
    client.setBackoff(40, 200);
    client.setEndpoint(ServiceEndpoint(server.url(), "tok"));
    QSignalSpy states(&client, &AdminStreamClient::stateChanged);
    QSignalSpy messages(&client, &AdminStreamClient::messageReceived);
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(server.requests.size() >= 3, 5000);
    client.close();
    QCOMPARE(client.state(), State::Disconnected);
    // Each connection delivered the snapshot and one message, then the stream ended.
    QVERIFY(messages.count() >= 4);
    QCOMPARE(messages.at(0).at(0).value<AdminStreamMessage>().kind,
             AdminStreamMessage::Kind::Snapshot);
    QCOMPARE(messages.at(1).at(0).value<AdminStreamMessage>().streamId, 1);
    QCOMPARE(client.serviceInfo().version, QStringLiteral("9.9"));
    QList<State> seen;
    for (const QList<QVariant> &args : std::as_const(states))
        seen.append(args.at(0).value<State>());
    QCOMPARE(
        seen.mid(0, 4),
        QList<State>({State::Connecting, State::Connected, State::Reconnecting, State::Connected}));
    const QByteArray head = server.requests.constFirst();
    QVERIFY2(head.startsWith("GET /api/admin/stream HTTP/1.1\r\n"), head.constData());
    QVERIFY(head.contains("Authorization: Bearer tok\r\n"));
    QVERIFY(head.contains("Accept: text/event-stream\r\n"));
    // A snapshot resets the backoff, so the delay never grew past the first step (+20 %).
    QVERIFY2(client.retryDelayMs() <= 48, qPrintable(QString::number(client.retryDelayMs())));
}

void tst_AdminStreamClient::refusedConnectionRetries()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    AdminStreamClient client(&m_manager);
    client.setBackoff(30, 60);
    client.setEndpoint(
        ServiceEndpoint(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), QByteArray()));
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.failedAttempts() >= 3, 5000);
    QCOMPARE(client.state(), State::Reconnecting);
    QCOMPARE(client.errorText(),
             QStringLiteral(
                 "Connection refused by http://127.0.0.1:%1: is ssebufd running on that port?")
                 .arg(port));
    // Backoff doubles up to the maximum (plus at most 20 % jitter).
    QVERIFY(client.retryDelayMs() >= 60 && client.retryDelayMs() <= 72);
    client.close();
}

void tst_AdminStreamClient::notAnEventStreamFails()
{
    FakeServer server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello");
    AdminStreamClient client(&m_manager);
    client.setBackoff(20, 20);
    client.setEndpoint(ServiceEndpoint(server.url(), QByteArray()));
    QSignalSpy errors(&client, &AdminStreamClient::errorOccurred);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), State::Failed, 5000);
    QVERIFY2(client.errorText().contains("answered with text/html, not an event stream"),
             qPrintable(client.errorText()));
    QCOMPARE(server.requests.size(), 1); // no retry
    QCOMPARE(errors.count(), 1);
}

void tst_AdminStreamClient::invalidEndpointFails()
{
    AdminStreamClient client(&m_manager);
    client.open();
    QCOMPARE(client.state(), State::Failed);
    QCOMPARE(client.errorText(), QStringLiteral("No service URL given"));
}

void tst_AdminStreamClient::realServiceRejectsMissingAndWrongToken_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("error");
    QTest::newRow("missing") << QByteArray()
                             << "401 Unauthorized: the service requires an admin token";
    QTest::newRow("wrong") << QByteArray("not-the-token")
                           << "403 Forbidden: the admin token is wrong";
}

void tst_AdminStreamClient::realServiceRejectsMissingAndWrongToken()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, error);
    AdminStreamClient client(&m_manager);
    client.setEndpoint(ServiceEndpoint(m_service.baseUrl(), token));
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), State::Failed, 5000);
    QVERIFY2(client.errorText().startsWith(error), qPrintable(client.errorText()));
    QVERIFY(!client.errorText().contains("not-the-token"));
}

void tst_AdminStreamClient::realServiceStreamsLifecycle()
{
    AdminStreamClient client(&m_manager);
    client.setEndpoint(ServiceEndpoint(m_service.baseUrl(), "console-test-token"));
    QSignalSpy messages(&client, &AdminStreamClient::messageReceived);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), State::Connected, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(messages.count() >= 1, 5000);
    const AdminStreamMessage snapshot = messages.at(0).at(0).value<AdminStreamMessage>();
    QCOMPARE(snapshot.kind, AdminStreamMessage::Kind::Snapshot);
    QCOMPARE(snapshot.service.pipeline, QStringLiteral("demo"));
    QVERIFY(!snapshot.service.version.isEmpty());

    HttpTestClient http;
    const HttpTestReply started = http.postJson(
        m_service.url("/api/refactor"),
        {{"user_id", "stream_test"}, {"user_prompt", "refactor the billing module"}});
    QCOMPARE(started.status, 201);
    const QString id = started.json().value("session_id").toString();

    // Collect this session's messages until it ends.
    QList<AdminStreamMessage> mine;
    QTRY_VERIFY_WITH_TIMEOUT(
        ([&] {
            mine.clear();
            for (const QList<QVariant> &args : std::as_const(messages)) {
                const AdminStreamMessage m = args.at(0).value<AdminStreamMessage>();
                if (m.sessionId() == id)
                    mine.append(m);
            }
            return !mine.isEmpty() && mine.last().kind == AdminStreamMessage::Kind::SessionEnded;
        }()),
        10000);
    QCOMPARE(mine.first().kind, AdminStreamMessage::Kind::SessionCreated);
    QCOMPARE(mine.first().session.userId, QStringLiteral("stream_test"));
    qint64 expectedSeq = 1;
    qint64 lastStreamId = 0;
    for (const AdminStreamMessage &m : std::as_const(mine)) {
        QVERIFY(m.streamId > lastStreamId);
        lastStreamId = m.streamId;
        if (m.kind == AdminStreamMessage::Kind::EventAppended) {
            QCOMPARE(m.event.seq, expectedSeq++);
            QCOMPARE(m.session.lastSeq, m.event.seq);
        }
    }
    const AdminStreamMessage ended = mine.last();
    QVERIFY(ended.session.isFinished());
    QCOMPARE(ended.session.eventCount, expectedSeq - 1);
    QVERIFY(expectedSeq > 2);
    client.close();
}

// ssebufd stops (SIGTERM ends the admin stream cleanly) and comes back on the same port:
// the client retries on its own and gets the new instance's snapshot.
void tst_AdminStreamClient::realServiceRestartReconnects()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    const QStringList args {"--pipeline", "demo", "--listen",
                            QStringLiteral("127.0.0.1:%1").arg(port)};
    auto first = std::make_unique<ServiceProcess>();
    QVERIFY2(first->start(args), qPrintable(first->errorText()));
    QCOMPARE(first->port(), port);
    AdminStreamClient client(&m_manager);
    client.setBackoff(50, 200);
    client.setEndpoint(ServiceEndpoint(first->baseUrl(), QByteArray()));
    QSignalSpy messages(&client, &AdminStreamClient::messageReceived);
    client.open();
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, 5000);
    const qint64 firstStart = client.serviceInfo().startedAtMs;

    QCOMPARE(first->terminate(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), State::Reconnecting, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(client.errorText().startsWith("Connection refused"), 5000);

    ServiceProcess second;
    QVERIFY2(second.start(args), qPrintable(second.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), State::Connected, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 2, 5000);
    QCOMPARE(messages.at(1).at(0).value<AdminStreamMessage>().kind,
             AdminStreamMessage::Kind::Snapshot);
    QVERIFY(client.serviceInfo().startedAtMs > firstStart);
    QCOMPARE(client.failedAttempts(), 0);
    QVERIFY(client.errorText().isEmpty());
    client.close();
}

QTEST_GUILESS_MAIN(tst_AdminStreamClient)
#include "tst_adminstreamclient.moc"
