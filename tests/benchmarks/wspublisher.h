#ifndef SSEBUF_BENCH_WSPUBLISHER_H
#define SSEBUF_BENCH_WSPUBLISHER_H

#include "benchconnection.h"

#include <cstdint>
#include <string>

namespace ssebench {

// A WebSocket client that publishes text messages (Nchan's WebSocket publisher: every
// message sent to the publisher location is published to its channel). The handshake is
// checked for 101; whatever the server sends afterwards (Nchan answers each message with
// the channel's status) is read and counted, not interpreted: delivery is checked by the
// subscribers.
class WsPublisher : public BenchConnection
{
public:
    WsPublisher(Poller &poller, const sockaddr_in &address, std::string host);

    // Connects and sends the upgrade request for path.
    bool start(const std::string &path);
    bool isReady() const { return m_status == 101 && isOpen(); }
    // The handshake was answered (any status) or the connection failed.
    bool isSettled() const { return m_status != 0 || m_failed; }
    int status() const { return m_status; }
    bool failed() const { return m_failed; }
    // One masked text frame.
    void sendText(const std::string &text);
    void sendClose();
    int64_t bytesReceived() const { return m_received; }

protected:
    void received(const char *data, size_t size) override;
    void lost(int error) override;

private:
    std::string m_host;
    std::string m_head;
    int64_t m_received = 0;
    int m_status = 0;
    bool m_failed = false;
};

} // namespace ssebench

#endif
