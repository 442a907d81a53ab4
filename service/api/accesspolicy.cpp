#include "accesspolicy.h"

namespace ssebuf {

AccessPolicy::AccessPolicy(QByteArray token)
    : m_token(std::move(token))
{
}

bool AccessPolicy::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Runs over the longer input whatever the contents, so timing tells nothing but length.
    const qsizetype length = qMax(a.size(), b.size());
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < length; ++i) {
        const unsigned char x = i < a.size() ? uchar(a.at(i)) : 0;
        const unsigned char y = i < b.size() ? uchar(b.at(i)) : 0;
        difference |= x ^ y;
    }
    return difference == 0;
}

std::optional<ApiError> AccessPolicy::check(const HttpRequest &request) const
{
    if (m_token.isEmpty()) {
        if (request.peer.isLoopback())
            return std::nullopt;
        return ApiError {
            403, QStringLiteral("forbidden"),
            QStringLiteral("no admin token is configured: only loopback clients are allowed"),
            QString()};
    }
    const QByteArray authorization = request.header("authorization").trimmed();
    if (authorization.isEmpty())
        return ApiError {401, QStringLiteral("unauthorized"),
                         QStringLiteral("missing Authorization: Bearer token"), QString()};
    const QByteArray prefix = "bearer ";
    if (authorization.size() <= prefix.size()
        || authorization.left(prefix.size()).toLower() != prefix)
        return ApiError {401, QStringLiteral("unauthorized"),
                         QStringLiteral("the Authorization header must be: Bearer <token>"),
                         QString()};
    if (!constantTimeEquals(authorization.mid(prefix.size()).trimmed(), m_token))
        return ApiError {403, QStringLiteral("forbidden"), QStringLiteral("wrong token"),
                         QString()};
    return std::nullopt;
}

} // namespace ssebuf
