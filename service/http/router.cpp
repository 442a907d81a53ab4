#include "router.h"

#include "httpexchange.h"

#include <array>
#include <type_traits>

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

namespace {

// session_ 8 digits _ 6 digits _ 32 lower-case hex digits, over UTF-16 units or bytes.
template<typename Char> bool isSessionId(const Char *c, qsizetype size)
{
    if (size != 56)
        return false;
    static constexpr char prefix[] = "session_";
    for (int i = 0; i < 8; ++i) {
        if (c[i] != Char(prefix[i]))
            return false;
    }
    if (c[16] != Char('_') || c[23] != Char('_'))
        return false;
    // One table lookup per character, the results or-ed: no branch per character.
    enum : unsigned char { Digit = 1, Hex = 2 };
    static constexpr auto classes = [] {
        std::array<unsigned char, 128> table {};
        for (int d = '0'; d <= '9'; ++d)
            table[size_t(d)] = Digit | Hex;
        for (int h = 'a'; h <= 'f'; ++h)
            table[size_t(h)] = Hex;
        return table;
    }();
    const auto is = [](Char ch, unsigned char kind) {
        using Unsigned = std::make_unsigned_t<Char>;
        return Unsigned(ch) < 128 ? unsigned(classes[size_t(Unsigned(ch))] & kind) : 0u;
    };
    unsigned bad = 0;
    for (int i = 8; i < 16; ++i)
        bad |= is(c[i], Digit) ^ Digit;
    for (int i = 17; i < 23; ++i)
        bad |= is(c[i], Digit) ^ Digit;
    for (int i = 24; i < 56; ++i)
        bad |= is(c[i], Hex) ^ Hex;
    return bad == 0;
}

} // namespace

bool Router::isValidSessionId(const QString &id)
{
    return isSessionId(reinterpret_cast<const char16_t *>(id.constData()), id.size());
}

bool Router::isValidSessionId(QByteArrayView id)
{
    return isSessionId(id.data(), id.size());
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
