#ifndef SSEBUF_STREAMCONNECTION_H
#define SSEBUF_STREAMCONNECTION_H

#include <QByteArray>
#include <QObject>

#include <memory>

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

} // namespace ssebuf

#endif
