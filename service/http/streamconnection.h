#ifndef SSEBUF_STREAMCONNECTION_H
#define SSEBUF_STREAMCONNECTION_H

#include <QByteArray>
#include <QObject>

#include <memory>
#include <utility>

class QTcpSocket;

namespace ssebuf {

class WriteCoalescer;

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
    static std::unique_ptr<StreamConnection> take(QTcpSocket *socket, qint64 maxInputBytes,
                                                  WriteCoalescer *coalescer = nullptr);

    // Holds the response head back until the first write(), so that the head and the stream's
    // first bytes (its "retry:" line) leave in one send; closeAfterFlush() sends a head still
    // held. Not counted in unsentBytes() (not offered to the kernel yet).
    void holdHead(const QByteArray &head) { m_heldHead = head; }

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

protected:
    bool holdsHead() const { return !m_heldHead.isEmpty(); }
    // bytes, behind the held head if there is one (once).
    QByteArray withHeldHead(const QByteArray &bytes)
    {
        if (m_heldHead.isEmpty())
            return bytes;
        QByteArray all = std::exchange(m_heldHead, QByteArray());
        all += bytes;
        return all;
    }

private:
    QByteArray m_heldHead;
};

} // namespace ssebuf

#endif
