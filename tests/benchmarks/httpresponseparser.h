#ifndef SSEBUF_BENCH_HTTPRESPONSEPARSER_H
#define SSEBUF_BENCH_HTTPRESPONSEPARSER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace ssebench {

// Receives what HttpResponseParser finds in a response stream.
class HttpResponseListener
{
public:
    virtual ~HttpResponseListener() = default;
    virtual void responseHead(int status, const std::string &head) = 0;
    virtual void responseBody(const char *data, size_t size) = 0;
    virtual void responseComplete() = 0;
};

// Incremental HTTP/1.1 response parser for a client connection: status line and headers,
// then a body delimited by Content-Length, chunked transfer coding or the connection
// closing. After a complete response it expects the next one (keep-alive).
class HttpResponseParser
{
public:
    explicit HttpResponseParser(HttpResponseListener *listener);

    // False on a malformed response; the connection should then be dropped.
    bool feed(const char *data, size_t size);
    // The connection closed: completes a body delimited by the close.
    void finish();
    void reset();
    bool inBody() const { return m_state != State::Head; }

private:
    enum class State { Head, Length, UntilClose, ChunkSize, ChunkData, ChunkDataEnd, Trailer };

    bool parseHead();
    void complete();

    HttpResponseListener *m_listener;
    std::string m_line;
    State m_state = State::Head;
    uint64_t m_remaining = 0;
};

} // namespace ssebench

#endif
