#include "publisher.h"

namespace ssebench {

Publisher::Publisher(Poller &poller, const sockaddr_in &address, std::string host)
    : BenchConnection(poller, address)
    , m_http(this)
    , m_host(std::move(host))
{
}

bool Publisher::post(const std::string &path, const std::string &body, Callback callback)
{
    if (m_callback)
        return false;
    if (!isOpen()) {
        m_http.reset();
        if (!open())
            return false;
    }
    std::string request;
    request.reserve(160 + path.size() + body.size());
    request += "POST ";
    request += path;
    request += " HTTP/1.1\r\nHost: ";
    request += m_host;
    request += "\r\nContent-Type: application/json\r\nContent-Length: ";
    request += std::to_string(body.size());
    request += "\r\n\r\n";
    request += body;
    m_callback = std::move(callback);
    m_status = 0;
    m_body.clear();
    m_sentNs = monotonicNs();
    send(request);
    return true;
}

void Publisher::received(const char *data, size_t size)
{
    if (!m_http.feed(data, size)) {
        close();
        answer(0);
    }
}

void Publisher::lost(int)
{
    m_http.finish();
    if (m_callback)
        answer(0);
}

void Publisher::responseHead(int status, const std::string &head)
{
    m_status = status;
    m_closeAfterAnswer = head.find("\nconnection: close") != std::string::npos;
}

void Publisher::responseBody(const char *data, size_t size)
{
    m_body.append(data, size);
}

void Publisher::responseComplete()
{
    if (m_closeAfterAnswer)
        close();
    answer(m_status);
}

void Publisher::answer(int status)
{
    // The callback may post the next request on this connection.
    Callback callback = std::move(m_callback);
    m_callback = nullptr;
    const std::string body = std::move(m_body);
    m_body.clear();
    if (callback)
        callback(status, body);
}

} // namespace ssebench
