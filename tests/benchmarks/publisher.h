#ifndef SSEBUF_BENCH_PUBLISHER_H
#define SSEBUF_BENCH_PUBLISHER_H

#include "benchconnection.h"
#include "httpresponseparser.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace ssebench {

// A keep-alive connection that sends one POST, or a burst of pipelined POSTs, at a time and
// hands each answer to its callback, in order (HTTP/1.1 answers in request order). It
// reconnects when the server closed an idle connection.
class Publisher : public BenchConnection, private HttpResponseListener
{
public:
    // status 0: the connection failed before an answer came.
    using Callback = std::function<void(int status, const std::string &body)>;

    struct Request
    {
        std::string path;
        std::string body;
        Callback callback;
    };

    Publisher(Poller &poller, const sockaddr_in &address, std::string host);

    // Something is in flight: a request sent and not yet answered.
    bool isBusy() const { return !m_pending.empty(); }
    // Sends POST path with a JSON body; false when a request is already in flight or the
    // connection cannot be opened.
    bool post(const std::string &path, const std::string &body, Callback callback);
    // Sends every request pipelined with one write; the callbacks run in request order.
    // False (no callback runs) when a request is already in flight or the connection cannot
    // be opened. When the connection fails, every unanswered request gets status 0.
    bool postBurst(std::vector<Request> requests);
    // When the last post or burst was sent.
    int64_t sentNs() const { return m_sentNs; }

    // A request whose body is produced while it is sent (Transfer-Encoding: chunked): the
    // head and the first chunk go out at once, streamChunk() adds chunks, endStream() ends the
    // body. The callback gets the answer: normally after endStream(),
    // earlier when the server refuses the stream. False as for postBurst().
    bool openStream(const std::string &path, const std::string &contentType,
                    const std::string &firstChunk, Callback callback);
    void streamChunk(const std::string &data);
    // Sends lastChunk (if any) and the terminating empty chunk in one write.
    void endStream(const std::string &lastChunk = std::string());
    // Opens the connection ahead of the first request (e.g. before a measured phase).
    bool connect();
    bool isConnected() const { return isOpen() && !isConnecting(); }

protected:
    void received(const char *data, size_t size) override;
    void lost(int error) override;

private:
    struct Answer
    {
        int status;
        std::string body;
    };

    void responseHead(int status, const std::string &head) override;
    void responseBody(const char *data, size_t size) override;
    void responseComplete() override;
    // Runs the callbacks of the answers parsed so far, then, with failRest, those of the
    // requests the closed connection left unanswered (status 0).
    void dispatch(bool failRest);
    bool ensureOpen();
    static void appendChunk(std::string *bytes, const std::string &data);

    HttpResponseParser m_http;
    std::string m_host;
    std::string m_body;
    std::deque<Callback> m_pending;
    std::vector<Answer> m_answers;
    int64_t m_sentNs = 0;
    int m_status = 0;
    bool m_closeAfterAnswer = false;
    // The server announced Connection: close; whatever follows on this connection is ignored.
    bool m_closing = false;
};

} // namespace ssebench

#endif
