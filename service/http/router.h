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
// gets 405 with Allow; no match gets a JSON 404. A capture that follows a "refactor" or
// "sessions" segment is a session id: one that does not have the contract's form
// (isValidSessionId) is a 404 session_not_found before the handler (and any store) sees it.
class Router
{
public:
    using Handler = std::function<void(HttpExchange &exchange, const QStringList &captures)>;

    void add(const QByteArray &method, const QString &pattern, Handler handler);
    void dispatch(HttpExchange &exchange) const;

    // ^session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$ (SessionManager::newSessionId's form).
    static bool isValidSessionId(const QString &id);
    static bool isValidSessionId(QByteArrayView id); // the same check on the bytes of a target

private:
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments; // a capture's is empty
        Handler handler;
        std::vector<bool> isCapture; // per segment
        QList<int> sessionCaptures; // indexes into the captures that are session ids
        int captureCount = 0;
    };
    // Compares only: the captures are taken for the one route that is dispatched.
    static bool match(const Route &route, const QStringList &segments);
    static QStringList captures(const Route &route, const QStringList &segments);

    std::vector<Route> m_routes;
    // By segment count, the indexes of the routes with that many, in the order added: only
    // those can match a path (dispatch() tries no other).
    std::vector<std::vector<int>> m_bySegmentCount;
};

} // namespace ssebuf

#endif
