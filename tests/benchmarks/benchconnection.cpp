#include "benchconnection.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ssebench {

namespace {

// One read buffer for all connections: the loop is single-threaded and each handler
// consumes what it reads before returning.
char g_readBuffer[256 * 1024];

} // namespace

BenchConnection::BenchConnection(Poller &poller, const sockaddr_in &address)
    : m_poller(poller)
    , m_address(address)
{
}

BenchConnection::~BenchConnection()
{
    close();
}

bool BenchConnection::open()
{
    close();
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        m_lastError = errno;
        return false;
    }
    const int one = 1;
    setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (m_source != 0) {
        setsockopt(m_fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in local {};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = m_source;
        if (::bind(m_fd, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0) {
            m_lastError = errno;
            ::close(m_fd);
            m_fd = -1;
            return false;
        }
    }
    if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&m_address), sizeof m_address) != 0
        && errno != EINPROGRESS) {
        m_lastError = errno;
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    m_connecting = true;
    m_wantWrite = true;
    if (!m_poller.add(m_fd, EPOLLOUT | EPOLLIN, this)) {
        m_lastError = errno;
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    return true;
}

void BenchConnection::close()
{
    if (m_fd < 0)
        return;
    m_poller.remove(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_connecting = false;
    m_wantWrite = false;
    m_out.clear();
    m_outPos = 0;
}

void BenchConnection::send(const std::string &bytes)
{
    if (m_outPos == m_out.size()) {
        m_out.clear();
        m_outPos = 0;
    }
    m_out += bytes;
    if (m_fd >= 0 && !m_connecting)
        flush();
}

void BenchConnection::handleEvents(uint32_t events)
{
    if (m_fd < 0)
        return; // closed earlier in this batch
    if (m_connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail(error);
            return;
        }
        if (!(events & (EPOLLOUT | EPOLLIN)))
            return;
        m_connecting = false;
        connected();
        if (m_fd < 0)
            return;
        flush();
        if (m_fd < 0)
            return;
    }
    if (events & EPOLLOUT)
        flush();
    if (m_fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        const ssize_t count = ::read(m_fd, g_readBuffer, sizeof g_readBuffer);
        if (count > 0)
            received(g_readBuffer, size_t(count));
        else if (count == 0)
            fail(0);
        else if (errno != EAGAIN && errno != EINTR)
            fail(errno);
    }
}

void BenchConnection::flush()
{
    while (m_outPos < m_out.size()) {
        const ssize_t count
            = ::send(m_fd, m_out.data() + m_outPos, m_out.size() - m_outPos, MSG_NOSIGNAL);
        if (count < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            fail(errno);
            return;
        }
        m_outPos += size_t(count);
    }
    if (m_outPos == m_out.size()) {
        m_out.clear();
        m_outPos = 0;
    }
    updateInterest();
}

void BenchConnection::updateInterest()
{
    const bool wantWrite = m_connecting || m_outPos < m_out.size();
    if (wantWrite == m_wantWrite)
        return;
    m_wantWrite = wantWrite;
    m_poller.modify(m_fd, EPOLLIN | (wantWrite ? EPOLLOUT : 0u), this);
}

void BenchConnection::fail(int error)
{
    m_lastError = error;
    close();
    lost(error);
}

} // namespace ssebench
