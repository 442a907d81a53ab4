#include "streamconnection.h"

#include "connectioncounter.h"
#include "connectionguard.h"
#include "rawstreamconnection.h"
#include "socketstreamconnection.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <fcntl.h>

namespace ssebuf {

std::unique_ptr<StreamConnection> StreamConnection::take(QTcpSocket *socket, qint64 maxInputBytes,
                                                         WriteCoalescer *coalescer)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return nullptr;
    if (!qobject_cast<QSslSocket *>(socket) && socket->bytesToWrite() == 0) {
        const int descriptor = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
        if (descriptor >= 0) {
            // Qt closes its descriptor; the connection lives on in ours (no FIN is sent
            // while a descriptor still refers to it). QtHttpServer deletes the socket.
            auto stream
                = std::make_unique<RawStreamConnection>(descriptor, maxInputBytes, coalescer);
            ConnectionSlot::transfer(socket, stream.get()); // still one open connection
            socket->abort();
            return stream;
        }
    }
    if (ConnectionGuard *guard = ConnectionGuard::of(socket))
        guard->beginStreaming();
    return std::make_unique<SocketStreamConnection>(socket);
}

} // namespace ssebuf
