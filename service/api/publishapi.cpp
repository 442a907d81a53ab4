#include "publishapi.h"

#include "apipaths.h"
#include "core/contextcallback.h"
#include "core/jsonwriter.h"
#include "http/httpexchange.h"
#include "http/router.h"
#include "http/streamedrequestbody.h"
#include "session/fasteventdecoder.h"
#include "session/publishservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cstring>

namespace ssebuf {

namespace {

QJsonValue seqOrNull(qint64 seq)
{
    return seq > 0 ? QJsonValue(seq) : QJsonValue();
}

HttpResponse withIndex(const ApiError &error, int index)
{
    QJsonObject json = error.toJson();
    json.insert(QStringLiteral("index"), index);
    return HttpResponse::json(error.httpStatus, json);
}

} // namespace

PublishApi::PublishApi(PublishService *publisher, const AccessPolicy &access,
                       const Options &options, QObject *parent)
    : QObject(parent)
    , m_publisher(publisher)
    , m_access(access)
    , m_options(options)
    , m_streamAppender(publisher)
{
    SessionStore *store = publisher->store();
    connect(store, &SessionStore::sessionEnded, this, &PublishApi::store_sessionEnded);
    connect(store, &SessionStore::sessionRemoved, this, &PublishApi::store_sessionRemoved);
}

void PublishApi::store_sessionEnded(const SessionSummary &summary)
{
    // A copy: a stream may answer, finish and be destroyed (deleteLater) meanwhile.
    const QList<NdjsonPublishStream *> streams = m_streamsBySession.values(summary.sessionId);
    for (NdjsonPublishStream *stream : streams) {
        if (m_streamsBySession.contains(summary.sessionId, stream))
            stream->sessionEnded(summary);
    }
}

void PublishApi::store_sessionRemoved(const QString &sessionId, RemovalReason reason)
{
    const QList<NdjsonPublishStream *> streams = m_streamsBySession.values(sessionId);
    for (NdjsonPublishStream *stream : streams) {
        if (m_streamsBySession.contains(sessionId, stream))
            stream->sessionRemoved(reason);
    }
}

void PublishApi::registerRoutes(Router &router)
{
    router.add(
        "POST", ApiPaths::sessionEvents(ApiPaths::RouteArg),
        [this](HttpExchange &exchange, const QStringList &args) { publish(exchange, args.at(0)); });
    // "curl -T - URL" (contract section 12) sends PUT: a streaming publish either way.
    router.add("PUT", QStringLiteral("/api/sessions/{}/events"),
               [this](HttpExchange &exchange, const QStringList &args) {
                   if (!StreamedRequestBody::isStreamedMediaType(
                           exchange.request().header("content-type"))) {
                       exchange.respond(HttpResponse::error(
                           415, QStringLiteral("unsupported_media_type"),
                           QStringLiteral("PUT takes Content-Type application/x-ndjson (a "
                                          "streaming publish); use POST for JSON")));
                       return;
                   }
                   publish(exchange, args.at(0));
               });
    router.add(
        "POST", ApiPaths::sessionCancel(ApiPaths::RouteArg),
        [this](HttpExchange &exchange, const QStringList &args) { cancel(exchange, args.at(0)); });
}

QByteArray PublishApi::seqAnswer(qint64 seq)
{
    // {"seq":n} in one allocation (the answer to every one-event publish).
    char digits[24];
    const qsizetype count = JsonWriter::formatNumber(digits, seq);
    QByteArray answer(8 + count, Qt::Uninitialized);
    char *out = answer.data();
    std::memcpy(out, "{\"seq\":", 7);
    std::memcpy(out + 7, digits + sizeof digits - count, size_t(count));
    out[7 + count] = '}';
    return answer;
}

bool PublishApi::allowed(const HttpRequest &request, const Reply &reply) const
{
    // Publish and cancel: the publish token (--publish-token-file) or the admin token.
    if (const auto denied = m_access.checkPublish(request)) {
        reply(HttpResponse::error(*denied).withHeader("WWW-Authenticate", "Bearer"));
        return false;
    }
    return true;
}

bool PublishApi::decodeBody(const HttpRequest &request, const Reply &reply, bool *isBatch,
                            QList<PublishEvent> *events)
{
    // The common body (ASCII, no data or idempotency_key field, every event valid) without
    // QJsonDocument; everything else, every error included, takes Qt's path below.
    if (std::optional<QList<PublishEvent>> fast
        = FastEventDecoder::decode(request.body, m_options.maxBatchEvents, isBatch)) {
        *events = std::move(*fast);
        return true;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError
        || (!document.isObject() && !document.isArray())) {
        reply(HttpResponse::error(400, QStringLiteral("invalid_json"),
                                  QStringLiteral("the body must be a JSON object or an array of "
                                                 "event objects")));
        return false;
    }
    *isBatch = document.isArray();
    if (*isBatch) {
        const QJsonArray array = document.array();
        if (array.isEmpty() || array.size() > m_options.maxBatchEvents) {
            reply(HttpResponse::error(ApiError {
                422,
                array.isEmpty() ? QStringLiteral("empty_batch") : QStringLiteral("batch_too_large"),
                QStringLiteral("a batch holds 1 to %1 events (--max-batch-events)")
                    .arg(m_options.maxBatchEvents),
                {}}));
            return false;
        }
        for (int i = 0; i < array.size(); ++i) {
            ApiError error {422,
                            QStringLiteral("invalid_event"),
                            QStringLiteral("each element must be an event object"),
                            {}};
            std::optional<PublishEvent> event;
            if (array.at(i).isObject())
                event = PublishEvent::fromJson(array.at(i).toObject(), &error);
            if (!event) {
                reply(withIndex(error, i));
                return false;
            }
            events->append(std::move(*event));
        }
    } else {
        ApiError error;
        std::optional<PublishEvent> event = PublishEvent::fromJson(document.object(), &error);
        if (!event) {
            reply(HttpResponse::error(error));
            return false;
        }
        events->append(std::move(*event));
    }
    return true;
}

namespace {

// The media type before any parameter, compared without copies (this runs per publish).
QByteArrayView mediaTypeOf(const QByteArray &contentType)
{
    QByteArrayView mime(contentType);
    if (const qsizetype semicolon = mime.indexOf(';'); semicolon >= 0)
        mime = mime.first(semicolon);
    return mime.trimmed();
}

bool isStreamedMediaType(QByteArrayView mime)
{
    return equalsIgnoringAsciiCase(mime, "application/x-ndjson");
}

} // namespace

void PublishApi::publish(HttpExchange &exchange, const QString &sessionId)
{
    const HttpRequest &request = exchange.request();
    const Reply reply = [&exchange](const HttpResponse &response) { exchange.respond(response); };
    if (!allowed(request, reply))
        return;
    const QByteArray contentType = request.header("content-type");
    const QByteArrayView mime = mediaTypeOf(contentType);
    if (isStreamedMediaType(mime)) {
        publishStream(exchange, sessionId);
        return;
    }
    publishJson(request, mime, sessionId, &exchange, reply);
}

bool PublishApi::publishAtOnce(const HttpRequest &request, const QString &sessionId,
                               HttpResponse *answer)
{
    const QByteArray contentType = request.header("content-type");
    const QByteArrayView mime = mediaTypeOf(contentType);
    if (!m_publisher->store()->answersAtOnce() || isStreamedMediaType(mime))
        return false;
    bool answered = false;
    const Reply reply = [answer, &answered](const HttpResponse &response) {
        *answer = response;
        answered = true;
    };
    // The store answers before publishJson() returns (no context: nothing outlives reply).
    if (allowed(request, reply))
        publishJson(request, mime, sessionId, nullptr, reply);
    Q_ASSERT(answered);
    return answered;
}

void PublishApi::publishJson(const HttpRequest &request, QByteArrayView mime,
                             const QString &sessionId, QObject *context, Reply reply)
{
    if (!equalsIgnoringAsciiCase(mime, "application/json")) {
        reply(HttpResponse::error(415, QStringLiteral("unsupported_media_type"),
                                  QStringLiteral("Content-Type must be application/json")));
        return;
    }
    const bool hasKey = request.hasHeader("idempotency-key");
    const QByteArray requestKey = request.header("idempotency-key");
    if (hasKey && !PublishService::isValidKey(requestKey)) {
        reply(HttpResponse::error(
            400, QStringLiteral("invalid_idempotency_key"),
            QStringLiteral(
                "Idempotency-Key must be 1..255 printable ASCII characters ('!' to '~')")));
        return;
    }
    bool isBatch = false;
    QList<PublishEvent> events;
    if (!decodeBody(request, reply, &isBatch, &events))
        return;
    const QByteArray key = hasKey ? requestKey : QByteArray();
    if (!context) {
        // The at-once lane: answered before publishRequest() returns, so the callback points
        // at this frame (no allocation, no copy of reply).
        struct Frame
        {
            PublishApi *self;
            const Reply *reply;
            bool isBatch;
        } frame {this, &reply, isBatch};
        m_publisher->publishRequest(
            sessionId, events, key, request.body, [&frame](const PublishOutcome &outcome) {
                frame.self->answerOutcome(*frame.reply, outcome, frame.isBatch);
            });
        return;
    }
    m_publisher->publishRequest(
        sessionId, events, key, request.body,
        withContext<const PublishOutcome &>(
            context, [this, reply = std::move(reply), isBatch](const PublishOutcome &outcome) {
                answerOutcome(reply, outcome, isBatch);
            }));
}

void PublishApi::answerOutcome(const Reply &reply, const PublishOutcome &outcome, bool isBatch)
{
    if (outcome.status != PublishOutcome::Status::Appended) {
        respondFailure(reply, outcome, isBatch);
        return;
    }
    const bool duplicate = outcome.duplicateRequest || outcome.count == 0;
    if (!isBatch && !duplicate) {
        // The common answer, {"seq":n} as QJsonDocument writes it, without one.
        reply(HttpResponse::text(201, "application/json", seqAnswer(outcome.seqs.value(0))));
        return;
    }
    QJsonObject answer;
    if (!isBatch) {
        answer.insert(QStringLiteral("seq"),
                      outcome.duplicateRequest ? outcome.firstSeq : outcome.seqs.value(0));
    } else {
        answer.insert(QStringLiteral("first_seq"), seqOrNull(outcome.firstSeq));
        answer.insert(QStringLiteral("last_seq"), seqOrNull(outcome.lastSeq));
        answer.insert(QStringLiteral("count"), outcome.count);
        answer.insert(QStringLiteral("duplicates"), outcome.duplicates);
    }
    // "duplicate": the request appended nothing because it was seen before (a
    // batch whose every event is a duplicate only says so by its count).
    if (outcome.duplicateRequest || (!isBatch && duplicate))
        answer.insert(QStringLiteral("duplicate"), true);
    reply(HttpResponse::json(duplicate ? 200 : 201, answer));
}

void PublishApi::closeStreams()
{
    const QList<NdjsonPublishStream *> streams = findChildren<NdjsonPublishStream *>();
    for (NdjsonPublishStream *stream : streams)
        stream->stopForShutdown();
}

void PublishApi::publishStream(HttpExchange &exchange, const QString &sessionId)
{
    if (exchange.request().hasHeader("idempotency-key")) {
        // The answer of a stream comes at its end: a retry could not be told from a new
        // stream. Each line carries its own key instead.
        exchange.respond(HttpResponse::error(ApiError {
            400, QStringLiteral("invalid_idempotency_key"),
            QStringLiteral("a streaming publish takes per-event \"idempotency_key\" fields, "
                           "not an Idempotency-Key header"),
            QStringLiteral("Idempotency-Key")}));
        return;
    }
    NdjsonPublishStream::Options options;
    options.maxLineBytes = m_options.maxLineBytes;
    options.idleTimeoutMs = m_options.publishIdleTimeoutMs;
    options.retryAfterSeconds = m_options.retryAfterSeconds;
    options.maxBatchEvents = m_options.maxBatchEvents;
    auto *stream = new NdjsonPublishStream(exchange, sessionId, m_publisher->store(),
                                           &m_streamAppender, options, m_streamStats, this);
    m_streamsBySession.insert(sessionId, stream);
    connect(stream, &QObject::destroyed, this,
            [this, sessionId, stream] { m_streamsBySession.remove(sessionId, stream); });
    stream->start();
}

void PublishApi::respondFailure(const Reply &reply, const PublishOutcome &outcome, bool isBatch)
{
    QJsonObject json = outcome.error.toJson();
    if (outcome.status == PublishOutcome::Status::Ended && !outcome.endedReason.isEmpty())
        json.insert(QStringLiteral("reason"), outcome.endedReason);
    if (outcome.status == PublishOutcome::Status::Rejected && isBatch && outcome.index >= 0)
        json.insert(QStringLiteral("index"), outcome.index);
    HttpResponse response = HttpResponse::json(outcome.error.httpStatus, json);
    if (outcome.status == PublishOutcome::Status::Unavailable)
        response.withHeader("Retry-After", QByteArray::number(m_options.retryAfterSeconds));
    reply(response);
}

void PublishApi::cancel(HttpExchange &exchange, const QString &sessionId)
{
    const Reply reply = [&exchange](const HttpResponse &response) { exchange.respond(response); };
    if (!allowed(exchange.request(), reply))
        return;
    const QByteArray body = exchange.request().body.trimmed();
    QString reason;
    if (!body.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            exchange.respond(HttpResponse::error(
                400, QStringLiteral("invalid_json"),
                QStringLiteral("the body must be empty or a JSON object {\"reason\": \"...\"}")));
            return;
        }
        const QJsonValue value = document.object().value(QLatin1String("reason"));
        if (!value.isUndefined()) {
            if (!value.isString() || value.toString().toUcs4().size() > 256) {
                exchange.respond(HttpResponse::error(
                    ApiError {422, QStringLiteral("invalid_reason"),
                              QStringLiteral("reason must be a string of at most 256 characters"),
                              QStringLiteral("reason")}));
                return;
            }
            reason = value.toString();
        }
    }
    m_publisher->cancel(sessionId, reason,
                        withContext<const PublishOutcome &>(
                            &exchange, [this, &exchange, reply](const PublishOutcome &outcome) {
                                if (outcome.status != PublishOutcome::Status::Appended) {
                                    respondFailure(reply, outcome, false);
                                    return;
                                }
                                exchange.respond(HttpResponse::json(
                                    200, QJsonObject {{QStringLiteral("seq"), outcome.lastSeq}}));
                            }));
}

} // namespace ssebuf
