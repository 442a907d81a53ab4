#ifndef SSEBUF_STREAMCONNECTION_H
#define SSEBUF_STREAMCONNECTION_H

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

#include "eventloop/writecoalescer.h"

class QSocketNotifier;
class QTcpSocket;

namespace ssebuf {

// The server side of one open event stream, after its response headers: write bytes,
// know what is still unsent, close after a flush or at once. Input from the client is
// read and discarded (a client may send at most maxInputBytes; more closes the stream).
class StreamConnection : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Takes a connection out of QtHttpServer's hands. A plain TCP socket is replaced by a
    // RawStreamConnection on a duplicate of its descriptor and the QTcpSocket (with its
    // buffers, request object and guard) is released; a TLS socket is wrapped as it is.
    // With a coalescer, a plain TCP stream's writes of a corked pass go out together.
    static StreamConnection *take(QTcpSocket *socket, qint64 maxInputBytes,
                                  WriteCoalescer *coalescer = nullptr);

    virtual bool isOpen() const = 0;
    // Bytes offered to the kernel that it has not taken yet (a client that does not read
    // makes this grow). Bytes corked until the end of the loop pass are not counted.
    virtual qint64 unsentBytes() const = 0;
    virtual void write(const QByteArray &bytes) = 0;
    // Sends what is queued, then closes (the client sees the end of the response).
    virtual void closeAfterFlush() = 0;
    // Closes now, dropping what is queued.
    virtual void abort() = 0;

Q_SIGNALS:
    // Queued bytes went out (unsentBytes() shrank).
    void bytesWritten();
    // The connection is gone: the peer closed it, it failed, or a close completed.
    // Emitted once.
    void closed();
};

// A plain TCP stream on a raw descriptor. Writes go out with send(2) at once, or, while
// its coalescer is corked (a pass that brings several events at once), are queued as
// shared QByteArrays (no copy) and sent in one sendmsg(2) when the pass ends (at once past
// corkBytes). What the kernel does not take waits for a write notifier. About 1 KiB of user
// memory per idle stream.
class RawStreamConnection : public StreamConnection, public CorkedWriter
{
    Q_OBJECT
public:
    // Past this many corked bytes a stream sends at once rather than at the end of the pass.
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
    qint64 m_corked = 0; // queued since the last send, waiting for the end of the pass
    bool m_closing = false;
    bool m_halfClosed = false;
    bool m_finished = false;
};

// A TLS stream: QSslSocket does the encryption, so it stays a QTcpSocket.
class SocketStreamConnection : public StreamConnection
{
    Q_OBJECT
public:
    explicit SocketStreamConnection(QTcpSocket *socket);
    ~SocketStreamConnection() override;

    bool isOpen() const override;
    qint64 unsentBytes() const override;
    void write(const QByteArray &bytes) override;
    void closeAfterFlush() override;
    void abort() override;

private:
    void finish();

    QPointer<QTcpSocket> m_socket;
    bool m_finished = false;
};

} // namespace ssebuf

#endif
