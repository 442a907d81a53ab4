#include "streamedrequestbody.h"

#include "connectionguard.h"

#include <QAbstractEventDispatcher>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <cerrno>
#include <sys/socket.h>

namespace ssebuf {

bool StreamedRequestBody::isStreamedMediaType(const QByteArray &contentType)
{
    // The media type before any parameter, trimmed, compared without case (no copies: this
    // runs for every publish the guard's fast path looks at).
    QByteArrayView type(contentType);
    const qsizetype semicolon = type.indexOf(';');
    if (semicolon >= 0)
        type = type.first(semicolon);
    type = type.trimmed();
    const QByteArrayView ndjson("application/x-ndjson");
    return equalsIgnoringAsciiCase(type, ndjson);
}

bool StreamedRequestBody::isStreamedRequest(QByteArrayView requestLine,
                                            const QByteArray &contentType)
{
    if (!isStreamedMediaType(contentType))
        return false;
    const QList<QByteArray> parts = requestLine.toByteArray().split(' ');
    if (parts.size() != 3 || (parts.at(0) != "POST" && parts.at(0) != "PUT"))
        return false;
    const QList<QByteArray> segments = parts.at(1).split('?').value(0).split('/');
    return segments.size() == 5 && segments.at(0).isEmpty() && segments.at(1) == "api"
        && segments.at(2) == "sessions" && !segments.at(3).isEmpty() && segments.at(4) == "events";
}

std::optional<HttpRequest> StreamedRequestBody::requestFromHead(const QByteArray &head,
                                                                QTcpSocket *socket)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3)
        return std::nullopt;
    HttpRequest request;
    request.method = requestLine.at(0).toUpper();
    const QUrl url = QUrl::fromEncoded(requestLine.at(1));
    if (!url.isValid())
        return std::nullopt;
    // As HttpFrontend does for the requests QtHttpServer parses: each segment decoded apart,
    // so an encoded '/' stays inside its segment.
    request.path = url.path();
    const QStringList raw = url.path(QUrl::FullyEncoded).split(QLatin1Char('/'));
    for (const QString &segment : raw)
        request.segments.append(QUrl::fromPercentEncoding(segment.toUtf8()));
    if (!request.segments.isEmpty() && request.segments.first().isEmpty())
        request.segments.removeFirst();
    request.query = QUrlQuery(url);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    if (socket) {
        request.peer = socket->peerAddress();
        request.peerPort = socket->peerPort();
    }
    return request;
}

StreamedRequestBody::StreamedRequestBody(ConnectionGuard *guard, WriteCoalescer *coalescer)
    : QObject(guard)
    , m_guard(guard)
    , m_coalescer(coalescer)
{
    m_lastByte.start(); // the head has just arrived
}

void StreamedRequestBody::start()
{
    if (m_started && !m_paused)
        return;
    m_started = true;
    m_paused = false;
    if (m_guard)
        m_guard->updateDivertedReads();
    // Not from inside the caller: it may be handling dataReceived() right now.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (!isReading())
                return;
            if (m_guard)
                m_guard->readStreamedBody();
            deliver();
        },
        Qt::QueuedConnection);
}

void StreamedRequestBody::pause()
{
    m_paused = true;
    if (m_guard)
        m_guard->updateDivertedReads();
}

void StreamedRequestBody::deliver()
{
    if (!isReading())
        return;
    const QPointer<StreamedRequestBody> self(this);
    if (!m_decoded.isEmpty()) {
        const QByteArray bytes = std::exchange(m_decoded, QByteArray());
        Q_EMIT dataReceived(bytes);
        if (!self)
            return;
    }
    if (m_ended && !m_endReported && isReading()) {
        m_endReported = true;
        Q_EMIT ended();
    }
}

void StreamedRequestBody::respond(const QByteArray &response)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_guard)
        m_guard->answerAndClose(response);
}

// The guard's side of a streamed request (kept here, next to the reader it feeds).

void ConnectionGuard::beginStreamedBody()
{
    m_streamedHead = false;
    m_headTimer.stop();
    m_requestTimer.stop(); // its own idle timeout governs a streamed body
    m_idleTimer.stop();
    detachServer();
    m_streamedBody = new StreamedRequestBody(this, m_coalescer);
    m_streamedBody->m_head = m_head;
    if (m_state == State::Head) { // no body at all
        m_streamedBody->m_ended = true;
        m_state = State::Streaming;
    }
}

void ConnectionGuard::readStreamedBody()
{
    if (!m_socket || !m_streamedBody || m_state == State::Rejected)
        return;
    if (m_state == State::Streaming) {
        endDivertedReads();
        discardInput(); // bytes after the body: the answer closes the connection
        return;
    }
    updateDivertedReads();
    if (!m_streamedBody->isReading())
        return; // left in the socket (or the kernel) until the reader resumes
    const QPointer<ConnectionGuard> self(this);
    if (m_socket->bytesAvailable() > 0) {
        // Buffered by Qt's socket: before the reads were diverted, or when they are not.
        const QByteArray bytes = m_socket->readAll();
        consume(bytes.constData(), bytes.size());
    } else if (m_divertedFd >= 0) {
        char buffer[16384];
        const ssize_t got = ::recv(m_divertedFd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) {
            m_streamedBody->m_lastByte.start();
            consume(buffer, qsizetype(got));
        } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            // End of stream or an error: Qt's socket reads it on the next pass and reports
            // the disconnection as it does for any connection.
            endDivertedReads();
        }
    }
    if (!self)
        return;
    if (m_state == State::Streaming || m_state == State::Rejected)
        endDivertedReads();
    if (m_streamedBody)
        m_streamedBody->deliver();
}

void ConnectionGuard::divertStreamedReads()
{
    if (divertReadsTo([this] { readStreamedBody(); }))
        updateDivertedReads();
}

bool ConnectionGuard::divertReadsTo(std::function<void()> onReadable)
{
    // Only what Qt's socket has not buffered can be read off the descriptor in order.
    if (!m_socket || m_divertedFd >= 0 || m_socket->bytesAvailable() > 0
        || qobject_cast<QSslSocket *>(m_socket.data()))
        return false;
    auto *dispatcher
        = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(thread()));
    const int fd = int(m_socket->socketDescriptor());
    if (!dispatcher || fd < 0 || !dispatcher->divertReads(fd, this, std::move(onReadable)))
        return false;
    m_dispatcher = dispatcher;
    m_divertedFd = fd;
    return true;
}

void ConnectionGuard::updateDivertedReads()
{
    if (m_dispatcher && m_divertedFd >= 0 && !m_directRequests)
        m_dispatcher->setDivertedReadsEnabled(m_divertedFd, this,
                                              m_streamedBody && m_streamedBody->isReading());
}

void ConnectionGuard::endDivertedReads()
{
    if (m_dispatcher && m_divertedFd >= 0)
        m_dispatcher->endDivertedReads(m_divertedFd, this);
    m_dispatcher.clear();
    m_divertedFd = -1;
    m_directRequests = false;
}

void ConnectionGuard::socket_disconnected()
{
    endDivertedReads();
    if (!m_streamedBody || m_streamedBody->m_answered)
        return;
    // What arrived before the close is still the client's: lines it completed count.
    const QPointer<StreamedRequestBody> body(m_streamedBody);
    if (m_socket && m_state != State::Rejected && m_state != State::Streaming) {
        const QByteArray bytes = m_socket->readAll();
        consume(bytes.constData(), bytes.size());
    }
    if (!body || !m_streamedAnnounced)
        return;
    body->m_paused = false;
    body->m_started = true;
    body->deliver();
    if (body && !body->m_endReported)
        Q_EMIT body->closed();
}

void ConnectionGuard::answerAndClose(const QByteArray &response)
{
    if (!m_socket || m_state == State::Rejected)
        return;
    m_state = State::Rejected;
    endDivertedReads(); // Qt's socket discards what follows and sees the close
    m_headTimer.stop();
    m_requestTimer.stop();
    m_idleTimer.stop();
    detachServer();
    m_socket->write(response);
    m_socket->flush(); // now: at shutdown the process may exit within this loop pass
    // Discard what the client still sends for a while; drop it if it never stops.
    QTimer::singleShot(5000, m_socket, [socket = m_socket] {
        if (socket)
            socket->abort();
    });
    discardInput();
    socket_bytesWritten();
}

void ConnectionGuard::announceStreamedBody()
{
    // The server no longer reads this socket: what the guard consumed (the rest of the head,
    // the first body bytes) leaves the buffer, and the handler gets the request.
    m_streamedAnnounced = true;
    m_socket->skip(m_socket->bytesAvailable());
    m_seenUnread = 0;
    divertStreamedReads();
    std::optional<HttpRequest> request
        = StreamedRequestBody::requestFromHead(std::exchange(m_streamedBody->m_head, {}), m_socket);
    if (!request) {
        reject(400, "bad_request", "malformed request line");
        return;
    }
    m_streamedHandler(std::move(*request), m_socket, m_streamedBody);
}

} // namespace ssebuf
