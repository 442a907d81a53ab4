#include "wspublisher.h"

#include <cstdlib>
#include <cstring>

namespace ssebench {

namespace {

// RFC 6455 wants an unpredictable mask per frame against proxies that cache; on loopback
// against a known server a fixed one is enough (the server unmasks whatever it is).
const unsigned char maskKey[4] = {0x3a, 0x91, 0x5c, 0xe7};

std::string frame(unsigned char opcode, const std::string &payload)
{
    std::string out;
    out.reserve(payload.size() + 14);
    out += char(0x80 | opcode); // FIN
    const size_t size = payload.size();
    if (size < 126) {
        out += char(0x80 | size);
    } else if (size < 65536) {
        out += char(0x80 | 126);
        out += char((size >> 8) & 0xff);
        out += char(size & 0xff);
    } else {
        out += char(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out += char((uint64_t(size) >> shift) & 0xff);
    }
    out.append(reinterpret_cast<const char *>(maskKey), 4);
    for (size_t i = 0; i < size; ++i)
        out += char(static_cast<unsigned char>(payload[i]) ^ maskKey[i % 4]);
    return out;
}

} // namespace

WsPublisher::WsPublisher(Poller &poller, const sockaddr_in &address, std::string host)
    : BenchConnection(poller, address)
    , m_host(std::move(host))
{
}

bool WsPublisher::start(const std::string &path)
{
    m_status = 0;
    m_failed = false;
    m_head.clear();
    if (!open()) {
        m_failed = true;
        return false;
    }
    send("GET " + path + " HTTP/1.1\r\nHost: " + m_host
         + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: c3NlYmVuY2gtcHVibGlzaA==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    return true;
}

void WsPublisher::sendText(const std::string &text)
{
    if (isReady())
        send(frame(0x1, text));
}

void WsPublisher::sendClose()
{
    if (isReady())
        send(frame(0x8, std::string("\x03\xe8", 2))); // 1000: normal closure
}

void WsPublisher::received(const char *data, size_t size)
{
    m_received += int64_t(size);
    if (m_status != 0)
        return;
    m_head.append(data, size);
    if (m_head.find("\r\n\r\n") == std::string::npos) {
        if (m_head.size() > 16384) {
            m_failed = true;
            close();
        }
        return;
    }
    // "HTTP/1.1 101 Switching Protocols"
    const size_t space = m_head.find(' ');
    m_status = space == std::string::npos ? -1 : std::atoi(m_head.c_str() + space + 1);
    if (m_status != 101) {
        m_failed = true;
        close();
    }
}

void WsPublisher::lost(int)
{
    m_failed = true;
}

} // namespace ssebench
