#include "socketstreamconnection.h"

#include "socketwriter.h"

#include <QTcpSocket>

namespace ssebuf {

SocketStreamConnection::SocketStreamConnection(QTcpSocket *socket)
    : m_socket(socket)
{
    connect(socket, &QTcpSocket::bytesWritten, this, &StreamConnection::bytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &SocketStreamConnection::finish);
    connect(socket, &QObject::destroyed, this, &SocketStreamConnection::finish);
}

SocketStreamConnection::~SocketStreamConnection()
{
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
}

bool SocketStreamConnection::isOpen() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

qint64 SocketStreamConnection::unsentBytes() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void SocketStreamConnection::write(const QByteArray &bytes)
{
    SocketWriter::write(m_socket, withHeldHead(bytes));
}

void SocketStreamConnection::closeAfterFlush()
{
    if (holdsHead())
        write(QByteArray());
    if (isOpen())
        m_socket->disconnectFromHost(); // flushes first
    else
        finish();
}

void SocketStreamConnection::abort()
{
    if (m_socket)
        m_socket->abort();
    finish();
}

void SocketStreamConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT closed();
}

} // namespace ssebuf
