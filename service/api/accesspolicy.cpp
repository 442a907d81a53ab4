#include "accesspolicy.h"

namespace ssebuf {

AccessPolicy::AccessPolicy(QByteArray adminToken, QByteArray publishToken, QStringList allowedHosts)
    : m_adminToken(std::move(adminToken))
    , m_publishToken(std::move(publishToken))
    , m_allowedHosts(std::move(allowedHosts))
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

QString AccessPolicy::hostWithoutPort(const QByteArray &host)
{
    QString text = QString::fromLatin1(host.trimmed()).toLower();
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype end = text.indexOf(QLatin1Char(']'));
        return end < 0 ? text : text.left(end + 1);
    }
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    return colon < 0 ? text : text.left(colon);
}

std::optional<ApiError> AccessPolicy::checkLoopback(const HttpRequest &request) const
{
    if (!request.peer.isLoopback())
        return ApiError {
            403, QStringLiteral("forbidden"),
            QStringLiteral("no token is configured: only loopback clients are allowed"), QString()};
    if (!m_allowedHosts.isEmpty()
        && !m_allowedHosts.contains(hostWithoutPort(request.header("host"))))
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
