#include "accesspolicy.h"

#include <algorithm>

namespace ssebuf {

AccessPolicy::AccessPolicy(QByteArray adminToken, QByteArray publishToken, QStringList allowedHosts)
    : m_adminToken(std::move(adminToken))
    , m_publishToken(std::move(publishToken))
{
    for (const QString &host : allowedHosts)
        m_allowedHosts.append(host.toLower().toLatin1());
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

QByteArrayView AccessPolicy::hostWithoutPort(QByteArrayView host)
{
    // Bytes, compared without case below: every request of a token-less service comes here.
    const QByteArrayView text = host.trimmed();
    if (text.startsWith('[')) {
        const qsizetype end = text.indexOf(']');
        return end < 0 ? text : text.first(end + 1);
    }
    const qsizetype colon = text.indexOf(':');
    return colon < 0 ? text : text.first(colon);
}

std::optional<ApiError> AccessPolicy::checkLoopback(const HttpRequest &request) const
{
    if (!request.peer.isLoopback())
        return ApiError {
            403, QStringLiteral("forbidden"),
            QStringLiteral("no token is configured: only loopback clients are allowed"), QString()};
    const QByteArray hostHeader = request.header("host");
    const QByteArrayView host = hostWithoutPort(hostHeader);
    const auto allowed
        = [host](const QByteArray &name) { return equalsIgnoringAsciiCase(host, name); };
    if (!m_allowedHosts.isEmpty()
        && std::none_of(m_allowedHosts.cbegin(), m_allowedHosts.cend(), allowed))
        return ApiError {403, QStringLiteral("forbidden"),
                         QStringLiteral("the Host header is not one of --allowed-hosts"),
                         QString()};
    return std::nullopt;
}

std::optional<ApiError> AccessPolicy::check(const HttpRequest &request, AccessRole role) const
{
    const bool publishTokenApplies = role == AccessRole::Publish && !m_publishToken.isEmpty();
    if (m_adminToken.isEmpty() && !publishTokenApplies)
        return checkLoopback(request);
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
    const QByteArray given = authorization.mid(prefix.size()).trimmed();
    // Both comparisons run whatever the first says.
    const bool admin = !m_adminToken.isEmpty() && constantTimeEquals(given, m_adminToken);
    const bool publish = publishTokenApplies && constantTimeEquals(given, m_publishToken);
    if (!admin && !publish)
        return ApiError {403, QStringLiteral("forbidden"), QStringLiteral("wrong token"),
                         QString()};
    return std::nullopt;
}

} // namespace ssebuf
