// The at-once lane against the real ssebufd: a one-event publish taken whole by the fast path,
// target exactly /api/sessions/{valid id}/events, is answered by the front end without an
// exchange or the Router when the store answers at once (the memory store), never behind
// --trusted-proxy. Each case compares the lane's answer, byte for byte, with what the
// general way (the Router) answers for the same request: the same request with a query
// string (?x=1), which the lane refuses (FastRequestPath::plainSessionId()) and the route
// accepts (the publish handler never reads the query). ssebuf_http_at_once_answers_total
// counts the lane's answers.

#include "metricsexposition.h"
#include "processtestkit.h"
#include "rawexchange.h"
#include "redisprocess.h"
#include "sessiontestkit.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

using namespace testkit;

namespace {

const QByteArray kGeneralQuery = "?x=1";
const QByteArray kHealth = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const QString kAtOnce = QStringLiteral("ssebuf_http_at_once_answers_total");
const QString kFastPath = QStringLiteral("ssebuf_http_fast_path_requests_total");
const QString kDirectReads = QStringLiteral("ssebuf_http_direct_reads_total");
// A well-formed session id that no session has.
const QString kUnknownId
    = QStringLiteral("session_20260101_000000_0123456789abcdef0123456789abcdef");
// The same with upper-case hex: not a session id (the Router answers it, never the lane).
const QString kInvalidId
    = QStringLiteral("session_20260101_000000_0123456789ABCDEF0123456789ABCDEF");

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray eventBody(int n)
{
    return compact(progressEvent(n));
}

// One POST /api/sessions/{id}/events as written on the wire.
struct Publish
{
    QString id;
    QByteArray body;
    QByteArray headers; // extra header lines, each with its CRLF
    QByteArray query; // kGeneralQuery sends it the general way
    QByteArray contentType = "application/json"; // none when empty
    QByteArray host = "127.0.0.1";
    QByteArray version = "HTTP/1.1";

    QByteArray wire() const
    {
        return "POST /api/sessions/" + id.toUtf8() + "/events" + query + ' ' + version
            + "\r\nHost: " + host + "\r\n"
            + (contentType.isEmpty() ? QByteArray() : "Content-Type: " + contentType + "\r\n")
            + headers + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }
    // The same request, the general way (its target has a query).
    Publish general() const
    {
        Publish copy = *this;
        copy.query = kGeneralQuery;
        return copy;
    }
    Publish on(const QString &sessionId) const
    {
        Publish copy = *this;
        copy.id = sessionId;
        return copy;
    }
};

Publish publishOf(const QString &id, const QByteArray &body, const QByteArray &headers = {})
{
    Publish publish;
    publish.id = id;
    publish.body = body;
    publish.headers = headers;
    return publish;
}

// One keep-alive connection that sends and collects the answers.
struct KeepAlive
{
    QTcpSocket socket;
    QByteArray received;

    bool open(const ServiceProcess &service)
    {
        socket.connectToHost(QStringLiteral("127.0.0.1"), service.port());
        socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
        return socket.waitForConnected(5000);
    }
    void write(const QByteArray &bytes)
    {
        socket.write(bytes);
        socket.flush();
    }
    // Waits (bounded) until `total` answers have come on the connection.
    QList<RawResponse> waitFor(int total)
    {
        QDeadlineTimer deadline(10000);
        while (completeResponses(received).size() < total && !deadline.hasExpired()
               && socket.state() == QAbstractSocket::ConnectedState) {
            socket.waitForReadyRead(50);
            received += socket.readAll();
        }
        return completeResponses(received);
    }
    QList<RawResponse> send(const QByteArray &bytes, int total)
    {
        write(bytes);
        return waitFor(total);
    }
};

// The one answer to a request sent on a connection of its own.
RawResponse answerOf(const ServiceProcess &service, const QByteArray &request)
{
    const RawExchange exchange = rawExchange(service, request, hasCompleteResponse);
    return completeResponses(exchange.received).value(0);
}

QByteArray wholeAnswer(const RawResponse &response)
{
    return response.head + "\r\n\r\n" + response.body;
}

QString requestsSample(int status)
{
    return QStringLiteral("ssebuf_http_requests_total{route=\"/api/sessions/{}/events\","
                          "status=\"%1\"}")
        .arg(status);
}

} // namespace

class tst_SsebufdAtOnce : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void publishesOnOneConnection();
    void answersAsTheGeneralWay_data();
    void answersAsTheGeneralWay();
    void idempotencyKey();
    void publishToken();
    void pipelinedMixKeepsItsOrder();
    void waitsBehindAnEarlierAnswer_data();
    void waitsBehindAnEarlierAnswer();
    void connectionClose_data();
    void connectionClose();
    void notBehindATrustedProxy();
    void requestMetricsAndAccessLog();
    void notWithTheRedisStore();

private:
    qint64 atOnce(const ServiceProcess &service) { return metricSample(m_http, service, kAtOnce); }
    // A session ended by its final event, or cancelled.
    QString endedSession(bool cancelled = false);
    QJsonArray storedEvents(const QString &id);

    ServiceProcess m_service;
    HttpTestClient m_http;
};

void tst_SsebufdAtOnce::initTestCase()
{
    // A small session buffer: an event larger than it is refused (422 event_too_large).
    QVERIFY2(m_service.start({"--pipeline", "external", "--max-buffer-bytes", "8192"}),
             qPrintable(m_service.errorText()));
}

QString tst_SsebufdAtOnce::endedSession(bool cancelled)
{
    const QString id = startSession(m_http, m_service);
    if (id.isEmpty())
        return {};
    if (cancelled) {
        const HttpTestReply reply = m_http.post(m_service.url(ssebuf::ApiPaths::sessionCancel(id)),
                                                R"({"reason":"enough"})");
        return reply.status == 200 ? id : QString();
    }
    return publishStatus(m_http, m_service, id, finalEvent()) == 201 ? id : QString();
}

QJsonArray tst_SsebufdAtOnce::storedEvents(const QString &id)
{
    const HttpTestReply reply = m_http.get(
        m_service.url(QStringLiteral("/api/refactor/%1/events?after=0&limit=1000").arg(id)));
    return reply.status == 200 ? reply.json().value("events").toArray() : QJsonArray();
}

void tst_SsebufdAtOnce::publishesOnOneConnection()
{
    // Five publishes on one keep-alive connection by the lane, five on another the general
    // way (each into its own session): the same answers, byte for byte; the counter counts
    // the lane's only, the fast path took all ten; subscribers and readers see the events.
    const QString lane = startSession(m_http, m_service);
    const QString general = startSession(m_http, m_service);
    QVERIFY(!lane.isEmpty() && !general.isEmpty());
    RawSseClient stream;
    QVERIFY(openStream(stream, sseUrl(m_service, lane)));
    QCOMPARE(stream.status(), 200);
    const qint64 before = atOnce(m_service);
    const qint64 fastBefore = metricSample(m_http, m_service, kFastPath);
    const qint64 directBefore = metricSample(m_http, m_service, kDirectReads);
    QVERIFY(before >= 0 && fastBefore >= 0 && directBefore >= 0);
    constexpr int count = 5;
    KeepAlive laneConnection;
    QVERIFY(laneConnection.open(m_service));
    for (int n = 1; n <= count; ++n)
        QCOMPARE(laneConnection.send(publishOf(lane, eventBody(n)).wire(), n).size(), n);
    QCOMPARE(atOnce(m_service), before + count);
    KeepAlive generalConnection;
    QVERIFY(generalConnection.open(m_service));
    for (int n = 1; n <= count; ++n) {
        const QByteArray wire = publishOf(general, eventBody(n)).general().wire();
        QCOMPARE(generalConnection.send(wire, n).size(), n);
    }
    QCOMPARE(atOnce(m_service), before + count);
    QCOMPARE(metricSample(m_http, m_service, kFastPath), fastBefore + 2 * count);
    // On each connection the first publish came from Qt's socket buffer, the others were
    // direct reads (tst_ssebufd_directreads): the lane answers those as well.
    QCOMPARE(metricSample(m_http, m_service, kDirectReads), directBefore + 2 * (count - 1));

    const QList<RawResponse> laneAnswers = completeResponses(laneConnection.received);
    const QList<RawResponse> generalAnswers = completeResponses(generalConnection.received);
    QCOMPARE(laneAnswers.size(), count);
    QCOMPARE(generalAnswers.size(), count);
    for (int i = 0; i < count; ++i) {
        QCOMPARE(laneAnswers.at(i).status, 201);
        QCOMPARE(laneAnswers.at(i).head,
                 QByteArray("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                            "Content-Length: ")
                     + QByteArray::number(laneAnswers.at(i).body.size()));
        QCOMPARE(laneAnswers.at(i).body, "{\"seq\":" + QByteArray::number(i + 1) + '}');
        QCOMPARE(wholeAnswer(laneAnswers.at(i)), wholeAnswer(generalAnswers.at(i)));
    }
    QCOMPARE(laneConnection.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(generalConnection.socket.state(), QAbstractSocket::ConnectedState);

    // Read back as JSON: the lane's events as the general way's, in order.
    const QJsonArray laneEvents = storedEvents(lane);
    const QJsonArray generalEvents = storedEvents(general);
    QCOMPARE(laneEvents.size(), count);
    QCOMPARE(generalEvents.size(), count);
    for (int i = 0; i < count; ++i) {
        const QJsonObject event = laneEvents.at(i).toObject();
        QCOMPARE(event.value("seq").toInteger(), i + 1);
        QCOMPARE(event.value("session_id").toString(), lane);
        QCOMPARE(event.value("type").toString(), QStringLiteral("progress"));
        QCOMPARE(event.value("status").toString(), QStringLiteral("running"));
        QCOMPARE(event.value("message").toString(), QStringLiteral("step %1").arg(i + 1));
        QCOMPARE(event.value("progress").toInt(), i + 1);
        QJsonObject other = generalEvents.at(i).toObject();
        other.insert("session_id", lane);
        other.insert("timestamp", event.value("timestamp"));
        QCOMPARE(event, other);
    }
    // And on the stream opened before them.
    QTRY_COMPARE_WITH_TIMEOUT(stream.sequence(), (QList<qint64> {1, 2, 3, 4, 5}), 5000);
    const QList<QJsonObject> delivered = stream.jsonEvents();
    QCOMPARE(delivered.size(), count);
    for (int i = 0; i < count; ++i)
        QCOMPARE(delivered.at(i), laneEvents.at(i).toObject());
}

void tst_SsebufdAtOnce::answersAsTheGeneralWay_data()
{
    QTest::addColumn<QString>("session"); // fresh, ended, cancelled, unknown or invalid
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<bool>("taken"); // by the lane

    const QByteArray json = "application/json";
    const QByteArray host = "127.0.0.1";
    const QByteArray event = eventBody(1);
    QTest::newRow("one event") << "fresh" << event << QByteArray() << json << host << 201
                               << QString() << true;
    QTest::newRow("final event") << "fresh" << compact(finalEvent()) << QByteArray() << json << host
                                 << 201 << QString() << true;
    QTest::newRow("batch") << "fresh" << QByteArray("[" + event + "," + eventBody(2) + "]")
                           << QByteArray() << json << host << 201 << QString() << true;
    QTest::newRow("media type with a parameter")
        << "fresh" << event << QByteArray() << QByteArray("Application/JSON; charset=utf-8") << host
        << 201 << QString() << true;
    QTest::newRow("unknown session")
        << "unknown" << event << QByteArray() << json << host << 404 << "session_not_found" << true;
    QTest::newRow("session ended")
        << "ended" << event << QByteArray() << json << host << 409 << "session_ended" << true;
    QTest::newRow("session cancelled")
        << "cancelled" << event << QByteArray() << json << host << 409 << "session_ended" << true;
    QTest::newRow("text/plain") << "fresh" << event << QByteArray() << QByteArray("text/plain")
                                << host << 415 << "unsupported_media_type" << true;
    QTest::newRow("no Content-Type") << "fresh" << event << QByteArray() << QByteArray() << host
                                     << 415 << "unsupported_media_type" << true;
    QTest::newRow("X-Forwarded-For without --trusted-proxy")
        << "fresh" << event << QByteArray("X-Forwarded-For: 203.0.113.9\r\n") << json << host << 201
        << QString() << true;
    QTest::newRow("invalid json") << "fresh" << QByteArray("{nope") << QByteArray() << json << host
                                  << 400 << "invalid_json" << true;
    QTest::newRow("not an object") << "fresh" << QByteArray("42") << QByteArray() << json << host
                                   << 400 << "invalid_json" << true;
    QTest::newRow("invalid status")
        << "fresh" << QByteArray(R"({"type":"progress","status":"sleeping","message":"x"})")
        << QByteArray() << json << host << 422 << "invalid_event" << true;
    QTest::newRow("no message") << "fresh"
                                << QByteArray(R"({"type":"progress","status":"running"})")
                                << QByteArray() << json << host << 422 << "invalid_event" << true;
    QTest::newRow("event larger than the session buffer")
        << "fresh" << compact(progressEvent(1, QString(9000, QLatin1Char('m')))) << QByteArray()
        << json << host << 422 << "event_too_large" << true;
    QTest::newRow("empty batch") << "fresh" << QByteArray("[]") << QByteArray() << json << host
                                 << 422 << "empty_batch" << true;
    QTest::newRow("final not last in a batch")
        << "fresh" << QByteArray("[" + compact(finalEvent()) + "," + event + "]") << QByteArray()
        << json << host << 422 << "invalid_event" << true;
    QTest::newRow("Idempotency-Key too long")
        << "fresh" << event << QByteArray("Idempotency-Key: " + QByteArray(256, 'k') + "\r\n")
        << json << host << 400 << "invalid_idempotency_key" << true;
    QTest::newRow("Idempotency-Key not ASCII")
        << "fresh" << event << QByteArray("Idempotency-Key: caf\xc3\xa9\r\n") << json << host << 400
        << "invalid_idempotency_key" << true;
    QTest::newRow("Host not allowed") << "fresh" << event << QByteArray() << json
                                      << QByteArray("evil.example") << 403 << "forbidden" << true;
    QTest::newRow("not a session id") << "invalid" << event << QByteArray() << json << host << 404
                                      << "session_not_found" << false;
}

void tst_SsebufdAtOnce::answersAsTheGeneralWay()
{
    QFETCH(QString, session);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, headers);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, host);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(bool, taken);
    // A session each for the lane and the general way, in the same state (the same seqs);
    // an unknown or invalid id is the same for both.
    QString laneId = session == "unknown" ? kUnknownId : kInvalidId;
    QString generalId = laneId;
    if (session == "fresh") {
        laneId = startSession(m_http, m_service);
        generalId = startSession(m_http, m_service);
    } else if (session == "ended" || session == "cancelled") {
        laneId = endedSession(session == "cancelled");
        generalId = endedSession(session == "cancelled");
    }
    QVERIFY(!laneId.isEmpty() && !generalId.isEmpty());
    Publish publish = publishOf(laneId, body, headers);
    publish.contentType = contentType;
    publish.host = host;

    const qint64 before = atOnce(m_service);
    QVERIFY(before >= 0);
    const RawResponse lane = answerOf(m_service, publish.wire());
    QCOMPARE(atOnce(m_service), before + (taken ? 1 : 0));
    const RawResponse general = answerOf(m_service, publish.on(generalId).general().wire());
    QCOMPARE(atOnce(m_service), before + (taken ? 1 : 0));

    QCOMPARE(lane.head, general.head);
    QCOMPARE(lane.body, general.body);
    QCOMPARE(lane.status, status);
    if (!error.isEmpty())
        QCOMPARE(lane.json().value("error").toString(), error);
    if (session == "fresh") {
        const QList<qint64> seqs = storedSeqs(m_http, m_service, laneId);
        QCOMPARE(seqs.isEmpty(), status != 201);
        QCOMPARE(seqs, storedSeqs(m_http, m_service, generalId));
    }
}

void tst_SsebufdAtOnce::idempotencyKey()
{
    // The same key twice: 201, then 200 with "duplicate": true, by the lane as the general
    // way; a retry by the lane after a first request the general way, and the other way
    // round; the same key with another body (422); the retried final event of an ended
    // session (200, not 409).
    const QString lane = startSession(m_http, m_service);
    const QString general = startSession(m_http, m_service);
    const QString generalFirst = startSession(m_http, m_service);
    const QString laneFirst = startSession(m_http, m_service);
    QVERIFY(!lane.isEmpty() && !general.isEmpty() && !generalFirst.isEmpty()
            && !laneFirst.isEmpty());
    const QByteArray key = "Idempotency-Key: retry-1\r\n";
    const Publish first = publishOf(lane, eventBody(1), key);
    const Publish conflict = publishOf(lane, eventBody(2), key);
    const qint64 before = atOnce(m_service);
    const qint64 duplicatesBefore
        = metricSample(m_http, m_service, QStringLiteral("ssebuf_publish_duplicates_total"));
    QVERIFY(before >= 0 && duplicatesBefore >= 0);

    const RawResponse laneFirstAnswer = answerOf(m_service, first.wire());
    const RawResponse laneRetry = answerOf(m_service, first.wire());
    const RawResponse laneConflict = answerOf(m_service, conflict.wire());
    QCOMPARE(atOnce(m_service), before + 3);
    const RawResponse generalFirstAnswer = answerOf(m_service, first.on(general).general().wire());
    const RawResponse generalRetry = answerOf(m_service, first.on(general).general().wire());
    const RawResponse generalConflict = answerOf(m_service, conflict.on(general).general().wire());
    QCOMPARE(atOnce(m_service), before + 3);
    // Mixed: the first the general way and the retry by the lane, and the other way round.
    QCOMPARE(answerOf(m_service, first.on(generalFirst).general().wire()).status, 201);
    const RawResponse mixedLaneRetry = answerOf(m_service, first.on(generalFirst).wire());
    QCOMPARE(answerOf(m_service, first.on(laneFirst).wire()).status, 201);
    const RawResponse mixedGeneralRetry = answerOf(m_service, first.on(laneFirst).general().wire());
    QCOMPARE(atOnce(m_service), before + 5);

    QCOMPARE(laneFirstAnswer.status, 201);
    QCOMPARE(laneFirstAnswer.body, QByteArray("{\"seq\":1}"));
    QCOMPARE(laneRetry.status, 200);
    QCOMPARE(laneRetry.json(), (QJsonObject {{"seq", 1}, {"duplicate", true}}));
    QCOMPARE(laneConflict.status, 422);
    QCOMPARE(wholeAnswer(laneFirstAnswer), wholeAnswer(generalFirstAnswer));
    QCOMPARE(wholeAnswer(laneRetry), wholeAnswer(generalRetry));
    QCOMPARE(wholeAnswer(laneConflict), wholeAnswer(generalConflict));
    QCOMPARE(wholeAnswer(mixedLaneRetry), wholeAnswer(generalRetry));
    QCOMPARE(wholeAnswer(mixedGeneralRetry), wholeAnswer(generalRetry));
    for (const QString &id : {lane, general, generalFirst, laneFirst})
        QCOMPARE(storedSeqs(m_http, m_service, id), QList<qint64> {1});
    QCOMPARE(metricSample(m_http, m_service, QStringLiteral("ssebuf_publish_duplicates_total")),
             duplicatesBefore + 4);

    // The final event that ended the session, retried: a duplicate, not 409.
    const QString laneEnded = startSession(m_http, m_service);
    const QString generalEnded = startSession(m_http, m_service);
    QVERIFY(!laneEnded.isEmpty() && !generalEnded.isEmpty());
    const Publish ending = publishOf(laneEnded, compact(finalEvent()), "Idempotency-Key: end\r\n");
    QCOMPARE(answerOf(m_service, ending.wire()).status, 201);
    const RawResponse laneEndRetry = answerOf(m_service, ending.wire());
    QCOMPARE(answerOf(m_service, ending.on(generalEnded).general().wire()).status, 201);
    const RawResponse generalEndRetry
        = answerOf(m_service, ending.on(generalEnded).general().wire());
    QCOMPARE(laneEndRetry.status, 200);
    QCOMPARE(laneEndRetry.json().value("duplicate").toBool(), true);
    QCOMPARE(wholeAnswer(laneEndRetry), wholeAnswer(generalEndRetry));
    QCOMPARE(atOnce(m_service), before + 7);
}

void tst_SsebufdAtOnce::publishToken()
{
    // --publish-token-file: no token 401, a wrong one 403 (both with WWW-Authenticate:
    // Bearer, contract section 5), the token 201; the lane answers each as the general way.
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("publish.token"));
    QVERIFY(writeFile(tokenFile, "producer-secret\n"));
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--publish-token-file", tokenFile}),
             qPrintable(service.errorText()));
    const QString lane = startSession(m_http, service);
    const QString general = startSession(m_http, service);
    QVERIFY(!lane.isEmpty() && !general.isEmpty());
    QCOMPARE(atOnce(service), 0);
    const QList<QByteArray> authorizations {"", "Authorization: Bearer nope\r\n",
                                            "Authorization: Bearer producer-secret\r\n"};
    const QList<int> statuses {401, 403, 201};
    for (int i = 0; i < authorizations.size(); ++i) {
        const Publish publish = publishOf(lane, eventBody(1), authorizations.at(i));
        const RawResponse laneAnswer = answerOf(service, publish.wire());
        QCOMPARE(atOnce(service), i + 1);
        const RawResponse generalAnswer = answerOf(service, publish.on(general).general().wire());
        QCOMPARE(atOnce(service), i + 1);
        QCOMPARE(laneAnswer.status, statuses.at(i));
        if (laneAnswer.status != 201)
            QCOMPARE(laneAnswer.header("WWW-Authenticate"), QByteArray("Bearer"));
        QCOMPARE(wholeAnswer(laneAnswer), wholeAnswer(generalAnswer));
    }
    QCOMPARE(storedSeqs(m_http, service, lane), QList<qint64> {1});
    QCOMPARE(storedSeqs(m_http, service, general), QList<qint64> {1});
}

void tst_SsebufdAtOnce::pipelinedMixKeepsItsOrder()
{
    // One write: a publish, GET /healthz, a publish, a publish with a query. The fast path
    // takes what comes before the first request it does not take (the health check), so
    // the lane answers the first publish only; QtHttpServer reads the rest, the second
    // plain publish included. The answers keep the requests' order.
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    qint64 before = atOnce(m_service);
    QVERIFY(before >= 0);
    KeepAlive connection;
    QVERIFY(connection.open(m_service));
    QByteArray wire = publishOf(id, eventBody(1)).wire() + kHealth
        + publishOf(id, eventBody(2)).wire() + publishOf(id, eventBody(3)).general().wire();
    QList<RawResponse> answers = connection.send(wire, 4);
    QCOMPARE(answers.size(), 4);
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(answers.at(0).body, QByteArray("{\"seq\":1}"));
    QCOMPARE(answers.at(1).status, 200);
    QCOMPARE(answers.at(1).json().value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(answers.at(2).body, QByteArray("{\"seq\":2}"));
    QCOMPARE(answers.at(3).body, QByteArray("{\"seq\":3}"));
    QCOMPARE(answers.at(2).head, answers.at(0).head);
    QCOMPARE(atOnce(m_service), before + 1);

    // Two publishes first: the lane answers both, then the Router the rest, in order.
    before = atOnce(m_service);
    wire = publishOf(id, eventBody(4)).wire() + publishOf(id, eventBody(5)).wire() + kHealth
        + publishOf(id, eventBody(6)).general().wire() + publishOf(id, eventBody(7)).wire();
    answers = connection.send(wire, 9).mid(4);
    QCOMPARE(answers.size(), 5);
    QList<int> statuses;
    for (const RawResponse &answer : answers)
        statuses.append(answer.status);
    QCOMPARE(statuses, (QList<int> {201, 201, 200, 201, 201}));
    QCOMPARE(answers.at(0).body, QByteArray("{\"seq\":4}"));
    QCOMPARE(answers.at(1).body, QByteArray("{\"seq\":5}"));
    QCOMPARE(answers.at(3).body, QByteArray("{\"seq\":6}"));
    QCOMPARE(answers.at(4).body, QByteArray("{\"seq\":7}"));
    QCOMPARE(atOnce(m_service), before + 2);

    // A publish with a query first: the fast path takes it (to the Router) and the plain
    // one behind it (the lane), in order.
    before = atOnce(m_service);
    wire = publishOf(id, eventBody(8)).general().wire() + publishOf(id, eventBody(9)).wire();
    answers = connection.send(wire, 11).mid(9);
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers.at(0).body, QByteArray("{\"seq\":8}"));
    QCOMPARE(answers.at(1).body, QByteArray("{\"seq\":9}"));
    QCOMPARE(atOnce(m_service), before + 1);
    QCOMPARE(connection.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

void tst_SsebufdAtOnce::waitsBehindAnEarlierAnswer_data()
{
    QTest::addColumn<bool>("samePollSession");
    QTest::newRow("another session") << false;
    QTest::newRow("the polled session") << true;
}

void tst_SsebufdAtOnce::waitsBehindAnEarlierAnswer()
{
    // A long poll that waits (GET .../events?wait=30 on a session with no event yet), then,
    // on the same connection, a publish answered by the lane: its answer goes out after the
    // poll's. A publish into another session waits until a publish into the polled session
    // (on another connection) releases the poll; a publish into the polled session releases
    // it itself.
    QFETCH(bool, samePollSession);
    const QString polled = startSession(m_http, m_service);
    const QString other = startSession(m_http, m_service);
    QVERIFY(!polled.isEmpty() && !other.isEmpty());
    const QString published = samePollSession ? polled : other;
    KeepAlive connection;
    QVERIFY(connection.open(m_service));
    connection.write("GET /api/refactor/" + polled.toUtf8()
                     + "/events?after=0&wait=30 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // A round trip on another connection, opened after the poll was written: the service
    // has read the poll (its bytes came first) by the time it answers this.
    QCOMPARE(m_http.get(m_service.url(QStringLiteral("/healthz"))).status, 200);
    const qint64 before = atOnce(m_service);
    QVERIFY(before >= 0);
    connection.write(publishOf(published, eventBody(1)).wire());
    QTRY_COMPARE_WITH_TIMEOUT(atOnce(m_service), before + 1, 5000);
    QCOMPARE(storedSeqs(m_http, m_service, published), QList<qint64> {1});
    if (!samePollSession)
        QCOMPARE(answerOf(m_service, publishOf(polled, eventBody(7)).wire()).status, 201);
    // The poll's answer, then the publish's.
    const QList<RawResponse> answers = connection.waitFor(2);
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers.at(0).status, 200);
    const QJsonArray events = answers.at(0).json().value("events").toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value("seq").toInteger(), 1);
    QCOMPARE(events.at(0).toObject().value("message").toString(),
             samePollSession ? QStringLiteral("step 1") : QStringLiteral("step 7"));
    QCOMPARE(answers.at(1).status, 201);
    QCOMPARE(answers.at(1).body, QByteArray("{\"seq\":1}"));
    QCOMPARE(connection.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_SsebufdAtOnce::connectionClose_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("closes");
    QTest::newRow("Connection: close")
        << QByteArray("HTTP/1.1") << QByteArray("Connection: close\r\n") << true;
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0") << QByteArray() << true;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0") << QByteArray("Connection: keep-alive\r\n") << false;
}

void tst_SsebufdAtOnce::connectionClose()
{
    // A closing publish by the lane: answered with Connection: close, then the connection
    // closes and what was pipelined behind it is not answered, as the general way. An
    // HTTP/1.0 keep-alive publish keeps its connection: the health check behind it is
    // answered too.
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, headers);
    QFETCH(bool, closes);
    const QString lane = startSession(m_http, m_service);
    const QString general = startSession(m_http, m_service);
    QVERIFY(!lane.isEmpty() && !general.isEmpty());
    Publish publish = publishOf(lane, eventBody(1), headers);
    publish.version = version;
    // Closing: read until the service closes; keep-alive: until both answers are in.
    const auto until = [closes](const QByteArray &received) {
        return !closes && completeResponses(received).size() == 2;
    };
    const qint64 before = atOnce(m_service);
    QVERIFY(before >= 0);
    const RawExchange laneExchange = rawExchange(m_service, publish.wire() + kHealth, until);
    QCOMPARE(atOnce(m_service), before + 1);
    const RawExchange generalExchange
        = rawExchange(m_service, publish.on(general).general().wire() + kHealth, until);
    QCOMPARE(atOnce(m_service), before + 1);
    QCOMPARE(laneExchange.received, generalExchange.received);
    QCOMPARE(laneExchange.closedByPeer, closes);
    QCOMPARE(generalExchange.closedByPeer, closes);
    const QList<RawResponse> answers = completeResponses(laneExchange.received);
    QCOMPARE(answers.size(), closes ? 1 : 2);
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(answers.at(0).body, QByteArray("{\"seq\":1}"));
    QCOMPARE(answers.at(0).header("Connection"), closes ? QByteArray("close") : QByteArray());
    QCOMPARE(storedSeqs(m_http, m_service, lane), QList<qint64> {1});
}

void tst_SsebufdAtOnce::notBehindATrustedProxy()
{
    // --trusted-proxy 127.0.0.1/32: the client address may come from X-Forwarded-For, which
    // the general way reads; the lane is never used. The publishes are answered as the
    // lane answers them without a proxy; a forwarded client that is not on the loopback
    // may not publish without a token (403), though its socket peer is the loopback.
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--trusted-proxy", "127.0.0.1/32"}),
             qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    const QString reference = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty() && !reference.isEmpty());
    KeepAlive connection;
    QVERIFY(connection.open(service));
    KeepAlive laneConnection;
    QVERIFY(laneConnection.open(m_service));
    for (int n = 1; n <= 3; ++n) {
        QCOMPARE(connection.send(publishOf(id, eventBody(n)).wire(), n).size(), n);
        QCOMPARE(laneConnection.send(publishOf(reference, eventBody(n)).wire(), n).size(), n);
    }
    const QList<RawResponse> answers = completeResponses(connection.received);
    const QList<RawResponse> laneAnswers = completeResponses(laneConnection.received);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(answers.at(i).status, 201);
        QCOMPARE(wholeAnswer(answers.at(i)), wholeAnswer(laneAnswers.at(i)));
    }
    const QList<RawResponse> forwarded = connection.send(
        publishOf(id, eventBody(4), "X-Forwarded-For: 203.0.113.9\r\n").wire(), 4);
    QCOMPARE(forwarded.size(), 4);
    QCOMPARE(forwarded.at(3).status, 403);
    QCOMPARE(atOnce(service), 0);
    QCOMPARE(metricSample(m_http, service, kFastPath), 4);
    QCOMPARE(storedSeqs(m_http, service, id), (QList<qint64> {1, 2, 3}));
}

void tst_SsebufdAtOnce::requestMetricsAndAccessLog()
{
    // The lane's answers are counted under the route and status as the general way's, and
    // have the same access line (method, path, status, time, peer).
    ServiceProcess service; // its own: its series count this test's requests only
    QVERIFY2(service.start({"--pipeline", "external", "--log-level", "info"}),
             qPrintable(service.errorText()));
    const QString lane = startSession(m_http, service);
    const QString general = startSession(m_http, service);
    QVERIFY(!lane.isEmpty() && !general.isEmpty());
    QCOMPARE(metricSample(m_http, service, requestsSample(201)), -1);
    Publish unsupported = publishOf(lane, eventBody(9));
    unsupported.contentType = "text/plain";
    const QList<Publish> requests {publishOf(lane, eventBody(1)), publishOf(lane, eventBody(2)),
                                   unsupported, publishOf(kUnknownId, eventBody(1))};
    const QList<int> statuses {201, 201, 415, 404};
    const auto check = [&](int times) {
        QCOMPARE(metricSample(m_http, service, requestsSample(201)), 2 * times);
        QCOMPARE(metricSample(m_http, service, requestsSample(415)), times);
        QCOMPARE(metricSample(m_http, service, requestsSample(404)), times);
        QCOMPARE(metricSample(m_http, service, QStringLiteral("ssebuf_events_appended_total")),
                 2 * times);
    };
    KeepAlive laneConnection;
    QVERIFY(laneConnection.open(service));
    for (int i = 0; i < requests.size(); ++i) {
        const QList<RawResponse> answers = laneConnection.send(requests.at(i).wire(), i + 1);
        QCOMPARE(answers.size(), i + 1);
        QCOMPARE(answers.at(i).status, statuses.at(i));
    }
    QCOMPARE(atOnce(service), 4);
    check(1);
    if (QTest::currentTestFailed())
        return;
    KeepAlive generalConnection;
    QVERIFY(generalConnection.open(service));
    for (int i = 0; i < requests.size(); ++i) {
        const Publish request = requests.at(i).id == lane ? requests.at(i).on(general).general()
                                                          : requests.at(i).general();
        const QList<RawResponse> answers = generalConnection.send(request.wire(), i + 1);
        QCOMPARE(answers.size(), i + 1);
        QCOMPARE(wholeAnswer(answers.at(i)),
                 wholeAnswer(completeResponses(laneConnection.received).at(i)));
    }
    QCOMPARE(atOnce(service), 4);
    check(2);
    if (QTest::currentTestFailed())
        return;
    const Exposition exposition = fetchMetrics(m_http, service);
    QCOMPARE(exposition.problems, QStringList());
    QCOMPARE(exposition.type.value(kAtOnce), QStringLiteral("counter"));
    QVERIFY(!exposition.help.value(kAtOnce).isEmpty());
    QCOMPARE(exposition.value(kAtOnce), 4.0);

    const auto accessLines = [&service](const QString &id, int status) {
        const QRegularExpression line(QStringLiteral("POST /api/sessions/%1/events %2 \\d+ms "
                                                     "127\\.0\\.0\\.1:(\\d+)")
                                          .arg(id)
                                          .arg(status));
        QList<quint16> ports;
        auto matches = line.globalMatch(QString::fromUtf8(service.output()));
        while (matches.hasNext())
            ports.append(quint16(matches.next().captured(1).toUInt()));
        return ports;
    };
    const quint16 lanePort = laneConnection.socket.localPort();
    const quint16 generalPort = generalConnection.socket.localPort();
    QTRY_COMPARE_WITH_TIMEOUT(accessLines(general, 415), QList<quint16> {generalPort}, 5000);
    QCOMPARE(accessLines(lane, 201), (QList<quint16> {lanePort, lanePort}));
    QCOMPARE(accessLines(lane, 415), QList<quint16> {lanePort});
    QCOMPARE(accessLines(general, 201), (QList<quint16> {generalPort, generalPort}));
    QTRY_COMPARE_WITH_TIMEOUT(accessLines(kUnknownId, 404),
                              (QList<quint16> {lanePort, generalPort}), 5000);
}

void tst_SsebufdAtOnce::notWithTheRedisStore()
{
    // A store that answers later: the lane is not used, the publishes are answered the
    // general way with the same bytes as the lane's on the memory store.
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    RedisProcess redis;
    QVERIFY2(redis.start(), qPrintable(redis.errorText()));
    ServiceProcess service;
    QVERIFY(startStoreInstance(m_http, service, redis.url()));
    const QString id = startSession(m_http, service);
    const QString reference = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty() && !reference.isEmpty());
    KeepAlive connection;
    QVERIFY(connection.open(service));
    KeepAlive laneConnection;
    QVERIFY(laneConnection.open(m_service));
    for (int n = 1; n <= 3; ++n) {
        QCOMPARE(connection.send(publishOf(id, eventBody(n)).wire(), n).size(), n);
        QCOMPARE(laneConnection.send(publishOf(reference, eventBody(n)).wire(), n).size(), n);
    }
    const QList<RawResponse> answers = completeResponses(connection.received);
    const QList<RawResponse> laneAnswers = completeResponses(laneConnection.received);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(answers.at(i).status, 201);
        QCOMPARE(wholeAnswer(answers.at(i)), wholeAnswer(laneAnswers.at(i)));
    }
    // An unknown session: the same 404 as the lane's.
    QCOMPARE(wholeAnswer(answerOf(service, publishOf(kUnknownId, eventBody(1)).wire())),
             wholeAnswer(answerOf(m_service, publishOf(kUnknownId, eventBody(1)).wire())));
    QCOMPARE(atOnce(service), 0);
    QCOMPARE(metricSample(m_http, service, kFastPath), 4);
    QCOMPARE(storedSeqs(m_http, service, id), (QList<qint64> {1, 2, 3}));
}

QTEST_GUILESS_MAIN(tst_SsebufdAtOnce)
#include "tst_ssebufd_atonce.moc"
