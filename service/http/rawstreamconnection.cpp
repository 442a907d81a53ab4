#include "rawstreamconnection.h"

#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace ssebuf {

RawStreamConnection::RawStreamConnection(int descriptor, qint64 maxInputBytes,
                                         WriteCoalescer *coalescer)
    : m_fd(descriptor)
    , m_maxInputBytes(maxInputBytes)
    , m_coalescer(coalescer)
{
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this,
            &RawStreamConnection::readNotifier_activated);
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this,
            &RawStreamConnection::sendAndReport);
}

RawStreamConnection::~RawStreamConnection()
{
    if (m_scheduled && m_coalescer)
        m_coalescer->cancel(this);
    if (m_fd >= 0) {
        // Unregister from the event dispatcher before the descriptor goes away.
        m_readNotifier->setEnabled(false);
        m_writeNotifier->setEnabled(false);
        ::close(m_fd);
    }
}

void RawStreamConnection::write(const QByteArray &data)
{
    if (m_fd < 0 || m_closing)
        return;
    if (holdsHead())
        writeBytes(withHeldHead(data));
    else if (!data.isEmpty())
        writeBytes(data); // the caller's (shared) frame itself: not even a reference taken
}

void RawStreamConnection::writeBytes(const QByteArray &bytes)
{
    WriteCoalescer *const coalescer = m_coalescer.data();
    const bool corking = coalescer && coalescer->isCorked();
    if (m_queue.isEmpty() && !corking) {
        // The common case: one send(2) now. No bytesWritten from inside write(), the
        // writer would be re-entered; it sees what the kernel took from unsentBytes().
        const ssize_t result
            = ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (coalescer)
            coalescer->countSendCall();
        if (result < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            finish();
            return;
        }
        const qsizetype sent = result > 0 ? qsizetype(result) : 0;
        if (sent == bytes.size())
            return;
        m_queue.append(bytes); // QByteArray is implicitly shared: nothing is copied
        m_queueOffset = sent;
        m_unsent += bytes.size() - sent;
        m_writeNotifier->setEnabled(true);
        return;
    }
    m_queue.append(bytes);
    m_unsent += bytes.size();
    if (m_writeNotifier->isEnabled())
        return; // the kernel is full: the write notifier sends when it has room
    m_corked += bytes.size();
    if (!corking || m_corked >= corkBytes) {
        if (!sendQueued())
            finish();
        else
            m_writeNotifier->setEnabled(!m_queue.isEmpty());
        return;
    }
    if (!m_scheduled) {
        m_scheduled = true;
        coalescer->schedule(this);
    }
}

void RawStreamConnection::flushCorked()
{
    m_scheduled = false;
    if (m_fd >= 0 && !m_writeNotifier->isEnabled())
        sendAndReport();
}

bool RawStreamConnection::sendQueued()
{
    m_corked = 0; // everything queued is offered to the kernel now
    // Everything queued in one sendmsg(2), up to maxChunks buffers per call.
    constexpr int maxChunks = 64;
    while (!m_queue.isEmpty()) {
        struct iovec chunks[maxChunks];
        int count = 0;
        qint64 offered = 0;
        for (qsizetype i = 0; i < m_queue.size() && count < maxChunks; ++i, ++count) {
            const QByteArray &chunk = m_queue.at(i);
            const qsizetype skip = i == 0 ? m_queueOffset : 0;
            chunks[count].iov_base = const_cast<char *>(chunk.constData() + skip);
            chunks[count].iov_len = size_t(chunk.size() - skip);
            offered += chunk.size() - skip;
        }
        struct msghdr message = {};
        message.msg_iov = chunks;
        message.msg_iovlen = size_t(count);
        const ssize_t result = ::sendmsg(m_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (m_coalescer)
            m_coalescer->countSendCall();
        if (result < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        m_unsent -= result;
        qint64 taken = result;
        while (taken > 0) {
            const qsizetype remaining = m_queue.constFirst().size() - m_queueOffset;
            if (taken < remaining) {
                m_queueOffset += qsizetype(taken);
                break;
            }
            taken -= remaining;
            m_queue.removeFirst();
            m_queueOffset = 0;
        }
        if (result < offered)
            return true; // the kernel's buffer is full
    }
    return true;
}

void RawStreamConnection::sendAndReport()
{
    const qint64 before = m_unsent;
    if (!sendQueued()) {
        finish();
        return;
    }
    m_writeNotifier->setEnabled(!m_queue.isEmpty());
    if (m_unsent != before)
        Q_EMIT bytesWritten();
    if (m_closing && m_queue.isEmpty() && m_fd >= 0 && !m_halfClosed)
        closeAfterFlush();
}

void RawStreamConnection::readNotifier_activated()
{
    char buffer[4096];
    for (;;) {
        const ssize_t result = ::recv(m_fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (result > 0) {
            m_discarded += result;
            if (m_discarded > m_maxInputBytes) {
                abort();
                return;
            }
            continue;
        }
        if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (result < 0 && errno == EINTR)
            continue;
        // End of stream or an error: the client is gone.
        finish();
        return;
    }
}

void RawStreamConnection::closeAfterFlush()
{
    if (m_fd < 0)
        return;
    if (holdsHead())
        write(QByteArray());
    m_closing = true;
    if (!m_queue.isEmpty())
        return; // sendAndReport() comes back here when the queue is sent
    if (!m_halfClosed) {
        // FIN after the last byte; keep reading until the client closes, so bytes it still
        // sends do not turn our close into a reset that could lose the tail of the stream.
        m_halfClosed = true;
        ::shutdown(m_fd, SHUT_WR);
        QTimer::singleShot(5000, this, [this] { finish(); });
    }
}

void RawStreamConnection::abort()
{
    if (m_fd >= 0) {
        // A reset rather than a FIN behind the queued bytes: the kernel drops at once what
        // it still holds for a client that does not read (up to its send buffer, megabytes).
        const struct linger reset = {1, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
    finish();
}

void RawStreamConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_scheduled && m_coalescer)
        m_coalescer->cancel(this);
    m_scheduled = false;
    if (m_fd >= 0) {
        m_readNotifier->setEnabled(false);
        m_writeNotifier->setEnabled(false);
        ::close(m_fd);
        m_fd = -1;
    }
    m_queue.clear();
    m_unsent = 0;
    m_corked = 0;
    Q_EMIT closed();
}

} // namespace ssebuf
