#include "adminapi.h"

#include "admin/adminfeed.h"
#include "apianswer.h"
#include "apipaths.h"
#include "core/contextcallback.h"
#include "http/httpexchange.h"
#include "http/router.h"
#include "http/streamconnection.h"
#include "metrics/servicemetrics.h"
#include "sse/subscriberhub.h"
#include "store/sessionstore.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace ssebuf {

namespace {

// A non-negative integer query parameter within [minimum, maximum]; fallback when absent.
std::optional<qint64> intParameter(const HttpRequest &request, const QString &name, qint64 fallback,
                                   qint64 minimum, qint64 maximum, ApiError *error)
{
    if (!request.query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = request.query.queryItemValue(name).toLongLong(&ok);
    if (!ok || value < minimum || value > maximum) {
        *error = ApiError {400, QStringLiteral("invalid_parameter"),
                           QStringLiteral("%1 must be an integer from %2 to %3")
                               .arg(name)
                               .arg(minimum)
                               .arg(maximum),
                           name};
        return std::nullopt;
    }
    return value;
}

} // namespace

AdminApi::AdminApi(SessionStore *store, SubscriberHub *hub, AdminFeed *feed,
                   ServiceMetrics *metrics, const AccessPolicy &access, int retryAfterSeconds,
                   QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_hub(hub)
    , m_feed(feed)
    , m_metrics(metrics)
    , m_access(access)
    , m_retryAfterSeconds(retryAfterSeconds)
{
}

void AdminApi::registerRoutes(Router &router)
{
    router.add("GET", ApiPaths::adminSessions(),
               [this](HttpExchange &exchange, const QStringList &) { listSessions(exchange); });
    router.add("GET", ApiPaths::adminSession(ApiPaths::RouteArg),
               [this](HttpExchange &exchange, const QStringList &args) {
                   showSession(exchange, args.at(0));
               });
    router.add("DELETE", ApiPaths::adminSession(ApiPaths::RouteArg),
               [this](HttpExchange &exchange, const QStringList &args) {
                   deleteSession(exchange, args.at(0));
               });
    router.add("GET", ApiPaths::adminStream(),
               [this](HttpExchange &exchange, const QStringList &) { openStream(exchange); });
    router.add("GET", ApiPaths::metrics(),
               [this](HttpExchange &exchange, const QStringList &) { metrics(exchange); });
}

bool AdminApi::allowed(HttpExchange &exchange) const
{
    if (const auto denied = m_access.check(exchange.request())) {
        exchange.respond(ApiAnswer::denied(*denied));
        return false;
    }
    return true;
}

void AdminApi::listSessions(HttpExchange &exchange)
{
    if (!allowed(exchange))
        return;
    const QString stateName = exchange.request().query.queryItemValue(QStringLiteral("state"));
    const std::optional<SessionState> state = sessionStateFromString(stateName);
    if (!stateName.isEmpty() && !state) {
        exchange.respond(HttpResponse::error(
            ApiError {400, QStringLiteral("invalid_parameter"),
                      QStringLiteral("state must be running, completed or failed"),
                      QStringLiteral("state")}));
        return;
    }
    if (!m_store->isAvailable()) {
        exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
        return;
    }
    m_store->listSessions(withContext<const QList<SessionSummary> &>(
        &exchange, [this, &exchange, state](const QList<SessionSummary> &sessions) {
            QList<SessionSummary> sorted;
            for (const SessionSummary &summary : sessions) {
                if (!state || summary.state == *state)
                    sorted.append(summary);
            }
            // Newest first; the store lists oldest first, so ties keep creation order
            // reversed too.
            std::reverse(sorted.begin(), sorted.end());
            std::stable_sort(sorted.begin(), sorted.end(),
                             [](const SessionSummary &a, const SessionSummary &b) {
                                 return a.createdAtMs > b.createdAtMs;
                             });
            QJsonArray array;
            for (const SessionSummary &summary : std::as_const(sorted))
                array.append(m_hub->withSubscribers(summary).toJson());
            exchange.respond(
                HttpResponse::json(200, QJsonObject {{QStringLiteral("sessions"), array}}));
        }));
}

void AdminApi::showSession(HttpExchange &exchange, const QString &sessionId)
{
    if (!allowed(exchange))
        return;
    ApiError error;
    const auto after = intParameter(exchange.request(), QStringLiteral("after"), 0, 0,
                                    std::numeric_limits<qint64>::max() / 2, &error);
    const auto limit = after
        ? intParameter(exchange.request(), QStringLiteral("limit"), 1000, 1, 10000, &error)
        : std::nullopt;
    if (!after || !limit) {
        exchange.respond(HttpResponse::error(error));
        return;
    }
    if (!m_store->isAvailable()) {
        exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
        return;
    }
    m_store->findSession(
        sessionId,
        withContext<const std::optional<SessionSummary> &>(
            &exchange,
            [this, &exchange, sessionId, after = *after,
             limit = *limit](const std::optional<SessionSummary> &summary) {
                if (!summary) {
                    exchange.respond(ApiAnswer::sessionNotFound());
                    return;
                }
                m_store->readEvents(
                    sessionId, after, int(limit),
                    withContext<const ReadResult &>(
                        &exchange,
                        [this, &exchange, sessionId, summary = *summary](const ReadResult &read) {
                            QJsonObject json = m_hub->withSubscribers(summary).toJson();
                            QJsonArray events;
                            qint64 last = 0;
                            for (const EventPtr &event : read.events) {
                                events.append(QJsonDocument::fromJson(event->json).object());
                                last = event->seq;
                            }
                            json.insert(QStringLiteral("events"), events);
                            json.insert(QStringLiteral("next_after"),
                                        last > 0 && last < read.lastSeq ? QJsonValue(last)
                                                                        : QJsonValue());
                            json.insert(QStringLiteral("subscriber_list"),
                                        m_hub->subscribersJson(sessionId));
                            exchange.respond(HttpResponse::json(200, json));
                        }));
            }));
}

void AdminApi::deleteSession(HttpExchange &exchange, const QString &sessionId)
{
    if (!allowed(exchange))
        return;
    if (!m_store->isAvailable()) {
        exchange.respond(ApiAnswer::storeUnavailable(m_retryAfterSeconds));
        return;
    }
    m_store->deleteSession(sessionId, withContext<bool>(&exchange, [&exchange](bool found) {
                               exchange.respond(found ? HttpResponse::empty(204)
                                                      : ApiAnswer::sessionNotFound());
                           }));
}

void AdminApi::openStream(HttpExchange &exchange)
{
    if (!allowed(exchange))
        return;
    const QString peer = exchange.request().peerText();
    if (std::unique_ptr<StreamConnection> stream = exchange.startEventStream())
        m_feed->addClient(std::move(stream), peer);
}

void AdminApi::metrics(HttpExchange &exchange)
{
    if (!allowed(exchange))
        return;
    m_metrics->render(
        withContext<const QByteArray &>(&exchange, [&exchange](const QByteArray &text) {
            exchange.respond(
                HttpResponse::text(200, "text/plain; version=0.0.4; charset=utf-8", text));
        }));
}

} // namespace ssebuf
