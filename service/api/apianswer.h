#ifndef SSEBUF_APIANSWER_H
#define SSEBUF_APIANSWER_H

#include "core/apierror.h"
#include "http/httpresponse.h"

#include <optional>

namespace ssebuf {

struct HttpRequest;

// The answers that more than one route gives, each built in one place (contract
// sections 1 to 5).
class ApiAnswer
{
public:
    // 404 session_not_found: unknown or expired.
    static HttpResponse sessionNotFound();
    // 401 or 403 from the AccessPolicy, with WWW-Authenticate: Bearer.
    static HttpResponse denied(const ApiError &error);
    // 503 store_unavailable with Retry-After (--retry-after).
    static HttpResponse storeUnavailable(int retryAfterSeconds);
    // 415 unsupported_media_type unless the body is JSON (application/json or
    // application/*+json, parameters allowed); nothing when it is.
    static std::optional<HttpResponse> unlessJsonBody(const HttpRequest &request);
};

} // namespace ssebuf

#endif
