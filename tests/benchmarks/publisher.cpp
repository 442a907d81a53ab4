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
    std::vector<Request> requests;
    requests.push_back(Request {path, body, std::move(callback)});
    return postBurst(std::move(requests));
}

bool Publisher::postBurst(std::vector<Request> requests)
{
    if (isBusy() || requests.empty())
        return false;
    if (!isOpen()) {
        m_http.reset();
        m_closing = false;
        m_answers.clear();
        if (!open())
            return false;
    }
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
