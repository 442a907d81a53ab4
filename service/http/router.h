#ifndef SSEBUF_ROUTER_H
#define SSEBUF_ROUTER_H

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace ssebuf {

class HttpExchange;

// Maps method and path to a handler. Patterns are literal segments and "{}" for one
// captured segment ("/api/refactor/{}/sse"). A path that matches with another method
// gets 405 with Allow; no match gets a JSON 404.
class Router
{
public:
    using Handler = std::function<void(HttpExchange &exchange, const QStringList &captures)>;

    void add(const QByteArray &method, const QString &pattern, Handler handler);
    void dispatch(HttpExchange &exchange) const;

private:
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments;
        Handler handler;
    };
    static bool match(const Route &route, const QStringList &segments, QStringList *captures);

    std::vector<Route> m_routes;
};

} // namespace ssebuf

#endif
