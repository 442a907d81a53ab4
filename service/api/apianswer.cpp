#include "apianswer.h"

#include "http/httprequest.h"

namespace ssebuf {

HttpResponse ApiAnswer::sessionNotFound()
{
    return HttpResponse::error(404, QStringLiteral("session_not_found"),
                               QStringLiteral("no such session (unknown or expired)"));
}

HttpResponse ApiAnswer::denied(const ApiError &error)
{
    return HttpResponse::error(error).withHeader("WWW-Authenticate", "Bearer");
}

HttpResponse ApiAnswer::storeUnavailable(int retryAfterSeconds)
{
    return HttpResponse::error(503, QStringLiteral("store_unavailable"),
                               QStringLiteral("the session store is unreachable; retry later"))
        .withHeader("Retry-After", QByteArray::number(retryAfterSeconds));
}

std::optional<HttpResponse> ApiAnswer::unlessJsonBody(const HttpRequest &request)
{
    if (request.hasJsonBody())
        return std::nullopt;
    return HttpResponse::error(415, QStringLiteral("unsupported_media_type"),
                               QStringLiteral("Content-Type must be application/json"));
}

} // namespace ssebuf
