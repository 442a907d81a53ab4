#include "httpexchange.h"

#include "eventloop/writecoalescer.h"
#include "httpfrontend.h"
#include "responsesequencer.h"
#include "router.h"
#include "streamconnection.h"
#include "streamedrequestbody.h"

#include <QMetaMethod>

namespace ssebuf {

HttpExchange::HttpExchange(HttpRequest request, QTcpSocket *socket, bool closeAfterResponse,
                           WriteCoalescer *coalescer, ResponseSequencer *sequencer)
    : m_request(std::move(request))
    , m_socket(socket)
    , m_sequencer(sequencer ? sequencer : ResponseSequencer::of(socket))
    , m_coalescer(coalescer)
    , m_closeAfterResponse(closeAfterResponse)
{
    m_elapsed.start();
    // Owned by the sequencer rather than a child of the socket: the same lifetime without a
    // child event to the socket on either end.
    if (m_sequencer) {
        m_sequencer->adopt(this);
        m_ticket = m_sequencer->takeTicket();
    }
}

HttpExchange::~HttpExchange()
{
    if (m_deleted)
        *m_deleted = true;
    if (m_sequencer) {
        // Gone unanswered (its client left): later answers must not wait for it.
        if (!m_answered && m_socket)
            m_sequencer->abandon(m_ticket);
        m_sequencer->release(this);
    }
}

void HttpExchange::reportTo(HttpFrontend *frontend)
{
    m_frontend = frontend;
}

void HttpExchange::connectNotify(const QMetaMethod &signal)
{
    // Never cleared: a disconnect only costs an emission nobody hears.
    if (signal == QMetaMethod::fromSignal(&HttpExchange::answered))
        m_answeredWatched = true;
}

void HttpExchange::dispatch(const Router &router)
{
    bool deleted = false;
    m_deleted = &deleted;
    m_dispatching = true;
    router.dispatch(*this);
    if (deleted)
        return; // its socket went meanwhile, and it with it
    m_deleted = nullptr;
    m_dispatching = false;
    // Nothing can reach it any more: deleted now rather than by a posted event.
    if (m_answered)
        delete this;
}

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_answered)
        return;
    if (m_streamedBody) {
        // The guard writes it, then drains what the client still sends and closes.
        m_streamedBody->respond(response.serialize(true));
    } else if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        QByteArray bytes = response.serialize(m_closeAfterResponse);
        // The answer to HEAD has no body (RFC 9110 9.3.2), or the next response on the
        // connection would start inside it.
        if (m_request.method == "HEAD" && response.status != 204)
            bytes.chop(response.body.size());
        m_sequencer->deliver(m_ticket, bytes, m_closeAfterResponse);
    }
    finish(response.status);
}

std::unique_ptr<StreamConnection> HttpExchange::startEventStream(qint64 maxInputBytes,
                                                                 const HttpHeaders &extraHeaders)
{
    if (m_answered || !m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
        finish(499);
        return nullptr;
    }
    QByteArray head = "HTTP/1.1 200 OK\r\n"
                      "Content-Type: text/event-stream\r\n"
                      "Cache-Control: no-cache\r\n"
                      "X-Accel-Buffering: no\r\n"
                      "Connection: close\r\n";
    for (const auto &header : extraHeaders)
        head += header.first + ": " + header.second + "\r\n";
    head += "\r\n";
    // The handover may delete the socket later (and this exchange with it).
    QPointer<HttpExchange> self(this);
    // Its place in the answer order ends here: a stream owns the connection from now on.
    m_sequencer->abandon(m_ticket);
    std::unique_ptr<StreamConnection> stream
        = StreamConnection::take(m_socket, maxInputBytes, m_coalescer);
    // Sent with the stream's first bytes (its retry: line): one send for both.
    if (stream)
        stream->holdHead(head);
    if (self)
        finish(stream ? 200 : 499);
    return stream;
}

void HttpExchange::finish(int status)
{
    m_answered = true;
    const qint64 elapsedMs = m_elapsed.elapsed();
    if (m_frontend)
        m_frontend->reportAnswer(m_request, m_routeName, status, elapsedMs);
    if (m_answeredWatched)
        Q_EMIT answered(m_request, m_routeName, status, elapsedMs);
    if (!m_dispatching)
        deleteLater();
}

} // namespace ssebuf
