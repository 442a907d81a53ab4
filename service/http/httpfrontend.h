#ifndef SSEBUF_HTTPFRONTEND_H
#define SSEBUF_HTTPFRONTEND_H

#include "forwardedfor.h"
#include "httplimits.h"
#include "httprequest.h"
#include "router.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QPointer>
#include <QSslConfiguration>

#include <optional>

namespace ssebuf {

class GuardedTcpServer;
class ResponseSequencer;
class WriteCoalescer;

// The one place that knows QtHttpServer: accepts connections through a GuardedTcpServer,
// lets QtHttpServer parse requests, copies each into an HttpRequest and hands it to the
// Router inside an HttpExchange.
class HttpFrontend : public QAbstractHttpServer
{
    Q_OBJECT
public:
    // coalescer: corks the event streams this front end hands over (not owned).
    HttpFrontend(const HttpLimits &limits, Router *router, WriteCoalescer *coalescer,
                 QObject *parent = nullptr);

    // Serves HTTPS from now on (call before listen()).
    void setTlsConfiguration(const QSslConfiguration &configuration);
    // --trusted-proxy: their X-Forwarded-For gives the client address (call before listen()).
    void setTrustedProxies(const TrustedProxies &proxies) { m_trustedProxies = proxies; }
    // Open and refused connections (for /metrics); nullptr before listen().
    const class ConnectionCounter *connectionCounter() const;
    bool listen(const QHostAddress &address, quint16 port, QString *error = nullptr);
    quint16 port() const;
    // Stops accepting connections (shutdown).
    void close();
    // Called by each exchange it made once answered: emits exchangeAnswered.
    void reportAnswer(const HttpRequest &request, const QString &routeName, int status,
                      qint64 elapsedMs)
    {
        Q_EMIT exchangeAnswered(request, routeName, status, elapsedMs);
    }

Q_SIGNALS:
    void exchangeAnswered(const ssebuf::HttpRequest &request, const QString &routeName, int status,
                          qint64 elapsedMs);
    void connectionRejected(int status);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    // Gives a request its client address (X-Forwarded-For from a trusted proxy) and hands it
    // to the router in an exchange: every request but a streamed one comes through here.
    void dispatch(HttpRequest &&request, QTcpSocket *socket, bool closeAfterResponse,
                  ResponseSequencer *sequencer);

    HttpLimits m_limits;
    Router *m_router;
    QPointer<WriteCoalescer> m_coalescer;
    QPointer<GuardedTcpServer> m_tcpServer;
    std::optional<QSslConfiguration> m_tls;
    TrustedProxies m_trustedProxies;
};

} // namespace ssebuf

#endif
