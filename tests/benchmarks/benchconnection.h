#ifndef SSEBUF_BENCH_BENCHCONNECTION_H
#define SSEBUF_BENCH_BENCHCONNECTION_H

#include "poller.h"

#include <netinet/in.h>

#include <cstddef>
#include <string>

namespace ssebench {

// One non-blocking TCP client connection driven by the Poller. Objects stay alive for the
// whole workload (the poller holds raw pointers to them); close() only releases the socket.
class BenchConnection : public PollHandler
{
public:
    BenchConnection(Poller &poller, const sockaddr_in &address);
    ~BenchConnection() override;
    BenchConnection(const BenchConnection &) = delete;
    BenchConnection &operator=(const BenchConnection &) = delete;

    // Starts a non-blocking connect; false (with errno kept in lastError()) when it fails
    // at once, e.g. out of file descriptors or local ports.
    bool open();
    void close();
    bool isOpen() const { return m_fd >= 0; }
    bool isConnecting() const { return m_connecting; }
    // Binds to this local address (port chosen at connect time) before connecting: spreading
    // 10,000 streams over several 127.0.0.x sources keeps clear of the ephemeral port range
    // and of TIME_WAIT left by earlier runs.
    void setSourceAddress(in_addr_t address) { m_source = address; }
    int lastError() const { return m_lastError; }

    // Queues bytes; they go out as soon as the socket is connected and writable.
    void send(const std::string &bytes);

    void handleEvents(uint32_t events) override;

protected:
    virtual void connected() { }
    virtual void received(const char *data, size_t size) = 0;
    // The peer closed the connection (error 0) or it failed (errno value); the socket is
    // already closed.
    virtual void lost(int error) = 0;

private:
    void flush();
    void updateInterest();
    void fail(int error);

    Poller &m_poller;
    sockaddr_in m_address;
    std::string m_out;
    size_t m_outPos = 0;
    in_addr_t m_source = 0;
    int m_fd = -1;
    int m_lastError = 0;
    bool m_connecting = false;
    bool m_wantWrite = false;
};

} // namespace ssebench

#endif
