#include "httpresponseparser.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace ssebench {

namespace {

std::string lowered(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// The value of a header in a lowered head block, or an empty string.
std::string headerValue(const std::string &loweredHead, const char *name)
{
    const std::string key = std::string("\n") + name + ":";
    const size_t at = loweredHead.find(key);
    if (at == std::string::npos)
        return {};
    size_t begin = at + key.size();
    const size_t end = loweredHead.find('\n', begin);
    while (begin < end && (loweredHead[begin] == ' ' || loweredHead[begin] == '\t'))
        ++begin;
    std::string value = loweredHead.substr(begin, end == std::string::npos ? end : end - begin);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.pop_back();
    return value;
}

} // namespace

HttpResponseParser::HttpResponseParser(HttpResponseListener *listener)
    : m_listener(listener)
{
}

void HttpResponseParser::reset()
{
    m_line.clear();
    m_state = State::Head;
    m_remaining = 0;
}

bool HttpResponseParser::feed(const char *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        switch (m_state) {
        case State::Head: {
            const char *end = static_cast<const char *>(std::memchr(data + pos, '\n', size - pos));
            const size_t take = end ? size_t(end - (data + pos)) + 1 : size - pos;
            m_line.append(data + pos, take);
            pos += take;
            if (m_line.size() > 64 * 1024)
                return false;
            if (m_line.size() >= 4 && m_line.compare(m_line.size() - 4, 4, "\r\n\r\n") == 0) {
                if (!parseHead())
                    return false;
            }
            break;
        }
        case State::Length: {
            const size_t take = size_t(std::min<uint64_t>(m_remaining, size - pos));
            m_listener->responseBody(data + pos, take);
            pos += take;
            m_remaining -= take;
            if (m_remaining == 0)
                complete();
            break;
        }
        case State::UntilClose:
            m_listener->responseBody(data + pos, size - pos);
            pos = size;
            break;
        case State::ChunkSize:
        case State::Trailer: {
            const char *end = static_cast<const char *>(std::memchr(data + pos, '\n', size - pos));
            const size_t take = end ? size_t(end - (data + pos)) + 1 : size - pos;
            m_line.append(data + pos, take);
            pos += take;
            if (!end)
                break;
            if (m_state == State::ChunkSize) {
                char *stop = nullptr;
                m_remaining = std::strtoull(m_line.c_str(), &stop, 16);
                if (stop == m_line.c_str())
                    return false;
                m_line.clear();
                m_state = m_remaining == 0 ? State::Trailer : State::ChunkData;
            } else {
                const bool empty = m_line == "\r\n" || m_line == "\n";
                m_line.clear();
                if (empty)
                    complete();
            }
            break;
        }
        case State::ChunkData: {
            const size_t take = size_t(std::min<uint64_t>(m_remaining, size - pos));
            m_listener->responseBody(data + pos, take);
            pos += take;
            m_remaining -= take;
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
                m_remaining = 2;
            }
            break;
        }
        case State::ChunkDataEnd:
            // The CRLF after a chunk's data.
            while (pos < size && m_remaining > 0) {
                if (data[pos] == '\n')
                    m_remaining = 0;
                ++pos;
            }
            if (m_remaining == 0) {
                m_line.clear();
                m_state = State::ChunkSize;
            }
            break;
        }
    }
    return true;
}

void HttpResponseParser::finish()
{
    if (m_state == State::UntilClose)
        complete();
}

bool HttpResponseParser::parseHead()
{
    const std::string head = lowered(m_line);
    m_line.clear();
    if (head.compare(0, 5, "http/") != 0)
        return false;
    const size_t space = head.find(' ');
    if (space == std::string::npos)
        return false;
    const int status = std::atoi(head.c_str() + space + 1);
    if (status >= 100 && status < 200)
        return true; // interim response: the real one follows
    m_listener->responseHead(status, head);
    const std::string length = headerValue(head, "content-length");
    if (status == 204 || status == 304) {
        complete();
    } else if (headerValue(head, "transfer-encoding").find("chunked") != std::string::npos) {
        m_state = State::ChunkSize;
    } else if (!length.empty()) {
        m_remaining = std::strtoull(length.c_str(), nullptr, 10);
        m_state = State::Length;
        if (m_remaining == 0)
            complete();
    } else {
        m_state = State::UntilClose;
    }
    return true;
}

void HttpResponseParser::complete()
{
    m_state = State::Head;
    m_remaining = 0;
    m_line.clear();
    m_listener->responseComplete();
}

} // namespace ssebench
