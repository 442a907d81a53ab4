#ifndef SSEBUF_HTTPFRONTEND_H
#define SSEBUF_HTTPFRONTEND_H

#include "fastrequestpath.h"
#include "forwardedfor.h"
#include "httplimits.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "router.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QPointer>
#include <QSslConfiguration>

#include <optional>

namespace ssebuf {

class ConnectionCounter;
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
    // The at-once lane for the hot route (POST /api/sessions/{id}/events, a complete request
    // with a JSON body, taken by FastRequestPath; a closing one too): handler writes
    // the answer before it returns, or returns false having done nothing, and the request then
    // goes to the Router like any other. Answered so, a request has no HttpExchange and skips
    // the Router; its answer, its order on the connection and its report (exchangeAnswered,
    // under routeName) are the same. Not used with --trusted-proxy.
    using AtOnceHandler = std::function<bool(const HttpRequest &request, const QString &sessionId,
                                             HttpResponse *answer)>;
    void setAtOnceHandler(const QString &routeName, AtOnceHandler handler)
    {
        m_atOnceRoute = routeName;
        m_atOnce = std::move(handler);
    }
    // Open and refused connections (for /metrics); nullptr before listen().
    const ConnectionCounter *connectionCounter() const;
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
    // The at-once lane (setAtOnceHandler()); false when the request must take the Router.
    bool answerAtOnce(FastRequestPath::Request &request, QTcpSocket *socket,
                      ResponseSequencer *sequencer);

    HttpLimits m_limits;
    Router *m_router;
    QPointer<WriteCoalescer> m_coalescer;
    QPointer<GuardedTcpServer> m_tcpServer;
    std::optional<QSslConfiguration> m_tls;
    TrustedProxies m_trustedProxies;
    ConnectionCounter *m_counter = nullptr; // the server's (a child of this), after listen()
    QString m_atOnceRoute;
    AtOnceHandler m_atOnce;
};

} // namespace ssebuf

#endif
