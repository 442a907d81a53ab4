#ifndef SSEBUF_GUARDEDTCPSERVER_H
#define SSEBUF_GUARDEDTCPSERVER_H

#include "eventloop/writecoalescer.h"
#include "httplimits.h"
#include "streamedrequestbody.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

namespace ssebuf {

// A QTcpServer that gives every accepted socket a ConnectionGuard before QtHttpServer
// sees it, and bounds the socket's read buffer.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    GuardedTcpServer(const HttpLimits &limits, QObject *parent = nullptr);
    void setHttpServer(QObject *server) { m_httpServer = server; }
    void setWriteCoalescer(WriteCoalescer *coalescer) { m_coalescer = coalescer; }
    // Given to every connection's guard (streaming publish).
    void setStreamedRequestHandler(const StreamedRequestHandler &handler)
    {
        m_streamedHandler = handler;
    }
    // Serves TLS: every connection is a QSslSocket that starts server encryption.
    void setTlsConfiguration(const QSslConfiguration &configuration) { m_tls = configuration; }

Q_SIGNALS:
    // A ConnectionGuard answered a request itself (413, 431, 408, ...).
    void requestRejected(int status);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    HttpLimits m_limits;
    QPointer<QObject> m_httpServer;
    QPointer<WriteCoalescer> m_coalescer;
    std::optional<QSslConfiguration> m_tls;
    StreamedRequestHandler m_streamedHandler;
};

} // namespace ssebuf

#endif
