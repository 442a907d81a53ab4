#ifndef SSEBUF_SOCKETSTREAMCONNECTION_H
#define SSEBUF_SOCKETSTREAMCONNECTION_H

#include "streamconnection.h"

#include <QPointer>

class QTcpSocket;

namespace ssebuf {

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
