#include "socketwriter.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <cerrno>
#include <sys/socket.h>

namespace ssebuf {

bool SocketWriter::write(QTcpSocket *socket, const QByteArray &bytes)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return false;
    qsizetype sent = 0;
    if (socket->bytesToWrite() == 0 && !qobject_cast<QSslSocket *>(socket)) {
        const ssize_t result = ::send(int(socket->socketDescriptor()), bytes.constData(),
                                      size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (result > 0)
            sent = qsizetype(result);
        // On EAGAIN Qt queues everything; on a real error Qt's own write finds it and
        // reports the disconnection through its usual signals.
    }
    if (sent == bytes.size())
        return true;
    if (sent == 0)
        socket->write(bytes);
    else
        socket->write(bytes.constData() + sent, bytes.size() - sent);
    socket->flush();
    return true;
}

} // namespace ssebuf
