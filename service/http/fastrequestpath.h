#ifndef SSEBUF_FASTREQUESTPATH_H
#define SSEBUF_FASTREQUESTPATH_H

#include "httplimits.h"
#include "httprequest.h"
#include "httprequestparser.h"

#include <QByteArrayView>

#include <functional>
#include <vector>

class QTcpSocket;

namespace ssebuf {
class ResponseSequencer;
}

namespace ssebuf {

// The requests of the hot route (a one-event publish, POST /api/sessions/{id}/events with a
// JSON body: the seed's producer sends one per event) that the ConnectionGuard takes off the
// socket itself instead of leaving them to QtHttpServer 6.4, whose head parsing reads the socket
// one byte at a time. Only a request that QtHttpServer would have been handed unchanged is
// taken: complete in the buffer, well-formed for http_parser, within the head and body limits,
// with a Content-Length (or no) body, no Expect, no Upgrade, not a streamed (NDJSON) body, and a
// plain target. Everything else goes the general way, where the guard's checks and their answers
// (400, 413, 431, 408, 429) are unchanged.
class FastRequestPath
{
public:
    struct Request
    {
        HttpRequest request; // without peer (the front end sets it)
        bool closeAfterResponse = false;
        // Set when the target is exactly /api/sessions/{a valid session id}/events: the
        // request may be answered at once (HttpFrontend), and its path is set but not its
        // segments, which addSegments() adds for the Router.
        QString sessionId;

        void addSegments();
    };
    // Gets each taken request, in order (the front end dispatches it like one from QtHttpServer).
    using Handler
        = std::function<void(Request &&request, QTcpSocket *socket, ResponseSequencer *sequencer)>;

    explicit FastRequestPath(const HttpLimits &limits);

    // The complete hot requests at the start of bytes, up to the first request that is not one
    // (or not complete); returns the bytes they take. Takes none when bytes hold more requests
    // than may wait on a connection (maxPipelined): the general way answers that with 429.
    qsizetype take(QByteArrayView bytes, std::vector<Request> *requests);

    static bool isHotRoute(QByteArrayView method, QByteArrayView target);
    // The session id of a hot target with no query and a valid id; empty otherwise.
    static QByteArrayView plainSessionId(QByteArrayView target);

    static constexpr int maxPipelined = 64; // as ConnectionGuard's limit

private:
    bool accept(const ParsedRequest &parsed, Request *request) const;

    HttpLimits m_limits;
    HttpRequestParser m_parser;
    ParsedRequest m_parsed;
};

} // namespace ssebuf

#endif
