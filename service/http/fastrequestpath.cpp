#include "fastrequestpath.h"

#include "connectionguard.h"
#include "responsesequencer.h"
#include "router.h"
#include "streamedrequestbody.h"

#include <QTcpSocket>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace ssebuf {

FastRequestPath::FastRequestPath(const HttpLimits &limits)
    : m_limits(limits)
{
}

bool FastRequestPath::isHotRoute(QByteArrayView method, QByteArrayView target)
{
    if (method != "POST" || !target.startsWith("/api/sessions/"))
        return false;
    const qsizetype question = target.indexOf('?');
    const QByteArrayView path = question < 0 ? target : target.first(question);
    const QByteArrayView rest = path.sliced(14); // "{id}/events"
    const qsizetype slash = rest.indexOf('/');
    return slash > 0 && rest.sliced(slash) == "/events";
}

QByteArrayView FastRequestPath::plainSessionId(QByteArrayView target)
{
    // "/api/sessions/" id "/events": a valid id is 56 plain characters, so no '?' either.
    constexpr qsizetype prefix = 14;
    constexpr qsizetype suffix = 7;
    constexpr qsizetype idSize = 56;
    if (target.size() != prefix + idSize + suffix
        || std::memcmp(target.data(), "/api/sessions/", prefix) != 0
        || std::memcmp(target.data() + prefix + idSize, "/events", suffix) != 0)
        return {};
    const QByteArrayView id = target.sliced(prefix, idSize);
    return Router::isValidSessionId(id) ? id : QByteArrayView();
}

void FastRequestPath::Request::addSegments()
{
    if (!sessionId.isEmpty() && request.segments.isEmpty()) {
        // What setPlainTarget() cuts from this target (the id is all plain characters).
        request.segments = {QStringLiteral("api"), QStringLiteral("sessions"), sessionId,
                            QStringLiteral("events")};
    }
}

bool FastRequestPath::accept(const ParsedRequest &parsed, Request *request) const
{
    const QByteArrayView plainId
        = parsed.method == "POST" ? plainSessionId(parsed.target) : QByteArrayView();
    if (parsed.chunked || parsed.upgrade || parsed.expectContinue
        || parsed.headBytes > m_limits.maxHeaderBytes || parsed.body.size() > m_limits.maxBodyBytes
        || (plainId.isEmpty() && !isHotRoute(parsed.method, parsed.target)))
        return false;
    for (const auto &header : parsed.headers) {
        // A streamed body (NDJSON) is taken over by the guard as it arrives.
        if (equalsIgnoringAsciiCase(header.first, "content-type")
            && StreamedRequestBody::isStreamedMediaType(header.second))
            return false;
    }
    HttpRequest &out = request->request; // a new one
    if (!plainId.isEmpty()) {
        out.path = QString::fromLatin1(parsed.target);
        request->sessionId = QString::fromLatin1(plainId);
    } else if (!HttpRequestParser::setPlainTarget(parsed.target, &out)) {
        return false;
    }
    out.method = parsed.method;
    out.headers = parsed.headers;
    out.body = parsed.body;
    request->closeAfterResponse = !parsed.keepAlive;
    return true;
}

qsizetype FastRequestPath::take(QByteArrayView bytes, std::vector<Request> *requests)
{
    requests->clear();
    qsizetype taken = 0;
    qsizetype at = 0;
    int seen = 0; // requests in the bytes, taken or not
    bool taking = true;
    while (at < bytes.size() && seen <= maxPipelined) {
        const auto result = m_parser.parse(bytes.sliced(at), &m_parsed, m_limits.maxHeaderBytes,
                                           m_limits.maxBodyBytes);
        if (result != HttpRequestParser::Result::Complete) {
            ++seen; // counted as a request that waits (the guard counts its head)
            break;
        }
        ++seen;
        if (taking) {
            requests->emplace_back(); // built in place
            taking = accept(m_parsed, &requests->back());
            if (!taking)
                requests->pop_back();
            if (taking) {
                taken = at + m_parsed.totalBytes;
                // Whatever follows a closing request is never answered: the general way.
                taking = !requests->back().closeAfterResponse;
            }
        }
        at += m_parsed.totalBytes;
    }
    if (seen > maxPipelined) {
        requests->clear();
        return 0;
    }
    return taken;
}

// The guard's side of the fast path (kept here, next to what it calls).

void ConnectionGuard::setFastRequestHandler(const FastRequestPath::Handler &handler)
{
    m_fastHandler = handler;
    m_fastPath = handler ? std::make_unique<FastRequestPath>(m_limits) : nullptr;
}

ResponseSequencer *ConnectionGuard::sequencer()
{
    if (!m_sequencer && m_socket)
        m_sequencer = ResponseSequencer::of(m_socket);
    return m_sequencer;
}

bool ConnectionGuard::fastPathIsOpen() const
{
    // At a request boundary for both: QtHttpServer has read every request the guard has seen
    // whole, holds no part of one (the guard would have its head or be in its body), and no
    // bytes wait that the guard has seen but the server has not read.
    return m_fastPath && m_state == State::Head && m_head.isEmpty() && m_seenUnread == 0
        && m_requestsComplete == m_requestsTaken && m_pending.empty() && !m_streamedBody
        && !m_handlingPipeline;
}

bool ConnectionGuard::takeFastRequests()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return true;
    const QByteArray buffered = m_socket->peek(available);
    const qsizetype taken = m_fastPath->take(buffered, &m_fastRequests);
    if (taken == 0)
        return true;
    // QtHttpServer starts a read transaction on every readyRead; it has read nothing in it
    // (it holds no partial request), so ending it lets skip() drop the bytes for good.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->skip(taken);
    if (!dispatchFastRequests())
        return false;
    // Everything this read brought was hot requests: the next reads go straight to the guard.
    if (m_socket->bytesAvailable() == 0)
        divertRequestReads();
    return true;
}

bool ConnectionGuard::dispatchFastRequests()
{
    std::vector<FastRequestPath::Request> requests = std::exchange(m_fastRequests, {});
    if (m_coalescer && requests.size() >= 2)
        m_coalescer->corkThisPass();
    const QPointer<ConnectionGuard> self(this);
    const QPointer<QTcpSocket> socket(m_socket);
    for (FastRequestPath::Request &request : requests) {
        if (m_counter)
            m_counter->recordFastRequest();
        m_fastHandler(std::move(request), socket, sequencer());
        if (!self || !socket || m_state != State::Head)
            return false;
    }
    requests.clear();
    m_fastRequests = std::move(requests); // keeps the capacity
    return true;
}

void ConnectionGuard::divertRequestReads()
{
    if (m_divertedFd >= 0 || !fastPathIsOpen() || !divertReadsTo([this] { readDirectRequests(); }))
        return;
    m_directRequests = true;
    m_dispatcher->setDivertedReadsEnabled(m_divertedFd, this, true);
}

void ConnectionGuard::readDirectRequests()
{
    if (!m_socket || !fastPathIsOpen()) {
        endDivertedReads(); // Qt's socket reads what comes
        return;
    }
    char buffer[16384];
    const ssize_t got = ::recv(m_divertedFd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got <= 0) {
        // End of stream or an error: Qt's socket reads it on the next pass and reports the
        // disconnection as it does for any connection.
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            endDivertedReads();
        return;
    }
    noteActivity();
    const QByteArrayView bytes(buffer, qsizetype(got));
    const qsizetype taken = m_fastPath->take(bytes, &m_fastRequests);
    const QPointer<QTcpSocket> socket(m_socket);
    if (taken > 0 && m_counter)
        m_counter->recordDirectRead();
    if (taken < bytes.size()) {
        endDivertedReads();
        giveBackToSocket(bytes.sliced(taken));
    }
    if (taken > 0 && !dispatchFastRequests())
        return;
    // After the requests before them were dispatched (their answers keep that order).
    if (taken < bytes.size() && socket)
        Q_EMIT socket->readyRead();
}

void ConnectionGuard::giveBackToSocket(QByteArrayView bytes)
{
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    // ungetChar() puts a byte in front of the buffer: the last one first.
    for (qsizetype i = bytes.size(); i-- > 0;)
        m_socket->ungetChar(bytes[i]);
}

} // namespace ssebuf
