#include "httpfrontend.h"

#include "connectionguard.h"
#include "eventloop/writecoalescer.h"
#include "guardedtcpserver.h"
#include "httpexchange.h"
#include "responsesequencer.h"

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QTcpSocket>

namespace ssebuf {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

} // namespace

HttpFrontend::HttpFrontend(const HttpLimits &limits, Router *router, WriteCoalescer *coalescer,
                           QObject *parent)
    : QAbstractHttpServer(parent)
    , m_limits(limits)
    , m_router(router)
    , m_coalescer(coalescer)
{
}

void HttpFrontend::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_tls = configuration;
}

bool HttpFrontend::listen(const QHostAddress &address, quint16 port, QString *error)
{
    auto *server = new GuardedTcpServer(m_limits, this);
    server->setHttpServer(this);
    server->setWriteCoalescer(m_coalescer);
    server->setTrustedProxies(m_trustedProxies);
    // A request whose body is streamed reaches the router once its head is seen; its
    // exchange answers through the body (and the connection closes after that answer).
    server->setStreamedRequestHandler(
        [this](HttpRequest request, QTcpSocket *socket, StreamedRequestBody *body) {
            auto *exchange = new HttpExchange(std::move(request), socket, true, m_coalescer);
            exchange->setStreamedBody(body);
            exchange->reportTo(this);
            exchange->dispatch(*m_router);
        });
    // The hot route's complete requests, taken off the socket by the guard (FastRequestPath),
    // go through the same dispatch as those QtHttpServer parses.
    server->setFastRequestHandler([this](FastRequestPath::Request &&request, QTcpSocket *socket,
                                         ResponseSequencer *sequencer) {
        if (!request.sessionId.isEmpty() && answerAtOnce(request, socket, sequencer))
            return;
        request.addSegments();
        dispatch(std::move(request.request), socket, request.closeAfterResponse, sequencer);
    });
    if (m_tls)
        server->setTlsConfiguration(*m_tls);
    server->setListenBacklogSize(m_limits.listenBacklog);
    if (!server->listen(address, port)) {
        if (error)
            *error = server->errorString();
        delete server;
        return false;
    }
    m_tcpServer = server;
    m_counter = server->connectionCounter();
    connect(server, &GuardedTcpServer::requestRejected, this, &HttpFrontend::connectionRejected);
    bind(server);
    return true;
}

const ConnectionCounter *HttpFrontend::connectionCounter() const
{
    return m_tcpServer ? m_tcpServer->connectionCounter() : nullptr;
}

quint16 HttpFrontend::port() const
{
    return m_tcpServer ? m_tcpServer->serverPort() : 0;
}

void HttpFrontend::close()
{
    if (m_tcpServer)
        m_tcpServer->close();
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    HttpRequest copy;
    copy.method = methodName(request.method());
    const QUrl url = request.url();
    copy.path = url.path();
    const QStringList raw = url.path(QUrl::FullyEncoded).split(QLatin1Char('/'));
    copy.segments.reserve(raw.size());
    for (const QString &segment : raw)
        copy.segments.append(QUrl::fromPercentEncoding(segment.toUtf8()));
    if (!copy.segments.isEmpty() && copy.segments.first().isEmpty())
        copy.segments.removeFirst();
    copy.query = request.query();
    copy.headers = request.headers();
    copy.body = request.body();
    ConnectionGuard *guard = ConnectionGuard::of(socket);
    const bool close = guard ? guard->takeRequestInfo().closeAfterResponse : false;
    dispatch(std::move(copy), socket, close, guard ? guard->sequencer() : nullptr);
    return true;
}

void HttpFrontend::dispatch(HttpRequest &&request, QTcpSocket *socket, bool closeAfterResponse,
                            ResponseSequencer *sequencer)
{
    request.peer = socket->peerAddress();
    request.peerPort = socket->peerPort();
    if (!m_trustedProxies.isEmpty() && m_trustedProxies.contains(request.peer)
        && request.hasHeader("x-forwarded-for")) {
        QByteArrayList forwarded; // every X-Forwarded-For header, in order, as one list
        for (const auto &header : std::as_const(request.headers)) {
            if (header.first.compare("x-forwarded-for", Qt::CaseInsensitive) == 0)
                forwarded.append(header.second);
        }
        request.proxy = request.peer;
        request.proxyPort = request.peerPort;
        request.peer = m_trustedProxies.clientAddress(request.peer, forwarded.join(','));
        request.peerPort = 0;
    }
    auto *exchange
        = new HttpExchange(std::move(request), socket, closeAfterResponse, m_coalescer, sequencer);
    exchange->reportTo(this);
    exchange->dispatch(*m_router);
}

bool HttpFrontend::answerAtOnce(FastRequestPath::Request &request, QTcpSocket *socket,
                                ResponseSequencer *sequencer)
{
    // Behind a trusted proxy the client address comes from X-Forwarded-For: dispatch() does it.
    if (!m_atOnce || !sequencer || !m_trustedProxies.isEmpty())
        return false;
    QElapsedTimer elapsed;
    elapsed.start();
    HttpRequest &http = request.request;
    http.peer = socket->peerAddress();
    http.peerPort = socket->peerPort();
    HttpResponse answer;
    const QPointer<QTcpSocket> alive(socket);
    if (!m_atOnce(http, request.sessionId, &answer))
        return false;
    // As HttpExchange::respond(): in its place among the connection's answers.
    if (alive && socket->state() == QAbstractSocket::ConnectedState)
        sequencer->deliver(sequencer->takeTicket(), answer.serialize(request.closeAfterResponse),
                           request.closeAfterResponse);
    m_counter->recordAtOnceAnswer();
    reportAnswer(http, m_atOnceRoute, answer.status, elapsed.elapsed());
    return true;
}

void HttpFrontend::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // handleRequest() answers every request (the Router has its own 404).
}

} // namespace ssebuf
