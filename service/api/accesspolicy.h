#ifndef SSEBUF_ACCESSPOLICY_H
#define SSEBUF_ACCESSPOLICY_H

#include "core/apierror.h"
#include "http/httprequest.h"

#include <QByteArray>

#include <optional>

namespace ssebuf {

// Contract section 5: who may call admin, metrics and publish routes. With a token, a
// matching "Authorization: Bearer <token>" (compared in constant time); without one,
// loopback peers only.
class AccessPolicy
{
public:
    explicit AccessPolicy(QByteArray token = {});

    // The error to answer with, or nothing when the request may proceed.
    std::optional<ApiError> check(const HttpRequest &request) const;
    bool hasToken() const { return !m_token.isEmpty(); }

    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

private:
    QByteArray m_token;
};

} // namespace ssebuf

#endif
