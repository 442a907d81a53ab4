#include "eventqueryapi.h"

#include "apipaths.h"
#include "core/contextcallback.h"
#include "core/jsonwriter.h"
#include "http/httpexchange.h"
#include "http/router.h"
#include "store/sessionstore.h"

#include <QTimer>

namespace ssebuf {

namespace {

// A non-negative integer query parameter within [minimum, maximum]; fallback when absent.
std::optional<qint64> integerParameter(const HttpRequest &request, const QString &name,
                                       qint64 fallback, qint64 minimum, qint64 maximum)
{
    if (!request.query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = request.query.queryItemValue(name).toLongLong(&ok);
    if (!ok || value < minimum || value > maximum)
        return std::nullopt;
    return value;
}

} // namespace

EventQueryApi::EventQueryApi(SessionStore *store, int retryAfterSeconds, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_retryAfterSeconds(retryAfterSeconds)
{
}

void EventQueryApi::registerRoutes(Router &router)
{
    router.add(
        "GET", ApiPaths::sessionEventsJson(ApiPaths::RouteArg),
        [this](HttpExchange &exchange, const QStringList &args) { events(exchange, args.at(0)); });
}

void EventQueryApi::events(HttpExchange &exchange, const QString &sessionId)
{
    const HttpRequest &request = exchange.request();
    Query query;
    query.sessionId = sessionId;
    struct Parameter
    {
        const char *name;
        qint64 fallback, minimum, maximum;
        const char *rule;
    };
    const Parameter parameters[] = {
        {"after", 0, 0, 9007199254740991, "after must be a non-negative integer"},
        {"limit", defaultLimit, 1, maxLimit, "limit must be an integer from 1 to 1000"},
        {"wait", 0, 1, maxWaitSeconds, "wait must be an integer from 1 to 60 (seconds)"},
    };
    qint64 values[3];
    for (int i = 0; i < 3; ++i) {
        const std::optional<qint64> value
            = integerParameter(request, QLatin1String(parameters[i].name), parameters[i].fallback,
                               parameters[i].minimum, parameters[i].maximum);
        if (!value) {
            exchange.respond(HttpResponse::error(ApiError {400, QStringLiteral("invalid_parameter"),
                                                           QLatin1String(parameters[i].rule),
                                                           QLatin1String(parameters[i].name)}));
            return;
        }
        values[i] = *value;
    }
    query.after = values[0];
    query.limit = int(values[1]);
    query.waitSeconds = int(values[2]);
    read(exchange, query, query.waitSeconds > 0);
}

void EventQueryApi::read(HttpExchange &exchange, const Query &query, bool mayWait)
{
    m_store->readEvents(query.sessionId, query.after, query.limit,
                        withContext<const ReadResult &>(
                            &exchange, [this, &exchange, query, mayWait](const ReadResult &result) {
                                if (result.found && result.events.isEmpty() && !result.finished
                                    && mayWait) {
                                    wait(exchange, query);
                                    return;
                                }
                                answer(exchange, query, result);
                            }));
}

void EventQueryApi::wait(HttpExchange &exchange, const Query &query)
{
    // Lives with the exchange: a client that leaves ends the wait.
    auto *waiter = new QObject(&exchange);
    auto *timer = new QTimer(waiter);
    timer->setSingleShot(true);
    auto wake = [this, &exchange, query, waiter] {
        waiter->deleteLater();
        waiter->disconnect(); // once
        read(exchange, query, false);
    };
    auto wakeOnce = [waiter, wake]() mutable {
        if (waiter->property("woken").toBool())
            return;
        waiter->setProperty("woken", true);
        wake();
    };
    connect(timer, &QTimer::timeout, waiter, wakeOnce);
    connect(m_store, &SessionStore::eventAppended, waiter,
            [query, wakeOnce](const QString &sessionId) mutable {
                if (sessionId == query.sessionId)
                    wakeOnce();
            });
    connect(m_store, &SessionStore::sessionRemoved, waiter,
            [query, wakeOnce](const QString &sessionId) mutable {
                if (sessionId == query.sessionId)
                    wakeOnce();
            });
    connect(m_store, &SessionStore::availabilityChanged, waiter, wakeOnce);
    timer->start(query.waitSeconds * 1000);
    // A store that delivers live events per session (a cluster, contract section 17)
    // follows this one while the poll waits; once it does, one more read covers an event
    // that came in between.
    m_store->watchSession(
        query.sessionId, withContext<bool>(waiter, [this, query, waiter, wakeOnce](bool) mutable {
            m_store->readEvents(query.sessionId, query.after, 1,
                                withContext<const ReadResult &>(
                                    waiter, [wakeOnce](const ReadResult &result) mutable {
                                        if (!result.events.isEmpty() || !result.found
                                            || result.finished || !result.available)
                                            wakeOnce();
                                    }));
        }));
    connect(waiter, &QObject::destroyed, m_store,
            [store = m_store, sessionId = query.sessionId] { store->unwatchSession(sessionId); });
}

void EventQueryApi::answer(HttpExchange &exchange, const Query &query, const ReadResult &result)
{
    if (!result.available) {
        exchange.respond(HttpResponse::error(503, QStringLiteral("store_unavailable"),
                                             QStringLiteral("the session store is unreachable; "
                                                            "retry later"))
                             .withHeader("Retry-After", QByteArray::number(m_retryAfterSeconds)));
        return;
    }
    if (!result.found) {
        exchange.respond(
            HttpResponse::error(404, QStringLiteral("session_not_found"),
                                QStringLiteral("no such session (unknown or expired)")));
        return;
    }
    // The events' JSON as it was encoded once at append time, not parsed and re-encoded.
    QByteArray body = "{\"session_id\":";
    JsonWriter::appendString(body, query.sessionId);
    body += ",\"state\":";
    JsonWriter::appendString(body, sessionStateName(result.state));
    body += ",\"last_seq\":" + QByteArray::number(result.lastSeq);
    if (result.gapFrom > 0)
        body += ",\"missed_from\":" + QByteArray::number(result.gapFrom)
            + ",\"missed_to\":" + QByteArray::number(result.gapTo);
    body += ",\"events\":[";
    for (int i = 0; i < result.events.size(); ++i) {
        if (i > 0)
            body += ',';
        body += result.events.at(i)->json;
    }
    const qint64 nextAfter = result.events.isEmpty() ? query.after : result.events.last()->seq;
    body += "],\"next_after\":" + QByteArray::number(nextAfter) + '}';
    exchange.respond(HttpResponse::text(200, "application/json", body));
}

} // namespace ssebuf
