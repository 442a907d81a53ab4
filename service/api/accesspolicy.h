#ifndef SSEBUF_ACCESSPOLICY_H
#define SSEBUF_ACCESSPOLICY_H

#include "core/apierror.h"
#include "http/httprequest.h"

#include <QByteArray>
#include <QStringList>

#include <optional>

namespace ssebuf {

// Which routes a credential opens (contract 1.1 section 16): the admin token opens admin,
// metrics, publish and cancel; the publish token opens publish and cancel only.
enum class AccessRole { Admin, Publish };

// Contract section 5: who may call admin, metrics, publish and cancel routes. With a token
// for the role, a matching "Authorization: Bearer <token>" (compared in constant time);
// without one, loopback clients only, and then only with a Host header of the allowed list
// (a web page reaching 127.0.0.1 by DNS rebinding sends its own host name). The client
// address is the forwarded one when the peer is a trusted proxy (HttpFrontend).
class AccessPolicy
{
public:
    explicit AccessPolicy(QByteArray adminToken = {}, QByteArray publishToken = {},
                          QStringList allowedHosts = {});

    // The error to answer with, or nothing when the request may proceed.
    std::optional<ApiError> check(const HttpRequest &request,
                                  AccessRole role = AccessRole::Admin) const;
    // Publish and cancel routes.
    std::optional<ApiError> checkPublish(const HttpRequest &request) const
    {
        return check(request, AccessRole::Publish);
    }
    bool hasToken() const { return !m_adminToken.isEmpty(); }

    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
    // The Host header without its port, lower case ("[::1]" keeps its brackets).
    // The Host header's host ("[::1]" keeps its brackets), trimmed, without the port.
    static QByteArrayView hostWithoutPort(QByteArrayView host);

private:
    std::optional<ApiError> checkLoopback(const HttpRequest &request) const;

    QByteArray m_adminToken;
    QByteArray m_publishToken;
    QList<QByteArray> m_allowedHosts; // Latin-1, lower case; empty: any Host
};

} // namespace ssebuf

#endif
