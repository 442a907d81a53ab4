#ifndef SSEBUF_BENCH_PUBLISHER_H
#define SSEBUF_BENCH_PUBLISHER_H

#include "benchconnection.h"
#include "httpresponseparser.h"

#include <cstdint>
#include <functional>
#include <string>

namespace ssebench {

// A keep-alive connection that sends one POST at a time and hands each answer to a
// callback. It reconnects when the server closed an idle connection.
class Publisher : public BenchConnection, private HttpResponseListener
{
public:
    // status 0: the connection failed before an answer came.
    using Callback = std::function<void(int status, const std::string &body)>;

    Publisher(Poller &poller, const sockaddr_in &address, std::string host);

    bool isBusy() const { return bool(m_callback); }
    // Sends POST path with a JSON body; false when a request is already in flight or the
    // connection cannot be opened.
    bool post(const std::string &path, const std::string &body, Callback callback);
    int64_t sentNs() const { return m_sentNs; }

protected:
    void received(const char *data, size_t size) override;
    void lost(int error) override;

private:
    void responseHead(int status, const std::string &head) override;
    void responseBody(const char *data, size_t size) override;
    void responseComplete() override;
    void answer(int status);

    HttpResponseParser m_http;
    std::string m_host;
    std::string m_body;
    Callback m_callback;
    int64_t m_sentNs = 0;
    int m_status = 0;
    bool m_closeAfterAnswer = false;
};

} // namespace ssebench

#endif
