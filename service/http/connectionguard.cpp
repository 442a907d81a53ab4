#include "connectionguard.h"

#include "httpresponse.h"

#include <QLoggingCategory>

#include <QSslSocket>
#include <cstring>
#include <limits>

#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcGuard, "ssebuf.http")

namespace ssebuf {

namespace {
const char *const kGuardProperty = "_ssebuf_guard";
}

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
{
    socket->setProperty(kGuardProperty, QVariant::fromValue<QObject *>(this));
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::socket_readyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &ConnectionGuard::socket_bytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &ConnectionGuard::socket_disconnected);
    if (auto *tls = qobject_cast<QSslSocket *>(socket))
        connect(tls, &QSslSocket::encryptedBytesWritten, this,
                &ConnectionGuard::socket_bytesWritten);
    m_headTimer.setSingleShot(true);
    m_headTimer.setInterval(limits.headerTimeoutMs);
    connect(&m_headTimer, &QTimer::timeout, this, &ConnectionGuard::headTimer_timeout);
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(limits.requestTimeoutMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &ConnectionGuard::requestTimer_timeout);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(limits.idleTimeoutMs);
    connect(&m_idleTimer, &QTimer::timeout, this, &ConnectionGuard::idleTimer_timeout);
    noteActivity();
}

ConnectionGuard::~ConnectionGuard()
{
    endDivertedReads();
}

ConnectionGuard *ConnectionGuard::of(QTcpSocket *socket)
{
    return socket
        ? qobject_cast<ConnectionGuard *>(socket->property(kGuardProperty).value<QObject *>())
        : nullptr;
}

ConnectionGuard::RequestInfo ConnectionGuard::takeRequestInfo()
{
    if (m_pending.empty())
        return {};
    RequestInfo info = m_pending.front();
    m_pending.pop_front();
    ++m_requestsTaken;
    // The server has read this request whole: what is still buffered is seen already.
    if (m_socket)
        m_seenUnread = m_socket->bytesAvailable();
    return info;
}

void ConnectionGuard::attachAfterServer()
{
    if (m_socket)
        connect(m_socket, &QTcpSocket::readyRead, this, &ConnectionGuard::socket_readyReadHandled);
}

void ConnectionGuard::socket_readyReadHandled()
{
    if (!m_socket || m_state == State::Streaming || m_state == State::Rejected)
        return;
    m_seenUnread = m_socket->bytesAvailable();
    if (m_handlingPipeline)
        return;
    // QtHttpServer answers one request per readyRead and queues another readyRead for the
    // rest, one loop pass per pipelined request. The complete ones are handed to it now,
    // in this pass, so that the events of pipelined publishes go out together
    // (WriteCoalescer) and a burst costs one pass.
    m_handlingPipeline = true;
    const QPointer<ConnectionGuard> self(this);
    qint64 left = m_socket->bytesAvailable();
    while (left > 0 && m_requestsComplete > m_requestsTaken) {
        Q_EMIT m_socket->readyRead();
        if (!self || !m_socket || m_state == State::Streaming || m_state == State::Rejected)
            break;
        const qint64 now = m_socket->bytesAvailable();
        if (now >= left)
            break; // the server took nothing more
        left = now;
    }
    if (self)
        m_handlingPipeline = false;
}

void ConnectionGuard::detachServer()
{
    if (m_socket && m_server)
        QObject::disconnect(m_socket, &QIODevice::readyRead, m_server, nullptr);
    if (m_socket && m_socket->isTransactionStarted())
        m_socket->commitTransaction();
}

void ConnectionGuard::beginStreaming()
{
    m_state = State::Streaming;
    m_headTimer.stop();
    m_requestTimer.stop();
    m_idleTimer.stop();
    detachServer();
    discardInput();
}

void ConnectionGuard::discardInput()
{
    if (!m_socket)
        return;
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    m_socket->skip(available);
    m_discarded += available;
    const qint64 bound = m_state == State::Streaming ? m_limits.maxStreamInputBytes
                                                     : m_limits.maxBodyBytes + 1048576;
    if (m_discarded > bound) {
        qCInfo(lcGuard) << "closing a connection that sent" << m_discarded << "unexpected bytes";
        m_socket->abort();
    }
}

void ConnectionGuard::socket_readyRead()
{
    if (!m_socket)
        return;
    if (m_streamedBody && m_state != State::Rejected && m_state != State::Streaming) {
        m_streamedBody->m_lastByte.start();
        readStreamedBody();
        return;
    }
    if (m_state == State::Streaming || m_state == State::Rejected) {
        discardInput();
        return;
    }
    noteActivity();
    if (fastPathIsOpen() && !takeFastRequests())
        return;
    // What the server has not read yet begins with bytes seen on an earlier readyRead
    // (pipelined requests wait in the buffer); only the rest is new.
    const qint64 available = m_socket->bytesAvailable();
    const qint64 fresh = available - qMin(m_seenUnread, available);
    m_seenUnread = available;
    if (fresh <= 0)
        return;
    const QByteArray buffered = m_socket->peek(available);
    const qsizetype size = qMin(buffered.size(), qsizetype(fresh));
    consume(buffered.constData() + (buffered.size() - size), size);
    if (m_streamedBody && !m_streamedAnnounced) {
        announceStreamedBody();
        return;
    }
    // Several complete requests at once (pipelined publishes): they are all handled in this
    // pass, and the events they append go out together when it ends.
    if (m_coalescer && m_requestsComplete - m_requestsTaken >= 2)
        m_coalescer->corkThisPass();
}

bool ConnectionGuard::takeBodyBytes(const char *data, qsizetype size, qsizetype &pos)
{
    const qsizetype take = qsizetype(qMin<qint64>(m_remaining, size - pos));
    if (m_streamedBody)
        m_streamedBody->m_decoded.append(data + pos, take);
    m_remaining -= take;
    pos += take;
    return m_remaining == 0;
}

void ConnectionGuard::consume(const char *data, qsizetype size)
{
    qsizetype pos = 0;
    while (pos < size && m_state != State::Rejected) {
        switch (m_state) {
        case State::Head: {
            const qsizetype before = m_head.size();
            const qsizetype take
                = qMin<qsizetype>(size - pos, m_limits.maxHeaderBytes + 4 - before);
            m_head.append(data + pos, take);
            qsizetype end = m_head.indexOf("\r\n\r\n");
            qsizetype terminator = 4;
            if (end < 0) {
                end = m_head.indexOf("\n\n");
                terminator = 2;
            }
            if (end < 0) {
                if (m_head.size() > m_limits.maxHeaderBytes) {
                    reject(431, "header_too_large", "the request line and headers are too large");
                    return;
                }
                // Skip leading empty lines between requests (RFC 9112 2.2).
                while (m_head.startsWith("\r\n"))
                    m_head.remove(0, 2);
                if (!m_head.isEmpty() && !m_headTimer.isActive())
                    m_headTimer.start();
                if (!m_head.isEmpty() && !m_requestTimer.isActive())
                    m_requestTimer.start();
                pos += take;
                break;
            }
            const qsizetype headEnd = end + terminator;
            pos += headEnd - before;
            if (!m_requestTimer.isActive())
                m_requestTimer.start(); // the whole head came in one read
            m_head.truncate(headEnd);
            m_headTimer.stop();
            if (!parseHead())
                return;
            if (m_streamedHead)
                beginStreamedBody();
            m_head.clear();
            break;
        }
        case State::Body:
            if (takeBodyBytes(data, size, pos))
                requestComplete();
            break;
        case State::ChunkSize:
        case State::Trailers:
        case State::ChunkDataEnd: {
            // Up to the line's end in one step; a line split across reads is collected in
            // m_line, a whole one is read where it lies (every chunk of a streamed body).
            const char *from = data + pos;
            const char *newline
                = static_cast<const char *>(std::memchr(from, '\n', size_t(size - pos)));
            const qsizetype take = newline ? newline - from : size - pos;
            if (m_line.size() + take > 1025) {
                reject(400, "bad_request", "malformed chunked body");
                return;
            }
            if (!newline) {
                m_line.append(from, take);
                pos = size;
                break;
            }
            pos += take + 1;
            if (!m_line.isEmpty())
                m_line.append(from, take);
            const QByteArrayView line
                = (m_line.isEmpty() ? QByteArrayView(from, take) : QByteArrayView(m_line))
                      .trimmed();
            if (m_state == State::ChunkDataEnd) {
                m_state = State::ChunkSize;
            } else if (m_state == State::Trailers) {
                if (line.isEmpty())
                    requestComplete();
            } else {
                QByteArrayView sizeText = line;
                const qsizetype extension = sizeText.indexOf(';');
                if (extension >= 0)
                    sizeText = sizeText.first(extension);
                bool ok = false;
                const qint64 chunk = sizeText.trimmed().toLongLong(&ok, 16);
                if (!ok || chunk < 0) {
                    reject(400, "bad_request", "malformed chunked body");
                    return;
                }
                // Compared before adding: a size near 2^63 would overflow the sum (and
                // slip past the limit). A streamed body has no total limit (its reader bounds
                // what it holds); its counter saturates.
                if (!m_streamedBody && chunk > m_limits.maxBodyBytes - m_bodyBytes) {
                    reject(413, "payload_too_large", "the request body is larger than the limit");
                    return;
                }
                m_bodyBytes = chunk > std::numeric_limits<qint64>::max() - m_bodyBytes
                    ? std::numeric_limits<qint64>::max()
                    : m_bodyBytes + chunk;
                m_remaining = chunk;
                m_state = chunk == 0 ? State::Trailers : State::ChunkData;
            }
            m_line.resize(0); // keeps its capacity
            break;
        }
        case State::ChunkData:
            if (takeBodyBytes(data, size, pos))
                m_state = State::ChunkDataEnd;
            break;
        case State::Rejected:
        case State::Streaming:
            return;
        }
    }
}

bool ConnectionGuard::parseHead()
{
    // Scans the head in place (no per-line copies): this runs for every request.
    const QByteArrayView head(m_head);
    qsizetype lineEnd = head.indexOf('\n');
    QByteArrayView requestLine = head.first(lineEnd < 0 ? head.size() : lineEnd).trimmed();
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    const QByteArrayView version
        = lastSpace > 0 ? requestLine.sliced(lastSpace + 1) : QByteArrayView();
    if (firstSpace <= 0 || lastSpace <= firstSpace || !version.startsWith("HTTP/1.")) {
        reject(400, "bad_request", "malformed request line");
        return false;
    }
    RequestInfo info;
    info.closeAfterResponse = version == "HTTP/1.0";
    qint64 contentLength = 0;
    bool haveLength = false;
    bool chunked = false;
    bool expectContinue = false;
    QByteArray contentType;
    qsizetype pos = lineEnd + 1;
    while (lineEnd >= 0 && pos < head.size()) {
        lineEnd = head.indexOf('\n', pos);
        const QByteArrayView line = head.sliced(pos, (lineEnd < 0 ? head.size() : lineEnd) - pos);
        pos = lineEnd + 1;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArrayView name = line.first(colon).trimmed();
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || (haveLength && length != contentLength)) {
                reject(400, "bad_request", "invalid Content-Length");
                return false;
            }
            contentLength = length;
            haveLength = true;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            chunked = value.toByteArray().toLower().contains("chunked");
            if (!chunked) {
                reject(501, "not_implemented", "only the chunked transfer coding is supported");
                return false;
            }
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            const QByteArray lower = value.toByteArray().toLower();
            if (lower.contains("close"))
                info.closeAfterResponse = true;
            else if (lower.contains("keep-alive"))
                info.closeAfterResponse = false;
        } else if (name.compare("content-type", Qt::CaseInsensitive) == 0) {
            contentType = value.toByteArray();
        } else if (name.compare("expect", Qt::CaseInsensitive) == 0) {
            expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    if (haveLength && chunked) {
        reject(400, "bad_request", "both Content-Length and Transfer-Encoding");
        return false;
    }
    // A streamed request is taken over only when it is the oldest one not yet handed to the
    // server (pipelined behind others, it is read whole like any request).
    m_streamedHead = m_streamedHandler && m_pending.empty()
        && StreamedRequestBody::isStreamedRequest(requestLine, contentType);
    if (contentLength > m_limits.maxBodyBytes && !m_streamedHead) {
        reject(413, "payload_too_large", "the request body is larger than the limit");
        return false;
    }
    // A streamed body (NDJSON publish) is governed by its idle timeout, not --request-timeout.
    if (m_streamedHead)
        m_requestTimer.stop();
    if (!m_streamedHead)
        m_pending.push_back(info);
    if (m_pending.size() > 64) {
        reject(429, "too_many_requests", "too many pipelined requests");
        return false;
    }
    if (expectContinue && (contentLength > 0 || chunked) && m_socket)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    m_bodyBytes = 0;
    if (chunked) {
        m_state = State::ChunkSize;
    } else if (contentLength > 0) {
        m_remaining = contentLength;
        m_state = State::Body;
    } else {
        m_state = State::Head;
        m_requestTimer.stop();
        if (!m_streamedHead)
            ++m_requestsComplete;
    }
    return true;
}

void ConnectionGuard::requestComplete()
{
    m_requestTimer.stop();
    if (m_streamedBody) {
        m_streamedBody->m_ended = true;
        m_state = State::Streaming; // one request per taken-over connection
        endDivertedReads(); // what follows is discarded by the Qt side
        return;
    }
    m_state = State::Head;
    ++m_requestsComplete;
}

void ConnectionGuard::reject(int status, const char *code, const char *message)
{
    if (!m_socket)
        return;
    qCInfo(lcGuard).noquote() << "rejecting a request from" << m_socket->peerAddress().toString()
                              << "with" << status << code;
    m_requestTimer.stop();
    answerAndClose(
        HttpResponse::error(status, QLatin1String(code), QLatin1String(message)).serialize(true));
    Q_EMIT requestRejected(status);
    if (m_streamedBody && m_streamedAnnounced && !m_streamedBody->m_answered) {
        m_streamedBody->m_answered = true;
        Q_EMIT m_streamedBody->failed(status);
    }
}

void ConnectionGuard::socket_bytesWritten()
{
    if (m_state == State::Streaming)
        return;
    noteActivity();
    // A TLS socket's bytesToWrite() leaves out what it has encrypted but not sent yet.
    auto *tls = qobject_cast<QSslSocket *>(m_socket.data());
    const qint64 unsent = m_socket ? m_socket->bytesToWrite() : 0;
    if (m_state == State::Rejected && m_socket && !m_halfClosed && unsent == 0
        && (!tls || tls->encryptedBytesToWrite() == 0)) {
        // Half-close: the client reads the answer, we keep reading (and discarding) until it
        // closes, so unread request bytes do not turn our close into a reset.
        m_halfClosed = true;
        if (tls && m_streamedBody)
            m_socket->disconnectFromHost(); // TLS: flushes through the encryption first
        else
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    }
}

void ConnectionGuard::headTimer_timeout()
{
    if (m_state == State::Head && !m_head.isEmpty())
        reject(408, "request_timeout", "the request head did not complete in time");
}

void ConnectionGuard::requestTimer_timeout()
{
    if (m_state != State::Head || !m_head.isEmpty())
        reject(408, "request_timeout",
               "the request (head and body) did not arrive within --request-timeout");
}

void ConnectionGuard::noteActivity()
{
    // A stamp, not a restart of the timer per read and per write (two timer re-registrations
    // per keep-alive request): the timer runs out at most once per idle period and, if the
    // connection was active meanwhile, starts again for what is left.
    m_lastActivity.start();
    if (!m_idleTimer.isActive() && m_state != State::Streaming && m_state != State::Rejected)
        m_idleTimer.start(m_limits.idleTimeoutMs);
}

void ConnectionGuard::idleTimer_timeout()
{
    const qint64 idle = m_lastActivity.elapsed();
    if (idle < m_limits.idleTimeoutMs) {
        m_idleTimer.start(int(m_limits.idleTimeoutMs - idle));
        return;
    }
    if (m_socket && m_state == State::Head && m_head.isEmpty() && m_socket->bytesToWrite() == 0)
        m_socket->disconnectFromHost();
}

} // namespace ssebuf
