#include "sessionapi.h"

#include "apianswer.h"
#include "apipaths.h"
#include "core/contextcallback.h"
#include "http/httpexchange.h"
#include "http/router.h"
#include "http/streamconnection.h"
#include "isotime.h"
#include "session/sessionmanager.h"
#include "sse/subscriberhub.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ssebuf {

namespace {

struct StreamStart
{
    enum Kind { Resume, Now, Tail };
    Kind kind = Resume;
    qint64 resumeFrom = 0; // Resume
    qint64 tail = 0; // Tail
};

// Resume point from Last-Event-ID (the header wins) or ?last_event_id=; 0 for none.
std::optional<qint64> resumePoint(const HttpRequest &request, ApiError *error)
{
    QByteArray text;
    if (request.hasHeader("last-event-id"))
        text = request.header("last-event-id").trimmed();
    else if (request.query.hasQueryItem(QStringLiteral("last_event_id")))
        text = request.query.queryItemValue(QStringLiteral("last_event_id"), QUrl::FullyDecoded)
                   .trimmed()
                   .toUtf8();
    if (text.isEmpty())
        return 0;
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    // Ids past 2^53 - 1 (the largest integer a JSON client holds exactly) were never sent;
    // INT64_MAX made the subscriber's next seq overflow and crashed the service.
    if (!ok || value < 0 || value > 9007199254740991) {
        *error = ApiError {
            400, QStringLiteral("invalid_last_event_id"),
            QStringLiteral(
                "Last-Event-ID must be a non-negative integer (an id this service sent)"),
            QStringLiteral("last_event_id")};
        return std::nullopt;
    }
    return value;
}

ApiError badStart(const QString &field, const QString &message)
{
    return ApiError {400, QStringLiteral("invalid_start"), message, field};
}

// Contract section 14: where a stream starts. Last-Event-ID (the header) wins over
// ?from=now and ?tail=N, so a browser reconnecting to a ?tail= URL resumes.
std::optional<StreamStart> streamStart(const HttpRequest &request, ApiError *error)
{
    const QUrlQuery &query = request.query;
    const bool hasFrom = query.hasQueryItem(QStringLiteral("from"));
    const bool hasTail = query.hasQueryItem(QStringLiteral("tail"));
    if (hasFrom && hasTail) {
        *error
            = badStart(QStringLiteral("tail"), QStringLiteral("from and tail exclude each other"));
        return std::nullopt;
    }
    if ((hasFrom || hasTail) && query.hasQueryItem(QStringLiteral("last_event_id"))) {
        *error = badStart(hasFrom ? QStringLiteral("from") : QStringLiteral("tail"),
                          QStringLiteral("last_event_id excludes from and tail"));
        return std::nullopt;
    }
    StreamStart start;
    if (hasFrom) {
        if (query.queryItemValue(QStringLiteral("from")) != QLatin1String("now")) {
            *error = badStart(QStringLiteral("from"), QStringLiteral("from must be now"));
            return std::nullopt;
        }
        start.kind = StreamStart::Now;
    } else if (hasTail) {
        bool ok = false;
        start.tail = query.queryItemValue(QStringLiteral("tail")).toLongLong(&ok);
        if (!ok || start.tail < 1 || start.tail > 9007199254740991) {
            *error = badStart(QStringLiteral("tail"),
                              QStringLiteral("tail must be an integer of at least 1"));
            return std::nullopt;
        }
        start.kind = StreamStart::Tail;
    }
    const std::optional<qint64> resume = resumePoint(request, error);
    if (!resume)
        return std::nullopt;
    start.resumeFrom = *resume;
    if (request.hasHeader("last-event-id"))
        start.kind = StreamStart::Resume;
    return start;
}

} // namespace

SessionApi::SessionApi(SessionManager *sessions, SubscriberHub *hub, const AccessPolicy &access,
                       int retryAfterSeconds, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_hub(hub)
    , m_access(access)
    , m_retryAfterSeconds(retryAfterSeconds)
{
}

void SessionApi::registerRoutes(Router &router)
{
    router.add("POST", ApiPaths::startSession(),
               [this](HttpExchange &exchange, const QStringList &) { startSession(exchange); });
    router.add("GET", ApiPaths::sessionStream(ApiPaths::RouteArg),
               [this](HttpExchange &exchange, const QStringList &args) {
                   streamSession(exchange, args.at(0));
               });
    router.add("GET", ApiPaths::health(),
               [this](HttpExchange &exchange, const QStringList &) { health(exchange); });
}

void SessionApi::startSession(HttpExchange &exchange)
{
    if (const auto notJson = ApiAnswer::unlessJsonBody(exchange.request())) {
        exchange.respond(*notJson);
        return;
    }
    ApiError error;
    const std::optional<StartRequest> request
        = StartRequest::parse(exchange.request().body, &error);
    if (!request) {
        exchange.respond(HttpResponse::error(error));
        return;
    }
    m_sessions->startSession(
        *request,
        withContext<const StartOutcome &>(
            &exchange, [this, &exchange](const StartOutcome &outcome) {
                if (outcome.producersBusy) {
                    exchange.respond(
                        HttpResponse::error(
                            503, QStringLiteral("too_many_producers"),
                            QStringLiteral("the service runs its maximum of producer processes "
                                           "(--exec-max-producers); retry later"))
                            .withHeader("Retry-After", QByteArray::number(m_retryAfterSeconds)));
                    return;
                }
                switch (outcome.status) {
                case CreateStatus::Full:
                    exchange.respond(
                        HttpResponse::error(
                            503, QStringLiteral("too_many_sessions"),
                            QStringLiteral(
                                "the service holds its maximum number of sessions; retry later"))
                            .withHeader("Retry-After", QByteArray::number(m_retryAfterSeconds)));
                    return;
                case CreateStatus::Unavailable:
                    exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
                    return;
                case CreateStatus::Created:
                    break;
                }
                const QString sseUrl = ApiPaths::sessionStream(outcome.sessionId);
                exchange.respond(
                    HttpResponse::json(
                        201,
                        QJsonObject {
                            {QStringLiteral("session_id"), outcome.sessionId},
                            {QStringLiteral("status"), QStringLiteral("started")},
                            {QStringLiteral("sse_url"), sseUrl},
                            {QStringLiteral("created_at"), isoUtcFromMs(outcome.createdAtMs)},
                        })
                        .withHeader("Location", sseUrl.toUtf8()));
            }));
}

void SessionApi::streamSession(HttpExchange &exchange, const QString &sessionId)
{
    ApiError error;
    const std::optional<StreamStart> start = streamStart(exchange.request(), &error);
    if (!start) {
        exchange.respond(HttpResponse::error(error));
        return;
    }
    m_sessions->store()->findSession(
        sessionId,
        withContext<const std::optional<SessionSummary> &>(
            &exchange,
            [this, &exchange, sessionId,
             start = *start](const std::optional<SessionSummary> &summary) {
                if (!m_sessions->store()->isAvailable()) {
                    exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
                    return;
                }
                if (!summary) {
                    exchange.respond(ApiAnswer::sessionNotFound());
                    return;
                }
                qint64 resumeFrom = start.resumeFrom;
                if (start.kind == StreamStart::Now)
                    resumeFrom = summary->lastSeq;
                else if (start.kind == StreamStart::Tail)
                    // The last N still buffered: the skipped ones were asked to be skipped,
                    // so no gap is reported for them.
                    resumeFrom = std::max(summary->lastSeq - start.tail,
                                          summary->firstSeq > 0 ? summary->firstSeq - 1
                                                                : summary->lastSeq);
                if (summary->isFinished()
                    && (start.kind != StreamStart::Resume || resumeFrom >= summary->lastSeq)) {
                    // Nothing more will come: 204 stops EventSource from reconnecting.
                    exchange.respond(HttpResponse::empty(204));
                    return;
                }
                const QString peer = exchange.request().peerText();
                if (std::unique_ptr<StreamConnection> stream = exchange.startEventStream())
                    m_hub->subscribe(std::move(stream), sessionId, resumeFrom, peer);
            }));
}

void SessionApi::health(HttpExchange &exchange)
{
    SessionStore *store = m_sessions->store();
    if (!store->isAvailable()) {
        exchange.respond(HttpResponse::json(
            503,
            QJsonObject {{QStringLiteral("status"), QStringLiteral("unavailable")},
                         {QStringLiteral("store"), QStringLiteral("unreachable")}}));
        return;
    }
    exchange.respond(
        HttpResponse::json(200, QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")}}));
}

} // namespace ssebuf
