#ifndef SSEBUF_HTTPREQUESTPARSER_H
#define SSEBUF_HTTPREQUESTPARSER_H

#include "httprequest.h"

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace ssebuf {

// One HTTP/1.x request as the wire framed it, parsed by the nodejs http_parser (Debian's
// libhttp-parser, the parser QtHttpServer 6.4 bundles): the same framing QtHttpServer applies.
struct ParsedRequest
{
    QByteArray method; // "POST"
    // The request target as sent ("/api/sessions/x/events?a=b"): a view into the bytes given
    // to parse(), valid while they are.
    QByteArrayView target;
    HttpHeaders headers; // as sent, in order
    QByteArray body; // decoded (chunked framing removed)
    qsizetype headBytes = 0; // request line and headers, with the blank line
    qsizetype totalBytes = 0; // the whole request on the wire
    int versionMinor = 1; // HTTP/1.x
    bool keepAlive = true; // false: HTTP/1.0 without keep-alive, or "Connection: close"
    bool chunked = false;
    bool upgrade = false; // "Upgrade:" or CONNECT: the connection would change protocol
    bool expectContinue = false;
};

// Parses requests one at a time from the start of a buffer. Reusable: every parse() starts
// a new request.
class HttpRequestParser
{
public:
    enum class Result {
        Complete, // *request holds the first request of the bytes (totalBytes long)
        Incomplete, // the bytes end inside the first request
        Invalid // not a request http_parser accepts
    };

    HttpRequestParser();
    ~HttpRequestParser();
    HttpRequestParser(const HttpRequestParser &) = delete;
    HttpRequestParser &operator=(const HttpRequestParser &) = delete;

    // Stops at the end of the first request; bodies longer than maxBodyBytes and heads longer
    // than maxHeadBytes give Invalid as soon as that is known (before the rest arrives).
    Result parse(QByteArrayView bytes, ParsedRequest *request, qint64 maxHeadBytes,
                 qint64 maxBodyBytes);

    // Splits an origin-form target ("/a/b?q") into the request's path, segments and query.
    // Only targets whose path is plain (letters, digits, "-._~" and '/', no percent-encoding and
    // no dot segments: nothing QUrl would decode or normalise) are taken: false otherwise, and
    // the request then goes the general way.
    static bool setPlainTarget(QByteArrayView target, HttpRequest *request);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace ssebuf

#endif
