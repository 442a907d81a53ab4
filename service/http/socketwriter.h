#ifndef SSEBUF_SOCKETWRITER_H
#define SSEBUF_SOCKETWRITER_H

#include <QByteArray>

class QTcpSocket;

namespace ssebuf {

// Writes to a connected socket, sending at once with send(2) when the socket is plain TCP
// and nothing of it is queued in Qt: one system call, no copy into QTcpSocket's write
// buffer (whose 16 KiB chunk then stays unallocated for most idle streams), no write
// notifier. What the kernel does not take is queued in Qt as usual, which keeps order and
// Qt's backpressure signals (bytesToWrite, bytesWritten). TLS sockets always go through Qt.
class SocketWriter
{
public:
    // Returns false when the socket is not connected (nothing written).
    static bool write(QTcpSocket *socket, const QByteArray &bytes);
};

} // namespace ssebuf

#endif
