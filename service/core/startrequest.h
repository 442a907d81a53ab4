#ifndef SSEBUF_STARTREQUEST_H
#define SSEBUF_STARTREQUEST_H

#include "apierror.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace ssebuf {

// A validated POST /api/refactor body (contract section 1).
struct StartRequest
{
    QString userId;
    QString prompt;
    QString mode; // autonomous (default) or interactive
    // The request as received minus github_credentials: what a pipeline may see.
    QJsonObject publicJson;
    // Kept in memory only, for an exec pipeline that is allowed to receive it.
    QJsonObject githubCredentials;
    bool hasCredentials = false;

    // Validates a request body (the HTTP edge has checked that it is JSON); the error
    // carries 400 or 422.
    static std::optional<StartRequest> parse(const QByteArray &body, ApiError *error);
};

} // namespace ssebuf

#endif
