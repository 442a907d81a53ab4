#include "publisher.h"

#include <cstdio>

namespace ssebench {

Publisher::Publisher(Poller &poller, const sockaddr_in &address, std::string host)
    : BenchConnection(poller, address)
    , m_http(this)
    , m_host(std::move(host))
{
}

bool Publisher::post(const std::string &path, const std::string &body, Callback callback)
{
    std::vector<Request> requests;
    requests.push_back(Request {path, body, std::move(callback)});
    return postBurst(std::move(requests));
}

bool Publisher::postBurst(std::vector<Request> requests)
{
    if (isBusy() || requests.empty() || !ensureOpen())
        return false;
    std::string bytes;
    for (Request &request : requests) {
        bytes.reserve(bytes.size() + 160 + request.path.size() + request.body.size());
        bytes += "POST ";
        bytes += request.path;
        bytes += " HTTP/1.1\r\nHost: ";
        bytes += m_host;
        bytes += "\r\nContent-Type: application/json\r\nContent-Length: ";
        bytes += std::to_string(request.body.size());
        bytes += "\r\n\r\n";
        bytes += request.body;
        m_pending.push_back(std::move(request.callback));
    }
    m_status = 0;
    m_body.clear();
    m_sentNs = monotonicNs();
    send(bytes); // one write for the whole burst
    return true;
}

bool Publisher::ensureOpen()
{
    if (isOpen())
        return true;
    m_http.reset();
    m_closing = false;
    m_answers.clear();
    return open();
}

bool Publisher::connect()
{
    return isBusy() || ensureOpen();
}

void Publisher::appendChunk(std::string *bytes, const std::string &data)
{
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    *bytes += size;
    *bytes += data;
    *bytes += "\r\n";
}

bool Publisher::openStream(const std::string &path, const std::string &contentType,
                           const std::string &firstChunk, Callback callback)
{
    if (isBusy() || !ensureOpen())
        return false;
    std::string bytes = "POST " + path + " HTTP/1.1\r\nHost: " + m_host
        + "\r\nContent-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (!firstChunk.empty())
        appendChunk(&bytes, firstChunk);
    m_pending.push_back(std::move(callback));
    m_status = 0;
    m_body.clear();
    m_sentNs = monotonicNs();
    send(bytes);
    return true;
}

void Publisher::streamChunk(const std::string &data)
{
    if (!isBusy() || !isOpen() || data.empty())
        return; // answered (refused) or lost already: nothing more goes out
    std::string bytes;
    appendChunk(&bytes, data);
    send(bytes);
}

void Publisher::endStream(const std::string &lastChunk)
{
    if (!isBusy() || !isOpen())
        return;
    std::string bytes;
    if (!lastChunk.empty())
        appendChunk(&bytes, lastChunk);
    bytes += "0\r\n\r\n";
    send(bytes);
}

void Publisher::received(const char *data, size_t size)
{
    // The answers are collected while parsing and handed out afterwards: a callback may post
    // the next burst, which must not happen in the middle of parsing this read.
    const bool parsed = m_http.feed(data, size);
    const bool failRest = !parsed || m_closing;
    if (failRest)
        close();
    dispatch(failRest);
}

void Publisher::lost(int)
{
    if (!m_closing)
        m_http.finish();
    dispatch(true);
}

void Publisher::responseHead(int status, const std::string &head)
{
    if (m_closing)
        return;
    m_status = status;
    m_closeAfterAnswer = head.find("\nconnection: close") != std::string::npos;
}

void Publisher::responseBody(const char *data, size_t size)
{
    if (!m_closing)
        m_body.append(data, size);
}

void Publisher::responseComplete()
{
    if (m_closing)
        return;
    m_answers.push_back(Answer {m_status, std::move(m_body)});
    m_body.clear();
    m_status = 0;
    if (m_closeAfterAnswer)
        m_closing = true;
}

void Publisher::dispatch(bool failRest)
{
    std::vector<Answer> answers = std::move(m_answers);
    m_answers.clear();
    if (answers.size() > m_pending.size())
        answers.resize(m_pending.size()); // answers nobody asked for
    // Exactly this many callbacks run here. The queue stays non-empty (isBusy()) until the
    // last one, so only the last callback can post again, and what it posts is left alone.
    const size_t count = failRest ? m_pending.size() : answers.size();
    if (failRest)
        m_body.clear();
    for (size_t i = 0; i < count; ++i) {
        Callback callback = std::move(m_pending.front());
        m_pending.pop_front();
        const bool answered = i < answers.size();
        const int status = answered ? answers[i].status : 0;
        const std::string body = answered ? std::move(answers[i].body) : std::string();
        if (callback)
            callback(status, body);
    }
}

} // namespace ssebench
