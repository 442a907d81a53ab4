#ifndef SSEBUF_GUARDEDTCPSERVER_H
#define SSEBUF_GUARDEDTCPSERVER_H

#include "connectioncounter.h"
#include "eventloop/writecoalescer.h"
#include "fastrequestpath.h"
#include "forwardedfor.h"
#include "httplimits.h"
#include "streamedrequestbody.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

namespace ssebuf {

// A QTcpServer that gives every accepted socket a ConnectionGuard before QtHttpServer
// sees it, and bounds the socket's read buffer. It counts open connections (ConnectionCounter)
// and closes new ones past the limits at once; when accept() fails (EMFILE, ENFILE), it
// keeps serving and accepts again after a pause or when a connection closes.
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
    // Given to every connection's guard (the hot route's requests, FastRequestPath).
    void setFastRequestHandler(const FastRequestPath::Handler &handler) { m_fastHandler = handler; }
    // Serves TLS: every connection is a QSslSocket that starts server encryption.
    void setTlsConfiguration(const QSslConfiguration &configuration) { m_tls = configuration; }
    // Peers not counted per address (contract 1.1 section 18).
    void setTrustedProxies(const TrustedProxies &proxies) { m_trustedProxies = proxies; }
    const ConnectionCounter *connectionCounter() const { return m_counter; }
    ConnectionCounter *connectionCounter() { return m_counter; }

Q_SIGNALS:
    // A ConnectionGuard answered a request itself (413, 431, 408, ...).
    void requestRejected(int status);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void acceptFailed(QAbstractSocket::SocketError error);
    void resumeAfterAcceptError();

    HttpLimits m_limits;
    ConnectionCounter *m_counter;
    TrustedProxies m_trustedProxies;
    bool m_acceptPaused = false;
    QPointer<QObject> m_httpServer;
    QPointer<WriteCoalescer> m_coalescer;
    std::optional<QSslConfiguration> m_tls;
    StreamedRequestHandler m_streamedHandler;
    FastRequestPath::Handler m_fastHandler;
};

} // namespace ssebuf

#endif
