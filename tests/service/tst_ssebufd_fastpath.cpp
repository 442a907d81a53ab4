// The connection guard's fast path for one-event publishes (FastRequestPath) against the real
// ssebufd: hot requests are answered as QtHttpServer's are (order with pipelining, split
// requests, the limits, Connection: close and HTTP/1.0, auth, errors, access log, metrics), and
// a stream's response head leaves with its retry: line in one send.

#include "metricsexposition.h"
#include "processtestkit.h"
#include "rawexchange.h"
#include "sessiontestkit.h"

#include <QJsonDocument>
#include <QTemporaryDir>

using namespace testkit;

namespace {

QByteArray publishRequest(const QString &id, const QByteArray &body,
                          const QByteArray &extraHeaders = {},
                          const QByteArray &version = "HTTP/1.1")
{
    return "POST /api/sessions/" + id.toUtf8() + "/events " + version
        + "\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extraHeaders
        + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray eventBody(int n)
{
    return QJsonDocument(progressEvent(n)).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_SsebufdFastPath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void publishIsTakenByTheGuard();
    void pipelinedMixedRequestsKeepTheirOrder();
    void requestSplitAcrossSegments();
    void limits_data();
    void limits();
    void slowHotHeadIs408();
    void connectionClose_data();
    void connectionClose();
    void auth();
    void badJsonAnswersAsBefore();
    void mediaTypes_data();
    void mediaTypes();
    void accessLogAndTrustedProxy();
    void streamHeadAndRetryInOneSend();

private:
    ServiceProcess m_service;
    HttpTestClient m_http;
    QString m_id;
};

void tst_SsebufdFastPath::initTestCase()
{
    QVERIFY2(m_service.start({"--pipeline", "external", "--max-body-bytes", "4096",
                              "--max-header-bytes", "2048", "--request-timeout", "1"}),
             qPrintable(m_service.errorText()));
    m_id = startSession(m_http, m_service);
    QVERIFY(!m_id.isEmpty());
}

void tst_SsebufdFastPath::publishIsTakenByTheGuard()
{
    const qint64 before = metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total");
    QVERIFY(before >= 0);
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_service.port());
    QVERIFY(socket.waitForConnected(5000));
    QByteArray received;
    for (int i = 1; i <= 3; ++i) {
        socket.write(publishRequest(m_id, eventBody(i)));
        QTRY_COMPARE_WITH_TIMEOUT(
            (received += socket.readAll(), completeResponses(received).size()), i, 5000);
    }
    const QList<RawResponse> answers = completeResponses(received);
    for (const RawResponse &answer : answers) {
        QCOMPARE(answer.status, 201);
        QVERIFY(answer.json().value("seq").toInteger() > 0);
        QVERIFY2(answer.header("Connection").isNull(), answer.head.constData());
    }
    QCOMPARE(answers.at(2).json().value("seq").toInteger(),
             answers.at(0).json().value("seq").toInteger() + 2);
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total"), before + 3);
}

void tst_SsebufdFastPath::pipelinedMixedRequestsKeepTheirOrder()
{
    // Hot and other requests in one write: the guard takes the first two, QtHttpServer the
    // rest (a later hot one included); the answers come in request order.
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    const QByteArray wire = publishRequest(id, eventBody(1)) + publishRequest(id, eventBody(2))
        + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + publishRequest(id, eventBody(3))
        + "GET /api/refactor/" + id.toUtf8() + "/events?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        + publishRequest(id, "{nope") + publishRequest(id, eventBody(4));
    const RawExchange exchange = rawExchange(m_service, wire, [](const QByteArray &received) {
        return completeResponses(received).size() >= 7;
    });
    const QList<RawResponse> answers = completeResponses(exchange.received);
    QCOMPARE(answers.size(), 7);
    QList<int> statuses;
    for (const RawResponse &answer : answers)
        statuses.append(answer.status);
    QCOMPARE(statuses, (QList<int> {201, 201, 200, 201, 200, 400, 201}));
    QCOMPARE(answers.at(0).json().value("seq").toInteger(), 1);
    QCOMPARE(answers.at(1).json().value("seq").toInteger(), 2);
    QCOMPARE(answers.at(2).json().value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(answers.at(3).json().value("seq").toInteger(), 3);
    QCOMPARE(answers.at(4).json().value("events").toArray().size(), 3);
    QCOMPARE(answers.at(5).json().value("error").toString(), QStringLiteral("invalid_json"));
    QCOMPARE(answers.at(6).json().value("seq").toInteger(), 4);
}

void tst_SsebufdFastPath::requestSplitAcrossSegments()
{
    // A hot request written a few bytes at a time (each write its own segment): answered
    // once, whole; the next complete one on the connection is the guard's again.
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_service.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QByteArray first = publishRequest(id, eventBody(1));
    for (qsizetype at = 0; at < first.size(); at += 17) {
        socket.write(first.mid(at, 17));
        QVERIFY(socket.waitForBytesWritten(5000));
        QTest::qWait(2); // lets the service read each piece apart
    }
    QByteArray received;
    QTRY_COMPARE_WITH_TIMEOUT((received += socket.readAll(), completeResponses(received).size()), 1,
                              5000);
    const qint64 fastBefore
        = metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total");
    socket.write(publishRequest(id, eventBody(2)));
    QTRY_COMPARE_WITH_TIMEOUT((received += socket.readAll(), completeResponses(received).size()), 2,
                              5000);
    const QList<RawResponse> answers = completeResponses(received);
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(answers.at(0).json().value("seq").toInteger(), 1);
    QCOMPARE(answers.at(1).status, 201);
    QCOMPARE(answers.at(1).json().value("seq").toInteger(), 2);
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total"),
             fastBefore + 1);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2}));
}

void tst_SsebufdFastPath::limits_data()
{
    QTest::addColumn<QByteArray>("extraHeaders");
    QTest::addColumn<int>("bodySize");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::newRow("header over the limit") << QByteArray("X-Big: " + QByteArray(2100, 'a') + "\r\n")
                                           << 20 << 431 << QStringLiteral("header_too_large");
    QTest::newRow("body over the limit")
        << QByteArray() << 5000 << 413 << QStringLiteral("payload_too_large");
}

void tst_SsebufdFastPath::limits()
{
    // A hot request over a limit, sent whole after a hot request that the guard took: the
    // guard answers it as before, and closes.
    QFETCH(QByteArray, extraHeaders);
    QFETCH(int, bodySize);
    QFETCH(int, status);
    QFETCH(QString, error);
    const QByteArray body = R"({"type":"progress","message":")" + QByteArray(bodySize - 40, 'm')
        + R"(","status":"running"})";
    const QByteArray wire
        = publishRequest(m_id, eventBody(1)) + publishRequest(m_id, body, extraHeaders);
    const RawExchange exchange = rawExchange(
        m_service, wire, [](const QByteArray &) { return false; }, 5000);
    QVERIFY(exchange.closedByPeer);
    const QList<RawResponse> answers = completeResponses(exchange.received);
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(answers.at(1).status, status);
    QCOMPARE(answers.at(1).json().value("error").toString(), error);
    QCOMPARE(answers.at(1).header("Connection").toLower(), QByteArray("close"));
}

void tst_SsebufdFastPath::slowHotHeadIs408()
{
    // A hot request's head that stops half-way: --request-timeout (1 s here) answers 408.
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_service.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(publishRequest(m_id, eventBody(1)).left(60));
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT(
        (received += socket.readAll(), completeResponses(received).size() == 1), 5000);
    const RawResponse answer = completeResponses(received).at(0);
    QCOMPARE(answer.status, 408);
    QCOMPARE(answer.json().value("error").toString(), QStringLiteral("request_timeout"));
}

void tst_SsebufdFastPath::connectionClose_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("extraHeaders");
    QTest::addColumn<bool>("closes");
    QTest::newRow("Connection: close")
        << QByteArray("HTTP/1.1") << QByteArray("Connection: close\r\n") << true;
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0") << QByteArray() << true;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0") << QByteArray("Connection: keep-alive\r\n") << false;
}

void tst_SsebufdFastPath::connectionClose()
{
    // The closing request is answered with Connection: close, then the connection ends; what
    // was pipelined behind it is not answered.
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, extraHeaders);
    QFETCH(bool, closes);
    const qint64 fastBefore
        = metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total");
    const QByteArray wire = publishRequest(m_id, eventBody(1), extraHeaders, version)
        + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const RawExchange exchange = rawExchange(m_service, wire, [closes](const QByteArray &received) {
        return !closes && completeResponses(received).size() == 2;
    });
    const QList<RawResponse> answers = completeResponses(exchange.received);
    QCOMPARE(answers.size(), closes ? 1 : 2);
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(exchange.closedByPeer, closes);
    QCOMPARE(answers.at(0).header("Connection").toLower(),
             closes ? QByteArray("close") : QByteArray());
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total"),
             fastBefore + 1);
}

void tst_SsebufdFastPath::auth()
{
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("publish.token"));
    QVERIFY(writeFile(tokenFile, "producer-secret\n"));
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--publish-token-file", tokenFile}),
             qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const QByteArray wire = publishRequest(id, eventBody(1))
        + publishRequest(id, eventBody(1), "Authorization: Bearer nope\r\n")
        + publishRequest(id, eventBody(1), "Authorization: Bearer producer-secret\r\n");
    const RawExchange exchange = rawExchange(service, wire, [](const QByteArray &received) {
        return completeResponses(received).size() >= 3;
    });
    const QList<RawResponse> answers = completeResponses(exchange.received);
    QCOMPARE(answers.size(), 3);
    QCOMPARE(answers.at(0).status, 401);
    QCOMPARE(answers.at(0).header("WWW-Authenticate"), QByteArray("Bearer"));
    QCOMPARE(answers.at(1).status, 403);
    QCOMPARE(answers.at(2).status, 201);
    QCOMPARE(answers.at(2).json().value("seq").toInteger(), 1);
    QCOMPARE(metricSample(m_http, service, "ssebuf_http_fast_path_requests_total"), 3);
}

void tst_SsebufdFastPath::badJsonAnswersAsBefore()
{
    // The same bad body through the fast path and through QtHttpServer (chunked framing is
    // never taken by the guard): the same answer, byte for byte.
    const QByteArray body = "{not json";
    const QByteArray chunked = "POST /api/sessions/" + m_id.toUtf8()
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          "Transfer-Encoding: chunked\r\n\r\n"
        + QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n";
    const qint64 fastBefore
        = metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total");
    const RawExchange fast
        = rawExchange(m_service, publishRequest(m_id, body), hasCompleteResponse);
    const RawExchange general = rawExchange(m_service, chunked, hasCompleteResponse);
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total"),
             fastBefore + 1);
    QCOMPARE(fast.status(), 400);
    QCOMPARE(fast.received, general.received);
    QCOMPARE(QJsonDocument::fromJson(fast.lastBody()).object().value("error").toString(),
             QStringLiteral("invalid_json"));
}

void tst_SsebufdFastPath::mediaTypes_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::newRow("plain") << QByteArray("application/json") << 201;
    QTest::newRow("case and parameter") << QByteArray("Application/JSON; charset=utf-8") << 201;
    QTest::newRow("space before the parameter")
        << QByteArray("application/json ;charset=utf-8") << 201;
    QTest::newRow("text/plain") << QByteArray("text/plain") << 415;
    QTest::newRow("longer name") << QByteArray("application/jsonx") << 415;
    QTest::newRow("json-seq") << QByteArray("application/json-seq") << 415;
}

void tst_SsebufdFastPath::mediaTypes()
{
    // The media type before any parameter, in any case: application/json publishes, another
    // is 415 (application/x-ndjson is the streaming publish: tst_ssebufd_ndjson).
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    const QByteArray body = eventBody(1);
    const QByteArray wire = "POST /api/sessions/" + id.toUtf8()
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    const RawExchange exchange = rawExchange(m_service, wire, hasCompleteResponse);
    QCOMPARE(exchange.status(), status);
    const QJsonObject answer = QJsonDocument::fromJson(exchange.lastBody()).object();
    if (status == 201)
        QCOMPARE(answer.value("seq").toInteger(), 1);
    else
        QCOMPARE(answer.value("error").toString(), QStringLiteral("unsupported_media_type"));
    QCOMPARE(storedSeqs(m_http, m_service, id),
             status == 201 ? QList<qint64> {1} : QList<qint64> {});
}

void tst_SsebufdFastPath::accessLogAndTrustedProxy()
{
    // A fast-path request has its access line, with the client a trusted proxy forwards.
    ServiceProcess service;
    // A forwarded client is not on the loopback: it publishes with the token.
    QVERIFY2(service.start(
                 {"--pipeline", "external", "--log-level", "info", "--trusted-proxy", "127.0.0.1"},
                 [] {
                     QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
                     environment.insert("SSEBUF_PUBLISH_TOKEN", "producer-secret");
                     return environment;
                 }()),
             qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const RawExchange exchange = rawExchange(
        service,
        publishRequest(id, eventBody(1),
                       "X-Forwarded-For: 203.0.113.9\r\nAuthorization: Bearer producer-secret\r\n"),
        hasCompleteResponse);
    QCOMPARE(exchange.status(), 201);
    QCOMPARE(metricSample(m_http, service, "ssebuf_http_fast_path_requests_total"), 1);
    const QByteArray line = "POST /api/sessions/" + id.toUtf8() + "/events 201 ";
    QTRY_VERIFY_WITH_TIMEOUT(service.output().contains(line), 5000);
    const QByteArray output = service.output();
    const qsizetype at = output.indexOf(line);
    const QByteArray rest = output.mid(at, output.indexOf('\n', at) - at);
    QVERIFY2(rest.contains(" 203.0.113.9 via 127.0.0.1:"), rest.constData());
    // And counted under its route in the request metrics.
    const QByteArray metrics = m_http.get(service.url("/metrics")).body;
    QVERIFY2(metrics.contains("route=\"/api/sessions/{}/events\",status=\"201\"} 1"),
             metrics.constData());
}

void tst_SsebufdFastPath::streamHeadAndRetryInOneSend()
{
    // Goal 5 of issue 16: the response head and the retry: line leave in one send(), so the
    // client's first read holds both, and the stream's send counter moves by exactly one.
    ServiceProcess service; // its own, so its counter counts this stream only
    QVERIFY2(service.start({"--pipeline", "external"}), qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    const qint64 sendsBefore = metricSample(m_http, service, "ssebuf_stream_send_calls_total");
    QCOMPARE(sendsBefore, 0);
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), service.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /api/refactor/" + id.toUtf8() + "/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY(socket.waitForReadyRead(5000));
    const QByteArray first = socket.readAll();
    QVERIFY2(first.startsWith("HTTP/1.1 200 OK\r\n"), first.constData());
    QVERIFY2(first.contains("\r\nContent-Type: text/event-stream\r\n"), first.constData());
    QVERIFY2(first.contains("\r\n\r\nretry: "), first.constData());
    QVERIFY2(first.endsWith("\n\n"), first.constData());
    QCOMPARE(metricSample(m_http, service, "ssebuf_stream_send_calls_total"), 1);
}

QTEST_GUILESS_MAIN(tst_SsebufdFastPath)
#include "tst_ssebufd_fastpath.moc"
