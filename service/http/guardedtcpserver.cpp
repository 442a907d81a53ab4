#include "guardedtcpserver.h"

#include "connectionguard.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcTls, "ssebuf.http.tls")

namespace ssebuf {

GuardedTcpServer::GuardedTcpServer(const HttpLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    QTcpSocket *socket = nullptr;
    if (m_tls) {
        auto *sslSocket = new QSslSocket(this);
        sslSocket->setSslConfiguration(*m_tls);
        if (!sslSocket->setSocketDescriptor(descriptor)) {
            delete sslSocket;
            return;
        }
        connect(sslSocket, &QSslSocket::sslErrors, sslSocket,
                [sslSocket](const QList<QSslError> &errors) {
                    qCInfo(lcTls) << "TLS handshake with" << sslSocket->peerAddress().toString()
                                  << "failed:" << errors.value(0).errorString();
                });
        sslSocket->startServerEncryption();
        socket = sslSocket;
    } else {
        socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
    }
    // TCP_NODELAY: what a loop pass writes goes out at once, in as few sends as the service
    // can make it (WriteCoalescer); Nagle's algorithm would hold a second small write (the
    // answer to a pipelined request, the next event) until the client's delayed ACK, up to
    // 40 ms later. Stream descriptors are duplicates of this socket and share the option.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // QtHttpServer keeps a whole request in the socket's buffer until it is complete; the
    // guard rejects anything larger, and this bounds what a client can make us hold.
    socket->setReadBufferSize(m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 65536);
    auto *guard = new ConnectionGuard(socket, m_limits);
    guard->setHttpServer(m_httpServer);
    guard->setWriteCoalescer(m_coalescer);
    guard->setStreamedRequestHandler(m_streamedHandler);
    connect(guard, &ConnectionGuard::requestRejected, this, &GuardedTcpServer::requestRejected);
    addPendingConnection(socket);
    // QtHttpServer connects its readyRead slot when it takes the socket (in this call or
    // on newConnection, both before the socket can read anything): the guard's second
    // slot goes after it.
    QMetaObject::invokeMethod(guard, &ConnectionGuard::attachAfterServer, Qt::QueuedConnection);
}

} // namespace ssebuf
