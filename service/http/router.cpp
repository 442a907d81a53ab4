#include "router.h"

#include "httpexchange.h"

namespace ssebuf {

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    Route route {method, pattern, pattern.split(QLatin1Char('/')), std::move(handler)};
    if (!route.segments.isEmpty() && route.segments.first().isEmpty())
        route.segments.removeFirst();
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
