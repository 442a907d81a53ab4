#include "router.h"

#include "httpexchange.h"

#include <array>
#include <cstring>

namespace ssebuf {

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    Route route {method, pattern, pattern.split(QLatin1Char('/')), std::move(handler)};
    if (!route.segments.isEmpty() && route.segments.first().isEmpty())
        route.segments.removeFirst();
    route.isCapture.assign(size_t(route.segments.size()), false);
    for (int i = 0; i < route.segments.size(); ++i) {
        if (route.segments.at(i) != QLatin1String("{}"))
            continue;
        if (i > 0
            && (route.segments.at(i - 1) == QLatin1String("refactor")
                || route.segments.at(i - 1) == QLatin1String("sessions")))
            route.sessionCaptures.append(route.captureCount);
        ++route.captureCount;
        route.isCapture[size_t(i)] = true;
        route.segments[i].clear();
    }
    const auto count = size_t(route.segments.size());
    if (m_bySegmentCount.size() <= count)
        m_bySegmentCount.resize(count + 1);
    m_bySegmentCount[count].push_back(int(m_routes.size()));
    m_routes.push_back(std::move(route));
}

bool Router::match(const Route &route, const QStringList &segments)
{
    if (route.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (route.isCapture[size_t(i)] ? segments.at(i).isEmpty()
                                       : route.segments.at(i) != segments.at(i))
            return false;
    }
    return true;
}

QStringList Router::captures(const Route &route, const QStringList &segments)
{
    QStringList captured;
    if (route.captureCount == 0)
        return captured;
    captured.reserve(route.captureCount);
    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (route.isCapture[size_t(i)])
            captured.append(segments.at(i));
    }
    return captured;
}

bool Router::isValidSessionId(const QString &id)
{
    // session_ 8 digits _ 6 digits _ 32 lower-case hex digits
    if (id.size() != 56)
        return false;
    const auto *c = reinterpret_cast<const char16_t *>(id.constData());
    if (std::memcmp(c, u"session_", 8 * sizeof(char16_t)) != 0 || c[16] != u'_' || c[23] != u'_')
        return false;
    // Unsigned differences: one comparison per range.
    const auto digit = [](char16_t ch) { return char16_t(ch - u'0') <= 9; };
    for (int i = 8; i < 23; ++i) {
        if (i != 16 && !digit(c[i]))
            return false;
    }
    for (int i = 24; i < 56; ++i) {
        if (!digit(c[i]) && char16_t(c[i] - u'a') > 5)
            return false;
    }
    return true;
}

bool Router::isValidSessionId(QByteArrayView id)
{
    // The same on the bytes of a target (every hot request): a class per byte from a table,
    // and-ed over each run, without a branch per byte.
    enum : unsigned char { Digit = 1, Hex = 2 };
    static constexpr auto classes = [] {
        std::array<unsigned char, 256> table {};
        for (int d = '0'; d <= '9'; ++d)
            table[size_t(d)] = Digit | Hex;
        for (int h = 'a'; h <= 'f'; ++h)
            table[size_t(h)] = Hex;
        return table;
    }();
    if (id.size() != 56 || std::memcmp(id.data(), "session_", 8) != 0 || id[16] != '_'
        || id[23] != '_')
        return false;
    const auto *c = reinterpret_cast<const unsigned char *>(id.data());
    unsigned char digits = Digit;
    for (int i = 8; i < 16; ++i)
        digits &= classes[c[i]];
    for (int i = 17; i < 23; ++i)
        digits &= classes[c[i]];
    unsigned char hex = Hex;
    for (int i = 24; i < 56; ++i)
        hex &= classes[c[i]];
    return digits == Digit && hex == Hex;
}

void Router::dispatch(HttpExchange &exchange) const
{
    const HttpRequest &request = exchange.request();
    QByteArrayList allowed;
    const auto count = size_t(request.segments.size());
    const std::vector<int> noRoutes;
    const std::vector<int> &candidates
        = count < m_bySegmentCount.size() ? m_bySegmentCount[count] : noRoutes;
    for (const int routeIndex : candidates) {
        const Route &route = m_routes[size_t(routeIndex)];
        if (!match(route, request.segments))
            continue;
        if (route.method == request.method) {
            exchange.setRouteName(route.pattern);
            const QStringList captures = Router::captures(route, request.segments);
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
