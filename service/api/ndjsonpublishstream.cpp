#include "ndjsonpublishstream.h"

#include "core/contextcallback.h"
#include "eventloop/writecoalescer.h"
#include "http/httpexchange.h"
#include "http/streamedrequestbody.h"
#include "session/fasteventdecoder.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPublishStream, "ssebuf.session")

namespace ssebuf {

namespace {

QJsonValue seqOrNull(qint64 seq)
{
    return seq > 0 ? QJsonValue(seq) : QJsonValue(QJsonValue::Null);
}

} // namespace

NdjsonPublishStream::NdjsonPublishStream(HttpExchange &exchange, const QString &sessionId,
                                         SessionStore *store, StreamAppender *appender,
                                         const Options &options,
                                         std::shared_ptr<PublishStreamStats> stats, QObject *parent)
    : QObject(parent)
    , m_exchange(&exchange)
    , m_body(exchange.streamedBody())
    , m_sessionId(sessionId)
    , m_store(store)
    , m_appender(appender)
    , m_options(options)
    , m_stats(std::move(stats))
    , m_lines(options.maxLineBytes)
{
    ++m_stats->open;
    // From the last byte received, the head included: it has just arrived. Activity only
    // stamps the time (a QTimer restart per read cost more than the read's own work); the
    // timer fires at most once per timeout and re-arms for what is left of it.
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(options.idleTimeoutMs);
    connect(&m_idleTimer, &QTimer::timeout, this, &NdjsonPublishStream::idleTimer_timeout);
    m_lastActivity.start();
    m_idleTimer.start();
    if (m_body) {
        connect(m_body, &StreamedRequestBody::failed, this, [this] {
            m_answered = true; // the guard answered a malformed framing itself
            finishIfIdle();
        });
        connect(m_body, &StreamedRequestBody::closed, this, &NdjsonPublishStream::body_gone);
        connect(m_body, &QObject::destroyed, this, &NdjsonPublishStream::body_gone);
    }
}

NdjsonPublishStream::~NdjsonPublishStream()
{
    --m_stats->open;
}

void NdjsonPublishStream::start()
{
    m_store->findSession(
        m_sessionId,
        withContext<const std::optional<SessionSummary> &>(
            this, [this](const std::optional<SessionSummary> &summary) {
                if (!m_store->isAvailable()) {
                    answer(HttpResponse::error(503, QStringLiteral("store_unavailable"),
                                               QStringLiteral("the session store is "
                                                              "unreachable; retry later"))
                               .withHeader("Retry-After",
                                           QByteArray::number(m_options.retryAfterSeconds)));
                } else if (!summary) {
                    answer(HttpResponse::error(
                        404, QStringLiteral("session_not_found"),
                        QStringLiteral("no such session (unknown or expired)")));
                } else {
                    begin(*summary);
                }
            }));
}

void NdjsonPublishStream::stopForShutdown()
{
    if (m_answered || m_clientGone)
        return;
    if (m_inFlight) {
        // Answered once the batch in flight is (the memory store answers at once).
        m_queue.clear();
        m_stopped = true;
        m_shuttingDown = true;
        return;
    }
    answerShutdown();
}

void NdjsonPublishStream::answerShutdown()
{
    QJsonObject body = progressJson();
    body.insert(QStringLiteral("error"), QStringLiteral("shutting_down"));
    body.insert(QStringLiteral("message"),
                QStringLiteral("the service is shutting down; send the rest again (with the same "
                               "idempotency keys) to another instance or later"));
    answer(HttpResponse::json(503, body).withHeader(
        "Retry-After", QByteArray::number(m_options.retryAfterSeconds)));
}

void NdjsonPublishStream::begin(const SessionSummary &summary)
{
    // A session that has ended already is not refused here: a stream retried after a dropped
    // connection may carry only duplicates (idempotency keys); the publish service answers a
    // new event with its 409. Nor can it end under the stream: only its removal is watched.
    m_endedBeforeStart = summary.isFinished();
    m_begun = true;
    if (m_body) {
        connect(m_body, &StreamedRequestBody::dataReceived, this,
                &NdjsonPublishStream::body_dataReceived);
        connect(m_body, &StreamedRequestBody::ended, this, &NdjsonPublishStream::body_ended);
        m_body->start();
        return;
    }
    // Pipelined behind other requests the body was read whole: the same rules, at once.
    if (m_exchange) {
        body_dataReceived(m_exchange->request().body);
        body_ended();
    }
}

void NdjsonPublishStream::body_dataReceived(const QByteArray &bytes)
{
    if (m_stopped)
        return;
    m_lastActivity.start();
    takeLines(bytes, false);
    pump();
    if (m_inFlight && m_body) {
        // The store is slower than the producer: stop reading (TCP holds the producer back)
        // rather than queue without bound. Resumed when the batch in flight is answered.
        qint64 queued = m_lines.pendingBytes();
        for (const NdjsonLineSplitter::Line &line : std::as_const(m_queue))
            queued += line.text.size();
        if (queued > m_options.maxLineBytes)
            m_body->pause();
    }
}

void NdjsonPublishStream::body_ended()
{
    if (m_stopped)
        return;
    m_bodyEnded = true;
    takeLines({}, true);
    pump();
}

void NdjsonPublishStream::body_gone()
{
    if (m_clientGone)
        return;
    m_clientGone = true;
    m_stopped = true; // lines completed before the close are still appended (pump)
    m_idleTimer.stop();
    if (!m_answered)
        qCInfo(lcPublishStream).noquote() << "streaming publisher of" << m_sessionId << "left after"
                                          << m_lines.linesSeen() << "lines";
    pump();
    finishIfIdle();
}

void NdjsonPublishStream::takeLines(const QByteArray &bytes, bool endOfBody)
{
    const QList<NdjsonLineSplitter::Line> lines = m_lines.feed(bytes, endOfBody);
    m_stats->lines += lines.size();
    m_queue += lines;
    if (m_lines.isOverLimit())
        m_stopped = true;
}

void NdjsonPublishStream::pump()
{
    if (m_inFlight || m_answered)
        return;
    QList<StreamAppender::Item> items;
    QList<int> lines;
    std::optional<LineFailure> stop;
    // At most a batch's worth per append (--max-batch-events): the rest follows at once.
    while (!m_queue.isEmpty() && !stop && items.size() < m_options.maxBatchEvents) {
        const NdjsonLineSplitter::Line line = m_queue.takeFirst();
        const auto failure = [&line](int status, const char *code, const char *message) {
            return LineFailure {
                status, QString::fromLatin1(code), QString::fromLatin1(message), {}, line.number};
        };
        if (line.tooLong) {
            stop = failure(413, "line_too_large",
                           "a line is larger than the body limit "
                           "(--max-body-bytes applies per line)");
            break;
        }
        if (m_finalAppended || m_finalQueued) {
            stop = failure(409, "session_ended", "a line after the session's final event");
            break;
        }
        // The common line without QJsonDocument (FastEventDecoder); anything else, every
        // error included, through Qt's parser as before.
        std::optional<StreamAppender::Item> item = FastEventDecoder::decodeOne(line.text);
        if (!item) {
            QJsonParseError parseError;
            const QJsonDocument document = QJsonDocument::fromJson(line.text, &parseError);
            if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
                stop = failure(422, "invalid_json", "each line must be one JSON object");
                break;
            }
            ApiError error;
            item = StreamAppender::parse(document.object(), &error);
            if (!item) {
                stop = LineFailure {422, error.code, error.message, error.field, line.number};
                break;
            }
        }
        m_finalQueued = StreamAppender::isFinal(*item);
        items.append(std::move(*item));
        lines.append(line.number);
    }
    if (stop) {
        m_stopped = true;
        m_queue.clear();
        if (m_body)
            m_body->pause();
    }
    if (!items.isEmpty()) {
        submit(std::move(items), std::move(lines), std::move(stop));
        return;
    }
    if (stop)
        answer(lineError(*stop));
    else if (m_bodyEnded && !m_clientGone)
        answer(HttpResponse::json(201, progressJson()));
    else
        finishIfIdle();
}

void NdjsonPublishStream::submit(QList<StreamAppender::Item> items, QList<int> lines,
                                 std::optional<LineFailure> then)
{
    m_inFlight = true;
    // Several events at once: every subscriber gets them in one write once this read is handled.
    if (items.size() > 1 && m_body && m_body->writeCoalescer())
        m_body->writeCoalescer()->corkThisPass();
    const bool lastIsFinal = StreamAppender::isFinal(items.constLast());
    const QList<StreamAppender::Item> submitted = items;
    m_appender->append(
        m_sessionId, submitted,
        withContext<const StreamAppender::Outcome &>(
            this,
            [this, items = std::move(items), lines = std::move(lines), then,
             lastIsFinal](const StreamAppender::Outcome &outcome) mutable {
                m_inFlight = false;
                if (outcome.count > 0) {
                    if (m_firstSeq == 0)
                        m_firstSeq = outcome.firstSeq;
                    m_lastSeq = outcome.lastSeq;
                    m_count += outcome.count;
                }
                m_duplicates += outcome.duplicates;
                using Status = StreamAppender::Outcome::Status;
                if (outcome.status == Status::Appended) {
                    if (lastIsFinal)
                        m_finalAppended = true;
                } else {
                    const int index = qBound(0, outcome.index, int(lines.size()) - 1);
                    const int line = lines.value(index);
                    if (outcome.status == Status::Rejected
                        && outcome.count + outcome.duplicates < index) {
                        // All or nothing: the lines before the refused one still go in.
                        submit(items.mid(0, index), lines.mid(0, index),
                               LineFailure {outcome.error.httpStatus, outcome.error.code,
                                            outcome.error.message, outcome.error.field, line});
                        return;
                    }
                    HttpResponse response
                        = lineError(outcome.error.httpStatus, outcome.error.code,
                                    outcome.error.message, outcome.error.field, line);
                    if (outcome.status == Status::NotFound)
                        response = lineError(409, QStringLiteral("session_ended"),
                                             QStringLiteral("the session was removed"), {}, line);
                    QJsonObject body = QJsonDocument::fromJson(response.body).object();
                    const QString reason = outcome.endedReason;
                    if (outcome.status == Status::Ended && !reason.isEmpty())
                        body.insert(QStringLiteral("reason"), reason);
                    answer(HttpResponse::json(response.status, body));
                    return;
                }
                if (then) {
                    answer(lineError(*then));
                    return;
                }
                if (m_shuttingDown) {
                    answerShutdown();
                    return;
                }
                if (m_endedUnder && !m_finalAppended) {
                    endedUnderStream(*m_endedUnder);
                    return;
                }
                if (m_body && !m_stopped)
                    m_body->resume();
                pump();
            }));
}

void NdjsonPublishStream::sessionEnded(const SessionSummary &summary)
{
    if (!m_begun || summary.sessionId != m_sessionId || m_finalAppended || m_endedBeforeStart)
        return;
    const QString reason = summary.isCancelled() ? QStringLiteral("cancelled") : QString();
    endedUnderStream(reason);
}

void NdjsonPublishStream::sessionRemoved(RemovalReason reason)
{
    if (!m_begun || m_finalAppended)
        return;
    endedUnderStream(reason == RemovalReason::Deleted ? QStringLiteral("deleted")
                                                      : QStringLiteral("expired"));
}

void NdjsonPublishStream::endedUnderStream(const QString &reason)
{
    if (m_answered || m_clientGone)
        return;
    if (m_inFlight) {
        // It may be this stream's own final event: decided when the batch is answered.
        m_endedUnder = reason;
        return;
    }
    QJsonObject body = ApiError {
        409,
        QStringLiteral("session_ended"),
        QStringLiteral("the session ended while the stream was open"),
        {}}.toJson();
    if (!reason.isEmpty())
        body.insert(QStringLiteral("reason"), reason);
    const QJsonObject progress = progressJson();
    for (auto it = progress.constBegin(); it != progress.constEnd(); ++it)
        body.insert(it.key(), it.value());
    answer(HttpResponse::json(409, body));
}

void NdjsonPublishStream::idleTimer_timeout()
{
    if (m_answered)
        return;
    if (m_inFlight) {
        m_lastActivity.start(); // the service is the slow one: the producer is not idle
        m_idleTimer.start(m_options.idleTimeoutMs);
        return;
    }
    const qint64 quiet = m_body ? qMin(m_lastActivity.elapsed(), m_body->msSinceLastByte())
                                : m_lastActivity.elapsed();
    const qint64 left = m_options.idleTimeoutMs - quiet;
    if (left > 0) {
        m_idleTimer.start(int(left)); // bytes came since the timer was armed
        return;
    }
    QJsonObject body = progressJson();
    body.insert(QStringLiteral("error"), QStringLiteral("request_timeout"));
    body.insert(QStringLiteral("message"),
                QStringLiteral("nothing was received for %1 s (--publish-idle-timeout)")
                    .arg(m_options.idleTimeoutMs / 1000.0));
    answer(HttpResponse::json(408, body));
}

QJsonObject NdjsonPublishStream::progressJson() const
{
    return QJsonObject {{QStringLiteral("first_seq"), seqOrNull(m_firstSeq)},
                        {QStringLiteral("last_seq"), seqOrNull(m_firstSeq ? m_lastSeq : 0)},
                        {QStringLiteral("count"), m_count},
                        {QStringLiteral("duplicates"), m_duplicates}};
}

HttpResponse NdjsonPublishStream::lineError(const LineFailure &failure) const
{
    return lineError(failure.status, failure.code, failure.message, failure.field, failure.line);
}

HttpResponse NdjsonPublishStream::lineError(int status, const QString &code, const QString &message,
                                            const QString &field, int line) const
{
    QJsonObject body = progressJson();
    body.insert(QStringLiteral("error"), code);
    body.insert(QStringLiteral("message"), message);
    body.insert(QStringLiteral("field"),
                field.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(field));
    body.insert(QStringLiteral("line"), line);
    return HttpResponse::json(status, body);
}

void NdjsonPublishStream::answer(const HttpResponse &response)
{
    if (m_answered)
        return;
    m_answered = true;
    m_stopped = true;
    m_idleTimer.stop();
    if (m_exchange)
        m_exchange->respond(response);
    finishIfIdle();
}

void NdjsonPublishStream::finishIfIdle()
{
    if (m_inFlight || !(m_answered || m_clientGone))
        return;
    m_idleTimer.stop();
    m_begun = false; // no more news of the session
    deleteLater();
}

} // namespace ssebuf
