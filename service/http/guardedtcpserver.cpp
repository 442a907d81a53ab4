#include "guardedtcpserver.h"

#include "connectionguard.h"

#include <QTcpSocket>

namespace ssebuf {

GuardedTcpServer::GuardedTcpServer(const HttpLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // QtHttpServer keeps a whole request in the socket's buffer until it is complete; the
    // guard rejects anything larger, and this bounds what a client can make us hold.
    socket->setReadBufferSize(m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 65536);
    auto *guard = new ConnectionGuard(socket, m_limits);
    guard->setHttpServer(m_httpServer);
    connect(guard, &ConnectionGuard::requestRejected, this, &GuardedTcpServer::requestRejected);
    addPendingConnection(socket);
}

} // namespace ssebuf
