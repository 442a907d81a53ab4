#include "router.h"

#include "httpexchange.h"

namespace ssebuf {

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    Route route {method, pattern, pattern.split(QLatin1Char('/')), std::move(handler)};
    if (!route.segments.isEmpty() && route.segments.first().isEmpty())
        route.segments.removeFirst();
    int capture = 0;
    for (int i = 0; i < route.segments.size(); ++i) {
        if (route.segments.at(i) != QLatin1String("{}"))
            continue;
        if (i > 0
            && (route.segments.at(i - 1) == QLatin1String("refactor")
                || route.segments.at(i - 1) == QLatin1String("sessions")))
            route.sessionCaptures.append(capture);
        ++capture;
    }
    m_routes.push_back(std::move(route));
}

bool Router::match(const Route &route, const QStringList &segments, QStringList *captures)
{
    if (route.segments.size() != segments.size())
        return false;
    QStringList captured;
    for (int i = 0; i < segments.size(); ++i) {
        if (route.segments.at(i) == QLatin1String("{}")) {
            if (segments.at(i).isEmpty())
                return false;
            captured.append(segments.at(i));
        } else if (route.segments.at(i) != segments.at(i)) {
            return false;
        }
    }
    *captures = captured;
    return true;
}

bool Router::isValidSessionId(const QString &id)
{
    // session_ 8 digits _ 6 digits _ 32 lower-case hex digits
    static const QLatin1String prefix("session_");
    if (id.size() != 56 || !id.startsWith(prefix) || id.at(16) != QLatin1Char('_')
        || id.at(23) != QLatin1Char('_'))
        return false;
    for (int i = 8; i < 56; ++i) {
        if (i == 16 || i == 23)
            continue;
        const char16_t c = id.at(i).unicode();
        const bool digit = c >= u'0' && c <= u'9';
        if (i < 23 ? !digit : !(digit || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

void Router::dispatch(HttpExchange &exchange) const
{
    const HttpRequest &request = exchange.request();
    QByteArrayList allowed;
    for (const Route &route : m_routes) {
        QStringList captures;
        if (!match(route, request.segments, &captures))
            continue;
        if (route.method == request.method) {
            exchange.setRouteName(route.pattern);
            for (const int index : route.sessionCaptures) {
                if (!isValidSessionId(captures.at(index))) {
                    exchange.respond(
                        HttpResponse::error(404, QStringLiteral("session_not_found"),
                                            QStringLiteral("no such session (not a session id)")));
                    return;
                }
            }
            route.handler(exchange, captures);
            return;
        }
        allowed.append(route.method);
    }
    if (!allowed.isEmpty()) {
        exchange.setRouteName(QStringLiteral("method_not_allowed"));
        exchange.respond(HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                             QStringLiteral("%1 is not allowed here; allowed: %2")
                                                 .arg(QString::fromLatin1(request.method),
                                                      QString::fromLatin1(allowed.join(", "))))
                             .withHeader("Allow", allowed.join(", ")));
        return;
    }
    exchange.setRouteName(QStringLiteral("not_found"));
    exchange.respond(
        HttpResponse::error(404, QStringLiteral("not_found"),
                            QStringLiteral("no route for %1 %2")
                                .arg(QString::fromLatin1(request.method), request.path)));
}

} // namespace ssebuf
