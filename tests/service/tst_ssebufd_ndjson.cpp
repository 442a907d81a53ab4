// Contract section 12 (streaming publish, NDJSON) against the real ssebufd: every rule as its
// own test, over raw sockets so that the test decides when each byte of the body is sent.

#include "ndjsonproducer.h"
#include "rawexchange.h"
#include "seqrange.h"
#include "sessiontestkit.h"

#include <QDir>
#include <QFile>

#include <QElapsedTimer>
#include <QJsonArray>

using namespace testkit;

namespace {

QByteArray line(const QJsonObject &event)
{
    return QJsonDocument(event).toJson(QJsonDocument::Compact) + '\n';
}

QJsonObject keyed(QJsonObject event, const QString &key)
{
    event.insert(QStringLiteral("idempotency_key"), key);
    return event;
}

// The value of an unlabelled sample in a Prometheus exposition, -1 when absent.
qint64 metricValue(const QByteArray &exposition, const QByteArray &name)
{
    for (const QByteArray &row : exposition.split('\n')) {
        if (row.startsWith(name + ' '))
            return row.mid(name.size() + 1).trimmed().toLongLong();
    }
    return -1;
}

// The answer to a stream: what it appended and how many lines were duplicates.
QJsonObject answer(const QJsonValue &firstSeq, const QJsonValue &lastSeq, int count, int duplicates)
{
    return QJsonObject({{"first_seq", firstSeq},
                        {"last_seq", lastSeq},
                        {"count", count},
                        {"duplicates", duplicates}});
}

enum class Ending { EndBody, LeaveOpen };

// Opens a chunked stream to the session, sends each chunk as its own write, ends the body
// unless told to leave it open, and waits for the answer.
bool stream(NdjsonProducer &producer, const QString &id, const QList<QByteArray> &chunks,
            Ending ending = Ending::EndBody)
{
    if (!producer.open(id))
        return false;
    for (const QByteArray &chunk : chunks)
        producer.send(chunk);
    if (ending == Ending::EndBody)
        producer.end();
    return producer.waitResponse();
}

} // namespace

class tst_SsebufdNdjson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void linesDeliveredWhileRequestIsOpen();
    void contentLengthBody();
    void putFromCurlUpload();
    void crlfAndEmptyLines();
    void bodyLimitAppliesPerLine();
    void lineOverLimit413();
    void partialLineOverLimit413();
    void invalidJsonLine422();
    void invalidFieldLine422();
    void emptyLinesCountInLineNumbers();
    void lineAfterFinal409();
    void emptyLinesAfterFinalIgnored();
    void sessionEndedByAnotherProducer409();
    void sessionDeletedUnderStream409();
    void idleStream408();
    void idleTimerRestartsOnEveryByte();
    void answerFieldsWhenNothingAppended();
    void duplicatesCounted();
    void keyReusedWithOtherEvent422();
    void killedProducerResumesExactlyOnce();
    void retriedStreamAfterTheEnd();
    void cancelUnderStream409();
    void unknownSession404();
    void accessChecked();
    void idempotencyKeyHeaderRefused();
    void malformedChunk400();
    void pipelinedBehindAnotherRequest();
    void onlyThePublishRouteIsStreamed();
    void linesOfOnePassGoOutTogether();
    void morePerPassThanABatch();
    void metricsCountStreams();
    void shutdownAnswers503();

private:
    QString newSession();
    QString watchedSession(RawSseClient &subscriber);
    QString streamingSession(NdjsonProducer &producer);
    int storedAfterClose(NdjsonProducer &producer, const QString &sessionId);
    QJsonObject summary(const QString &sessionId);

    ServiceProcess m_service; // external pipeline, --max-body-bytes 2048
    HttpTestClient m_http;
};

void tst_SsebufdNdjson::initTestCase()
{
    QVERIFY2(m_service.start({"--pipeline", "external", "--max-body-bytes", "2048",
                              "--publish-idle-timeout", "60"}),
             qPrintable(m_service.errorText()));
}

QString tst_SsebufdNdjson::newSession()
{
    return startSession(m_http, m_service);
}

// A new session with the subscriber's stream open on it; empty when the stream did not open.
QString tst_SsebufdNdjson::watchedSession(RawSseClient &subscriber)
{
    const QString id = newSession();
    return openStream(subscriber, sseUrl(m_service, id)) ? id : QString();
}

// A new session whose stream from the producer is open with one event appended; empty when
// that did not happen.
QString tst_SsebufdNdjson::streamingSession(NdjsonProducer &producer)
{
    const QString id = newSession();
    if (!producer.open(id))
        return {};
    producer.send(line(progressEvent(1)));
    return QTest::qWaitFor([&] { return summary(id).value("last_seq").toInt() == 1; }, 5000)
        ? id
        : QString();
}

// Once the service closed the producer's connection: the session's last seq (-1 if it did
// not close).
int tst_SsebufdNdjson::storedAfterClose(NdjsonProducer &producer, const QString &sessionId)
{
    return producer.waitClosed() ? summary(sessionId).value("last_seq").toInt() : -1;
}

QJsonObject tst_SsebufdNdjson::summary(const QString &sessionId)
{
    return m_http.get(m_service.url(QStringLiteral("/api/admin/sessions/") + sessionId)).json();
}

void tst_SsebufdNdjson::linesDeliveredWhileRequestIsOpen()
{
    RawSseClient subscriber;
    const QString id = watchedSession(subscriber);
    QVERIFY(!id.isEmpty());
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id));
    producer.send(line(progressEvent(1)));
    // The first event reaches the subscriber while the request is still open.
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1}), 5000);
    QVERIFY(!producer.hasResponse());
    producer.send(line(progressEvent(2)).left(10));
    producer.send(line(progressEvent(2)).mid(10)); // a line split over two chunks
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1, 2}), 5000);
    QCOMPARE(subscriber.jsonEvents().at(1).value("message").toString(), QStringLiteral("step 2"));
    QVERIFY(!producer.hasResponse());
    producer.send(line(finalEvent()));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1, 2, 3}), 5000);
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(1, 3, 3, 0));
    QVERIFY(producer.waitClosed());
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isFinished(), 5000);
}

void tst_SsebufdNdjson::contentLengthBody()
{
    RawSseClient subscriber;
    const QString id = watchedSession(subscriber);
    QVERIFY(!id.isEmpty());
    const QByteArray first = line(progressEvent(1));
    const QByteArray second = line(progressEvent(2));
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id, NdjsonProducer::Framing::Length, first.size() + second.size()));
    producer.send(first);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1}), 5000);
    QVERIFY(!producer.hasResponse());
    producer.send(second);
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(1, 2, 2, 0));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1, 2}), 5000);
}

void tst_SsebufdNdjson::putFromCurlUpload()
{
    // "curl -T - URL" sends PUT with a chunked body.
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id, NdjsonProducer::Framing::Chunked, 0, {}, "PUT"));
    producer.send(line(progressEvent(1)) + line(finalEvent()));
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json().value("count").toInt(), 2);
    QCOMPARE(summary(id).value("state").toString(), QStringLiteral("completed"));
    // PUT with JSON is not a publish.
    const HttpTestReply json
        = m_http.sendCustom("PUT", eventsUrl(m_service, newSession()), line(progressEvent(1)),
                            {{"Content-Type", "application/json"}});
    QCOMPARE(json.status, 415);
}

void tst_SsebufdNdjson::crlfAndEmptyLines()
{
    const QString id = newSession();
    QByteArray crlf = line(progressEvent(1));
    crlf.chop(1);
    NdjsonProducer producer(m_service);
    QVERIFY(
        stream(producer, id, {"\r\n\n" + crlf + "\r\n\r\n   \n", line(progressEvent(2)) + "\n"}));
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(1, 2, 2, 0));
    QCOMPARE(summary(id).value("last_seq").toInt(), 2);
}

void tst_SsebufdNdjson::bodyLimitAppliesPerLine()
{
    // 20 lines of ~300 bytes: 6 KB in all, over the 2048-byte body limit, each line under it.
    const QString id = newSession();
    QByteArray body;
    for (int i = 1; i <= 20; ++i)
        body += line(progressEvent(i, QString(250, QLatin1Char('m'))));
    QVERIFY(body.size() > 3 * 2048);
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id, {body}));
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json().value("count").toInt(), 20);
}

void tst_SsebufdNdjson::lineOverLimit413()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(
        producer, id,
        {line(progressEvent(1)) + "\n" + line(progressEvent(2, QString(2100, QLatin1Char('x'))))},
        Ending::LeaveOpen));
    QCOMPARE(producer.status(), 413);
    const QJsonObject answer = producer.json();
    QCOMPARE(answer.value("line").toInt(), 3);
    QCOMPARE(answer.value("error").toString(), QStringLiteral("line_too_large"));
    QCOMPARE(answer.value("count").toInt(), 1); // the line before it stays appended
    QCOMPARE(storedAfterClose(producer, id), 1);
    QCOMPARE(summary(id).value("state").toString(), QStringLiteral("running"));
}

void tst_SsebufdNdjson::partialLineOverLimit413()
{
    // A line longer than the limit is refused before its end arrives.
    const QString id = newSession();
    const QByteArray unfinished
        = R"({"type":"t","status":"running","message":")" + QByteArray(3000, 'y');
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id, {unfinished}, Ending::LeaveOpen));
    QCOMPARE(producer.status(), 413);
    QCOMPARE(producer.json().value("line").toInt(), 1);
    QCOMPARE(storedAfterClose(producer, id), 0);
}

void tst_SsebufdNdjson::invalidJsonLine422()
{
    RawSseClient subscriber;
    const QString id = watchedSession(subscriber);
    QVERIFY(!id.isEmpty());
    NdjsonProducer producer(m_service);
    QVERIFY(stream(
        producer, id,
        {line(progressEvent(1)) + line(progressEvent(2)) + "{not json\n" + line(progressEvent(4))},
        Ending::LeaveOpen));
    QCOMPARE(producer.status(), 422);
    const QJsonObject answer = producer.json();
    QCOMPARE(answer.value("line").toInt(), 3);
    QVERIFY(answer.contains("field"));
    QVERIFY(answer.value("field").isNull());
    QCOMPARE(answer.value("error").toString(), QStringLiteral("invalid_json"));
    QCOMPARE(answer.value("last_seq").toInt(), 2);
    // The service stops reading and closes; the lines before stay, the ones after never come.
    QVERIFY(producer.waitClosed());
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64>({1, 2}), 5000);
    QCOMPARE(summary(id).value("last_seq").toInt(), 2);
    QCOMPARE(summary(id).value("state").toString(), QStringLiteral("running"));
}

void tst_SsebufdNdjson::invalidFieldLine422()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id));
    QJsonObject bad = progressEvent(2);
    bad.insert("status", "bogus");
    producer.send(line(progressEvent(1)));
    producer.send(line(bad));
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 422);
    QCOMPARE(producer.json().value("line").toInt(), 2);
    QCOMPARE(producer.json().value("field").toString(), QStringLiteral("status"));
    QCOMPARE(storedAfterClose(producer, id), 1);

    // A bad idempotency_key is a bad field too; nothing of the line is appended.
    const QString other = newSession();
    NdjsonProducer second(m_service);
    QVERIFY(stream(second, other, {line(keyed(progressEvent(1), QStringLiteral("has space")))},
                   Ending::LeaveOpen));
    QCOMPARE(second.status(), 422);
    QCOMPARE(second.json().value("field").toString(), QStringLiteral("idempotency_key"));
    QCOMPARE(second.json().value("line").toInt(), 1);
    QCOMPARE(summary(other).value("last_seq").toInt(), 0);
}

void tst_SsebufdNdjson::emptyLinesCountInLineNumbers()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id, {"\n\r\n" + line(progressEvent(1)) + "\n" + "[1,2]\r\n"},
                   Ending::LeaveOpen));
    QCOMPARE(producer.status(), 422);
    QCOMPARE(producer.json().value("line").toInt(), 5); // physical lines, empty ones included
    QCOMPARE(producer.json().value("count").toInt(), 1);
}

void tst_SsebufdNdjson::lineAfterFinal409()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id,
                   {line(progressEvent(1)) + line(finalEvent()) + "\n" + line(progressEvent(3))},
                   Ending::LeaveOpen));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("line").toInt(), 4);
    QCOMPARE(producer.json().value("last_seq").toInt(), 2);
    QCOMPARE(storedAfterClose(producer, id), 2);
    QCOMPARE(summary(id).value("state").toString(), QStringLiteral("completed"));
}

void tst_SsebufdNdjson::emptyLinesAfterFinalIgnored()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id, {line(finalEvent()), "\n\r\n\n"}));
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(1, 1, 1, 0));
}

void tst_SsebufdNdjson::sessionEndedByAnotherProducer409()
{
    NdjsonProducer producer(m_service);
    const QString id = streamingSession(producer);
    QVERIFY(!id.isEmpty());
    // Another producer ends the session: the open stream is answered at once, unprompted.
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), 2);
    QVERIFY(producer.waitResponse(5000));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("error").toString(), QStringLiteral("session_ended"));
    QCOMPARE(producer.json().value("count").toInt(), 1);
    QVERIFY(!producer.json().contains("reason"));
    QVERIFY(producer.waitClosed());
}

void tst_SsebufdNdjson::sessionDeletedUnderStream409()
{
    NdjsonProducer producer(m_service);
    const QString id = streamingSession(producer);
    QVERIFY(!id.isEmpty());
    const HttpTestReply deleted
        = m_http.sendCustom("DELETE", m_service.url(QStringLiteral("/api/admin/sessions/") + id));
    QCOMPARE(deleted.status, 204);
    QVERIFY(producer.waitResponse(5000));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("reason").toString(), QStringLiteral("deleted"));
    QVERIFY(producer.waitClosed());
}

void tst_SsebufdNdjson::idleStream408()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--publish-idle-timeout", "1"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    NdjsonProducer producer(service);
    QElapsedTimer sinceLastByte;
    QVERIFY(producer.open(id));
    producer.send(line(progressEvent(1)));
    sinceLastByte.start();
    QVERIFY(producer.waitResponse(10000));
    QVERIFY2(sinceLastByte.elapsed() >= 900, qPrintable(QString::number(sinceLastByte.elapsed())));
    QCOMPARE(producer.status(), 408);
    QCOMPARE(producer.json().value("error").toString(), QStringLiteral("request_timeout"));
    QCOMPARE(producer.json().value("count").toInt(), 1);
    QVERIFY(producer.waitClosed());

    // The timer also runs when nothing but the head came.
    NdjsonProducer silent(service);
    QVERIFY(silent.open(startSession(http, service)));
    QVERIFY(silent.waitResponse(10000));
    QCOMPARE(silent.status(), 408);
}

void tst_SsebufdNdjson::idleTimerRestartsOnEveryByte()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--publish-idle-timeout", "1"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    NdjsonProducer producer(service);
    QVERIFY(producer.open(id));
    // A line sent a few bytes at a time, 300 ms apart: 2.4 s in all, never 1 s silent.
    const QByteArray event = line(progressEvent(1));
    QElapsedTimer elapsed;
    elapsed.start();
    for (qsizetype at = 0; at < event.size(); at += event.size() / 8 + 1) {
        producer.send(event.mid(at, event.size() / 8 + 1));
        QTest::qWait(300);
        QVERIFY2(!producer.hasResponse(), producer.received().constData());
    }
    QVERIFY(elapsed.elapsed() > 1500);
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json().value("count").toInt(), 1);
}

void tst_SsebufdNdjson::answerFieldsWhenNothingAppended()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id, {"\n\n"}));
    QCOMPARE(producer.status(), 201);
    const QJsonObject answer = producer.json();
    QCOMPARE(answer.keys(), QStringList({"count", "duplicates", "first_seq", "last_seq"}));
    QVERIFY(answer.value("first_seq").isNull());
    QVERIFY(answer.value("last_seq").isNull());
    QCOMPARE(answer.value("count").toInt(), 0);
    QCOMPARE(answer.value("duplicates").toInt(), 0);

    // An empty Content-Length body too.
    NdjsonProducer empty(m_service);
    QVERIFY(empty.open(id, NdjsonProducer::Framing::Length, 0));
    QVERIFY(empty.waitResponse());
    QCOMPARE(empty.status(), 201);
    QVERIFY(empty.json().value("first_seq").isNull());
}

void tst_SsebufdNdjson::duplicatesCounted()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id));
    // A key twice in one stream (even in one pass), and a key a single publish used before.
    QCOMPARE(publishSeq(m_http, m_service, id, keyed(progressEvent(1), "k0")), 1);
    producer.send(line(keyed(progressEvent(1), "k0")) + line(keyed(progressEvent(2), "k1"))
                  + line(keyed(progressEvent(2), "k1")));
    producer.send(line(keyed(progressEvent(2), "k1")) + line(keyed(progressEvent(3), "k2")));
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(2, 3, 2, 3));
    QCOMPARE(summary(id).value("last_seq").toInt(), 3);
}

void tst_SsebufdNdjson::keyReusedWithOtherEvent422()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, id,
                   {line(keyed(progressEvent(1), "a")) + line(keyed(progressEvent(2), "b"))
                    + line(keyed(progressEvent(3), "a")) + line(keyed(progressEvent(4), "c"))},
                   Ending::LeaveOpen));
    QCOMPARE(producer.status(), 422);
    QCOMPARE(producer.json().value("line").toInt(), 3);
    QCOMPARE(producer.json().value("field").toString(), QStringLiteral("idempotency_key"));
    // The lines before it stay appended (the batch of the pass is split at the bad line).
    QCOMPARE(producer.json().value("count").toInt(), 2);
    QCOMPARE(storedAfterClose(producer, id), 2);
}

void tst_SsebufdNdjson::killedProducerResumesExactlyOnce()
{
    RawSseClient subscriber;
    const QString id = watchedSession(subscriber);
    QVERIFY(!id.isEmpty());
    QList<QByteArray> lines;
    for (int i = 1; i <= 12; ++i)
        lines.append(line(keyed(progressEvent(i), QStringLiteral("event-%1").arg(i))));
    lines.append(line(keyed(finalEvent(), QStringLiteral("event-final"))));
    {
        NdjsonProducer first(m_service);
        QVERIFY(first.open(id));
        for (int i = 0; i < 5; ++i)
            first.send(lines.at(i));
        first.send(lines.at(5).left(20)); // half a line: never appended
        QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence().size(), 5, 5000);
        first.abort(); // the producer dies mid-stream, without ending the body
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        metricValue(m_http.get(m_service.url(QStringLiteral("/metrics"))).body,
                    "ssebuf_publish_streams_open"),
        0, 5000);
    QCOMPARE(summary(id).value("last_seq").toInt(), 5);
    // It does not know what arrived: it sends everything again, with the same keys.
    NdjsonProducer second(m_service);
    QVERIFY(stream(second, id, lines));
    QCOMPARE(second.status(), 201);
    QCOMPARE(second.json(), answer(6, 13, 8, 5));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isFinished(), 5000);
    // Every event exactly once, in order: seqs 1..13, messages step 1..12 then the final.
    QCOMPARE(subscriber.sequence(), range(1, 13));
    const QList<QJsonObject> events = subscriber.jsonEvents();
    for (int i = 0; i < 12; ++i)
        QCOMPARE(events.at(i).value("message").toString(), QStringLiteral("step %1").arg(i + 1));
    QVERIFY(events.at(12).value("final").toBool());
    QVERIFY(!events.at(0).contains("idempotency_key")); // consumed by the service
}

void tst_SsebufdNdjson::retriedStreamAfterTheEnd()
{
    // The final event was appended but the answer was lost: the retried stream is all
    // duplicates and answers 201, not 409; a new event after it still gets 409.
    const QString id = newSession();
    const QByteArray body = line(keyed(progressEvent(1), "r1")) + line(keyed(finalEvent(), "rf"));
    QCOMPARE(m_http.post(eventsUrl(m_service, id), body, "application/x-ndjson").status, 201);
    NdjsonProducer retry(m_service);
    QVERIFY(stream(retry, id, {body}));
    QCOMPARE(retry.status(), 201);
    QCOMPARE(retry.json(), answer(QJsonValue(), QJsonValue(), 0, 2));
    NdjsonProducer late(m_service);
    QVERIFY(stream(late, id, {line(progressEvent(3))}, Ending::LeaveOpen));
    QCOMPARE(late.status(), 409);
    QCOMPARE(late.json().value("line").toInt(), 1);
    QCOMPARE(summary(id).value("last_seq").toInt(), 2);
}

void tst_SsebufdNdjson::cancelUnderStream409()
{
    NdjsonProducer producer(m_service);
    const QString id = streamingSession(producer);
    QVERIFY(!id.isEmpty());
    const HttpTestReply cancelled = m_http.postJson(
        m_service.url(QStringLiteral("/api/refactor/%1/cancel").arg(id)), {{"reason", "stop"}});
    QCOMPARE(cancelled.status, 200);
    QCOMPARE(cancelled.json().value("seq").toInt(), 2);
    QVERIFY(producer.waitResponse(5000));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("reason").toString(), QStringLiteral("cancelled"));
    QCOMPARE(producer.json().value("count").toInt(), 1);
    QVERIFY(producer.waitClosed());
}

void tst_SsebufdNdjson::unknownSession404()
{
    NdjsonProducer producer(m_service);
    QVERIFY(stream(producer, QStringLiteral("session_unknown"), {line(progressEvent(1))},
                   Ending::LeaveOpen));
    QCOMPARE(producer.status(), 404);
    QVERIFY(producer.waitClosed());
}

void tst_SsebufdNdjson::accessChecked()
{
    const QString tokenFile = QDir::temp().filePath(QStringLiteral("ssebuf-ndjson-token"));
    QFile file(tokenFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("s3cret\n");
    file.close();
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--admin-token-file", tokenFile}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    const QList<QPair<QByteArray, int>> cases
        = {{QByteArray(), 401}, {"Authorization: Bearer wrong\r\n", 403}};
    for (const auto &[header, expected] : cases) {
        NdjsonProducer producer(service);
        QVERIFY(producer.open(id, NdjsonProducer::Framing::Chunked, 0, header));
        producer.send(line(progressEvent(1)));
        QVERIFY(producer.waitResponse());
        QCOMPARE(producer.status(), expected);
        QVERIFY(producer.waitClosed());
    }
    NdjsonProducer allowed(service);
    QVERIFY(
        allowed.open(id, NdjsonProducer::Framing::Chunked, 0, "Authorization: Bearer s3cret\r\n"));
    allowed.send(line(progressEvent(1)));
    allowed.end();
    QVERIFY(allowed.waitResponse());
    QCOMPARE(allowed.status(), 201);
    QCOMPARE(allowed.json().value("first_seq").toInt(), 1); // the refused ones appended nothing
    QFile::remove(tokenFile);
}

void tst_SsebufdNdjson::idempotencyKeyHeaderRefused()
{
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id, NdjsonProducer::Framing::Chunked, 0, "Idempotency-Key: k1\r\n"));
    producer.send(line(progressEvent(1)));
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 400);
    QCOMPARE(producer.json().value("field").toString(), QStringLiteral("Idempotency-Key"));
    QCOMPARE(summary(id).value("last_seq").toInt(), 0);
}

void tst_SsebufdNdjson::malformedChunk400()
{
    NdjsonProducer producer(m_service);
    const QString id = streamingSession(producer);
    QVERIFY(!id.isEmpty());
    producer.sendRaw("zz\r\n");
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 400);
    QCOMPARE(storedAfterClose(producer, id), 1);
}

void tst_SsebufdNdjson::pipelinedBehindAnotherRequest()
{
    // Behind a request the server has not read yet, the stream is read whole: same answers.
    const QString id = newSession();
    const QByteArray body = line(progressEvent(1)) + line(progressEvent(2));
    const QByteArray request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                               "POST /api/sessions/"
        + id.toUtf8()
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
          "Content-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    const RawExchange exchange = rawExchange(m_service, request, [](const QByteArray &received) {
        return received.count("HTTP/1.1 ") >= 2 && received.endsWith("}");
    });
    QCOMPARE(exchange.status(), 200);
    QCOMPARE(exchange.received.count("HTTP/1.1 "), 2);
    QVERIFY(exchange.received.contains("HTTP/1.1 201 "));
    QCOMPARE(QJsonDocument::fromJson(exchange.lastBody()).object().value("count").toInt(), 2);
    QCOMPARE(summary(id).value("last_seq").toInt(), 2);
}

void tst_SsebufdNdjson::onlyThePublishRouteIsStreamed()
{
    // Another route with an NDJSON Content-Type reads its body whole, as usual: the cancel
    // gets its reason.
    const QString id = newSession();
    const HttpTestReply cancelled
        = m_http.post(m_service.url(QStringLiteral("/api/refactor/%1/cancel").arg(id)),
                      R"({"reason":"the user pressed Stop"})", "application/x-ndjson");
    QCOMPARE(cancelled.status, 200);
    RawSseClient reader;
    QVERIFY(readWholeStream(reader, sseUrl(m_service, id)));
    QCOMPARE(reader.jsonEvents().constLast().value("message").toString(),
             QStringLiteral("the user pressed Stop"));
}

void tst_SsebufdNdjson::linesOfOnePassGoOutTogether()
{
    // 20 lines in one write: one store call, and the subscriber gets them in one or two sends
    // (not twenty).
    RawSseClient subscriber;
    const QString id = watchedSession(subscriber);
    QVERIFY(!id.isEmpty());
    const QByteArray before = m_http.get(m_service.url(QStringLiteral("/metrics"))).body;
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id));
    QByteArray lines;
    for (int i = 1; i <= 20; ++i)
        lines += line(progressEvent(i));
    producer.send(lines);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence().size(), 20, 5000);
    const QByteArray after = m_http.get(m_service.url(QStringLiteral("/metrics"))).body;
    const qint64 sends = metricValue(after, "ssebuf_stream_send_calls_total")
        - metricValue(before, "ssebuf_stream_send_calls_total");
    QVERIFY2(sends >= 1 && sends <= 3, qPrintable(QString::number(sends)));
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.json().value("count").toInt(), 20);
}

void tst_SsebufdNdjson::morePerPassThanABatch()
{
    // One write of 23 lines with --max-batch-events 5: appended as several batches, in order.
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--max-batch-events", "5"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    RawSseClient subscriber;
    QVERIFY(openStream(subscriber, sseUrl(service, id)));
    QByteArray lines;
    for (int i = 1; i <= 22; ++i)
        lines += line(progressEvent(i));
    NdjsonProducer producer(service);
    QVERIFY(stream(producer, id, {lines + line(finalEvent())}));
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(), answer(1, 23, 23, 0));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isFinished(), 5000);
    QCOMPARE(subscriber.sequence(), range(1, 23));
}

void tst_SsebufdNdjson::metricsCountStreams()
{
    const QUrl metrics = m_service.url(QStringLiteral("/metrics"));
    const QByteArray before = m_http.get(metrics).body;
    QCOMPARE(metricValue(before, "ssebuf_publish_streams_open"), 0);
    const QString id = newSession();
    NdjsonProducer producer(m_service);
    QVERIFY(producer.open(id));
    producer.send(line(progressEvent(1)) + "\n" + line(progressEvent(2)));
    QTRY_COMPARE_WITH_TIMEOUT(summary(id).value("last_seq").toInt(), 2, 5000);
    const QByteArray during = m_http.get(metrics).body;
    QCOMPARE(metricValue(during, "ssebuf_publish_streams_open"), 1);
    QCOMPARE(metricValue(during, "ssebuf_publish_stream_lines_total")
                 - metricValue(before, "ssebuf_publish_stream_lines_total"),
             2);
    producer.end();
    QVERIFY(producer.waitResponse());
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(m_http.get(metrics).body, "ssebuf_publish_streams_open"),
                              0, 5000);
}

void tst_SsebufdNdjson::shutdownAnswers503()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external"}), qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    NdjsonProducer producer(service);
    QVERIFY(producer.open(id));
    producer.send(line(progressEvent(1)));
    QTRY_COMPARE_WITH_TIMEOUT(
        http.get(service.url(QStringLiteral("/api/admin/sessions/") + id)).json().value("last_seq"),
        QJsonValue(1), 5000);
    service.process().terminate(); // SIGTERM: the open stream is told, then the service exits
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 503);
    QCOMPARE(producer.json().value("error").toString(), QStringLiteral("shutting_down"));
    QCOMPARE(producer.json().value("count").toInt(), 1);
    QVERIFY(producer.received().contains("Retry-After: "));
    QVERIFY(service.process().waitForFinished(15000));
    QCOMPARE(service.process().exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_SsebufdNdjson)
#include "tst_ssebufd_ndjson.moc"
