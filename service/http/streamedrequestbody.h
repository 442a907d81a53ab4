#ifndef SSEBUF_STREAMEDREQUESTBODY_H
#define SSEBUF_STREAMEDREQUESTBODY_H

#include "httprequest.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QTcpSocket;

namespace ssebuf {

class ConnectionGuard;
class WriteCoalescer;

// The body of a request that is handed to its handler while it is still arriving (contract
// section 12: a streaming publish, Content-Type application/x-ndjson). QtHttpServer 6.4 reads
// a whole body before a handler runs, so the ConnectionGuard takes such a request over when
// it has seen its head: the server no longer reads the socket, and the guard decodes the
// framing (Content-Length or chunked, the same code that checks every request) and hands the
// decoded bytes on through this object. Nothing is read until start(); pause() leaves what
// arrives in the socket (its read buffer is bounded, then TCP holds the client back).
//
// Lives as a child of the guard (and so of the socket): observe it with a QPointer.
class StreamedRequestBody : public QObject
{
    Q_OBJECT
public:
    // Content-Type media types whose requests are streamed this way.
    static bool isStreamedMediaType(const QByteArray &contentType);
    // A request the guard takes over: POST or PUT /api/sessions/{id}/events (the publish
    // route, query ignored) with a streamed media type. Other routes read their bodies whole.
    static bool isStreamedRequest(QByteArrayView requestLine, const QByteArray &contentType);
    // The request of a head as the guard saw it ("METHOD target HTTP/1.x", headers).
    static std::optional<HttpRequest> requestFromHead(const QByteArray &head, QTcpSocket *socket);

    StreamedRequestBody(ConnectionGuard *guard, WriteCoalescer *coalescer);

    // Delivers what has been decoded so far (from the next loop pass on) and keeps reading.
    void start();
    void pause();
    void resume() { start(); }
    bool isEnded() const { return m_ended; }
    // Milliseconds since the client last sent a byte (the head included; also while paused),
    // for idle timers. A stamp, not a signal: it is set on every read.
    qint64 msSinceLastByte() const { return m_lastByte.elapsed(); }
    // Writes a complete response (it closes the connection), stops reading, discards what
    // the client still sends and closes once it has the answer.
    void respond(const QByteArray &response);
    // Corks the event streams while this read is handled (several events appended at once).
    WriteCoalescer *writeCoalescer() const { return m_coalescer; }

Q_SIGNALS:
    // Decoded body bytes of one read pass (not emitted when only framing came).
    void dataReceived(const QByteArray &bytes);
    // The body is complete (after the last dataReceived()).
    void ended();
    // The framing was malformed: the guard has answered 400 and closes.
    void failed(int status);
    // The connection is gone before the body ended (after a last dataReceived()).
    void closed();

private:
    friend class ConnectionGuard;
    bool isReading() const { return m_started && !m_paused && !m_answered; }
    void deliver(); // called by the guard after a read pass, and queued by start()

    QPointer<ConnectionGuard> m_guard;
    QByteArray m_head; // until the guard has announced the request
    WriteCoalescer *m_coalescer;
    QByteArray m_decoded; // decoded but not delivered yet
    QElapsedTimer m_lastByte;
    bool m_started = false;
    bool m_paused = false;
    bool m_ended = false; // the guard saw the end of the body
    bool m_endReported = false;
    bool m_answered = false;
};

// Given by the front end to the guards: receives a streamed request once its head is seen.
using StreamedRequestHandler
    = std::function<void(HttpRequest request, QTcpSocket *socket, StreamedRequestBody *body)>;

} // namespace ssebuf

#endif
