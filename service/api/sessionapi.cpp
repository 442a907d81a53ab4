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
    router.add("POST", ApiPaths::sessionEvents(ApiPaths::RouteArg),
               [this](HttpExchange &exchange, const QStringList &args) {
                   publishEvent(exchange, args.at(0));
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
    const std::optional<qint64> resume = resumePoint(exchange.request(), &error);
    if (!resume) {
        exchange.respond(HttpResponse::error(error));
        return;
    }
    const qint64 resumeFrom = *resume;
    m_sessions->store()->findSession(
        sessionId,
        withContext<const std::optional<SessionSummary> &>(
            &exchange,
            [this, &exchange, sessionId, resumeFrom](const std::optional<SessionSummary> &summary) {
                if (!m_sessions->store()->isAvailable()) {
                    exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
                    return;
                }
                if (!summary) {
                    exchange.respond(ApiAnswer::sessionNotFound());
                    return;
                }
                if (summary->isFinished() && resumeFrom >= summary->lastSeq) {
                    // Nothing more will come: 204 stops EventSource from reconnecting.
                    exchange.respond(HttpResponse::empty(204));
                    return;
                }
                const QString peer = exchange.request().peerText();
                if (std::unique_ptr<StreamConnection> stream = exchange.startEventStream())
                    m_hub->subscribe(std::move(stream), sessionId, resumeFrom, peer);
            }));
}

void SessionApi::publishEvent(HttpExchange &exchange, const QString &sessionId)
{
    if (const auto denied = m_access.checkPublish(exchange.request())) {
        exchange.respond(ApiAnswer::denied(*denied));
        return;
    }
    if (const auto notJson = ApiAnswer::unlessJsonBody(exchange.request())) {
        exchange.respond(*notJson);
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(exchange.request().body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        exchange.respond(HttpResponse::error(400, QStringLiteral("invalid_json"),
                                             QStringLiteral("the body must be a JSON object")));
        return;
    }
    ApiError error;
    const std::optional<EventDraft> draft = EventDraft::fromJson(document.object(), &error);
    if (!draft) {
        exchange.respond(HttpResponse::error(error));
        return;
    }
    m_sessions->publish(
        sessionId, *draft,
        withContext<const AppendResult &>(&exchange, [this, &exchange](const AppendResult &result) {
            switch (result.status) {
            case AppendStatus::Appended:
                exchange.respond(HttpResponse::json(
                    201, QJsonObject {{QStringLiteral("seq"), result.event->seq}}));
                return;
            case AppendStatus::NotFound:
                exchange.respond(ApiAnswer::sessionNotFound());
                return;
            case AppendStatus::Ended:
                exchange.respond(HttpResponse::error(
                    409, QStringLiteral("session_ended"),
                    QStringLiteral("the session already has its terminal event")));
                return;
            case AppendStatus::TooLarge:
                exchange.respond(HttpResponse::error(ApiError {
                    422, QStringLiteral("event_too_large"),
                    QStringLiteral("the encoded event is larger than the per-session buffer limit"),
                    QStringLiteral("message")}));
                return;
            case AppendStatus::Unavailable:
                exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
                return;
            }
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
