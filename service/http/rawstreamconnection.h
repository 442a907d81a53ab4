#ifndef SSEBUF_RAWSTREAMCONNECTION_H
#define SSEBUF_RAWSTREAMCONNECTION_H

#include "streamconnection.h"

#include "eventloop/writecoalescer.h"

#include <QByteArray>
#include <QList>
#include <QPointer>

class QSocketNotifier;

namespace ssebuf {

// A plain TCP stream on a raw descriptor. Writes go out with send(2) at once, or, while
// its coalescer is corked (a pass that brings several events at once), are queued as
// shared QByteArrays (no copy) and sent in one sendmsg(2) when the pass ends (at once past
// corkBytes). What the kernel does not take waits for a write notifier. About 1 KiB of user
// memory per idle stream.
class RawStreamConnection : public StreamConnection, public CorkedWriter
{
    Q_OBJECT
public:
    // Past this many corked bytes a stream sends at once rather than when the cork ends.
    static constexpr qint64 corkBytes = 64 * 1024;

    RawStreamConnection(int descriptor, qint64 maxInputBytes, WriteCoalescer *coalescer = nullptr);
    ~RawStreamConnection() override;

    bool isOpen() const override { return m_fd >= 0; }
    qint64 unsentBytes() const override { return m_unsent - m_corked; }
    void write(const QByteArray &bytes) override;
    void closeAfterFlush() override;
    void abort() override;

    // Called by the coalescer at the end of a corked pass.
    void flushCorked() override;

private:
    void writeBytes(const QByteArray &bytes); // not empty, the held head already in front
    void readNotifier_activated();
    void sendAndReport();
    bool sendQueued(); // false when the connection failed
    void finish();

    int m_fd;
    qint64 m_maxInputBytes;
    QPointer<WriteCoalescer> m_coalescer;
    bool m_scheduled = false; // waiting for the coalescer's flush
    qint64 m_discarded = 0;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QList<QByteArray> m_queue;
    qsizetype m_queueOffset = 0; // bytes of m_queue.first() already sent
    qint64 m_unsent = 0; // everything queued, corked bytes included
    qint64 m_corked = 0; // queued since the last send, waiting for the cork to end
    bool m_closing = false;
    bool m_halfClosed = false;
    bool m_finished = false;
};

} // namespace ssebuf

#endif
