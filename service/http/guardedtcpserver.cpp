#include "guardedtcpserver.h"

#include "connectionguard.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcTls, "ssebuf.http.tls")
Q_LOGGING_CATEGORY(lcAccept, "ssebuf.http")

namespace ssebuf {

GuardedTcpServer::GuardedTcpServer(const HttpLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_counter(new ConnectionCounter(limits.maxConnections, limits.maxConnectionsPerIp, this))
{
    // QTcpServer pauses accepting for good on any accept() error but EAGAIN; out of
    // descriptors, the listener would never accept again.
    connect(this, &QTcpServer::acceptError, this, &GuardedTcpServer::acceptFailed);
    connect(m_counter, &ConnectionCounter::released, this, [this] {
        if (m_acceptPaused)
            resumeAfterAcceptError();
    });
}

void GuardedTcpServer::acceptFailed(QAbstractSocket::SocketError error)
{
    m_counter->recordAcceptError();
    if (!m_acceptPaused)
        qCWarning(lcAccept).noquote() << "accept() failed:" << errorString() << "(" << int(error)
                                      << "); serving on, accepting again in 100 ms";
    m_acceptPaused = true;
    QTimer::singleShot(100, this, [this] {
        if (m_acceptPaused)
            resumeAfterAcceptError();
    });
}

void GuardedTcpServer::resumeAfterAcceptError()
{
    m_acceptPaused = false;
    if (isListening())
        resumeAccepting(); // fails again (and pauses again) while descriptors are short
}

namespace {

QHostAddress peerOf(qintptr descriptor)
{
    sockaddr_storage storage {};
    socklen_t length = sizeof(storage);
    if (::getpeername(int(descriptor), reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&storage));
}

} // namespace

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    const QHostAddress peer = peerOf(descriptor);
    ConnectionCounter::Refusal refusal = ConnectionCounter::Refusal::None;
    ConnectionSlot *slot = m_counter->acquire(peer, !m_trustedProxies.contains(peer), &refusal);
    if (!slot) {
        // Closed at once: answering would cost what the limit is there to save.
        qCDebug(lcAccept).noquote()
            << "refusing a connection from" << peer.toString()
            << (refusal == ConnectionCounter::Refusal::Total ? "(--max-connections)"
                                                             : "(--max-connections-per-ip)");
        ::close(int(descriptor));
        return;
    }
    QTcpSocket *socket = nullptr;
    if (m_tls) {
        auto *sslSocket = new QSslSocket(this);
        sslSocket->setSslConfiguration(*m_tls);
        if (!sslSocket->setSocketDescriptor(descriptor)) {
            delete sslSocket;
            delete slot;
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
            delete slot;
            return;
        }
    }
    slot->setParent(socket);
    connect(socket, &QAbstractSocket::disconnected, slot, &ConnectionSlot::release);
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
    guard->setConnectionCounter(m_counter);
    guard->setStreamedRequestHandler(m_streamedHandler);
    if (m_fastHandler)
        guard->setFastRequestHandler(m_fastHandler);
    connect(guard, &ConnectionGuard::requestRejected, this, &GuardedTcpServer::requestRejected);
    addPendingConnection(socket);
    // QtHttpServer connects its readyRead slot when it takes the socket (in this call or
    // on newConnection, both before the socket can read anything): the guard's second
    // slot goes after it.
    QMetaObject::invokeMethod(guard, &ConnectionGuard::attachAfterServer, Qt::QueuedConnection);
}

} // namespace ssebuf
