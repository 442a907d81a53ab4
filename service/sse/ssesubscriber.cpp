#include "ssesubscriber.h"

#include "core/contextcallback.h"
#include "http/streamconnection.h"
#include "isotime.h"
#include "sessionstate.h"
#include "sseencoder.h"
#include "store/sessionstore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSse, "ssebuf.sse")

namespace ssebuf {

SseSubscriber::SseSubscriber(quint64 id, const QString &sessionId, StreamConnection *stream,
                             qint64 resumeFrom, const QString &peer, SessionStore *store,
                             const SseOptions &options, QObject *parent)
    : QObject(parent)
    , m_id(id)
    , m_sessionId(sessionId)
    , m_stream(stream)
    , m_peer(peer)
    , m_store(store)
    , m_options(options)
    , m_resumeFrom(resumeFrom)
    , m_nextSeq(resumeFrom + 1)
{
    m_connectedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_lastWriteMs = m_connectedAtMs;
    m_lastProgressMs = m_connectedAtMs;
    stream->setParent(this);
    connect(stream, &StreamConnection::bytesWritten, this, &SseSubscriber::stream_bytesWritten);
    connect(stream, &StreamConnection::closed, this, [this] {
        end(m_closeReason.isEmpty() ? QStringLiteral("client_closed") : m_closeReason);
    });
}

SseSubscriber::~SseSubscriber() = default;

void SseSubscriber::start()
{
    m_started = true;
    write(SseEncoder::retry(m_options.retryMs));
    pump();
}

qint64 SseSubscriber::unsentBytes() const
{
    return m_stream->unsentBytes();
}

void SseSubscriber::write(const QByteArray &bytes)
{
    write(bytes, QDateTime::currentMSecsSinceEpoch());
}

void SseSubscriber::write(const QByteArray &bytes, qint64 nowMs)
{
    if (!m_stream->isOpen())
        return;
    const qint64 unsentBefore = m_stream->unsentBytes();
    m_stream->write(bytes);
    m_lastWriteMs = nowMs;
    // Bytes the kernel took at once are progress too (no bytesWritten comes for them);
    // otherwise a reading client's first queued write would look stalled since it connected.
    if (m_stream->unsentBytes() < unsentBefore + bytes.size())
        m_lastProgressMs = nowMs;
}

void SseSubscriber::offer(const EventPtr &event)
{
    offer(event, QDateTime::currentMSecsSinceEpoch());
}

void SseSubscriber::offer(const EventPtr &event, qint64 nowMs)
{
    // Not started: its first read, still to come, covers the event.
    if (!m_started || m_state == State::Closing || m_state == State::Ended)
        return;
    m_knownLastSeq = qMax(m_knownLastSeq, event->seq);
    if (event->seq < m_nextSeq)
        return;
    if (m_state == State::Live && !m_reading && event->seq == m_nextSeq) {
        // The live path, once per delivery: no signal, no allocation, no clock read; the
        // frame is the event's own encoded QByteArray, shared by every subscriber.
        const qint64 unsent = m_stream->unsentBytes();
        if (unsent > 0 && unsent + event->wire.size() > m_options.maxUnsentBytes) {
            cutOff(QStringLiteral("slow_consumer"));
            return;
        }
        write(event->wire, nowMs);
        ++m_nextSeq;
        ++m_eventsSent;
        if (event->final)
            close(QStringLiteral("finished"));
        return;
    }
    if (unsentBytes() > m_options.maxUnsentBytes) {
        cutOff(QStringLiteral("slow_consumer"));
        return;
    }
    pump();
}

void SseSubscriber::pump()
{
    if (m_reading || !m_store || m_state == State::Closing || m_state == State::Ended)
        return;
    if (m_state == State::Live && m_knownLastSeq >= 0 && m_nextSeq > m_knownLastSeq)
        return; // nothing known to be missing
    // Replay in slices while the client keeps up; bytesWritten calls pump() again.
    if (unsentBytes() >= m_options.maxUnsentBytes / 4)
        return;
    m_reading = true;
    m_store->readEvents(m_sessionId, m_nextSeq - 1, m_options.replayBatchEvents,
                        withContext<const ReadResult &>(
                            this, [this](const ReadResult &result) { store_read(result); }));
}

void SseSubscriber::resync()
{
    if (!m_started || m_state == State::Closing || m_state == State::Ended)
        return;
    m_knownLastSeq = -1;
    if (m_reading)
        m_readAgain = true;
    else
        pump();
}

void SseSubscriber::store_read(const ReadResult &result)
{
    m_reading = false;
    if (m_state == State::Closing || m_state == State::Ended)
        return;
    if (std::exchange(m_readAgain, false)) {
        // This answer may predate the subscription that was made again: ask once more.
        m_knownLastSeq = -1;
        QMetaObject::invokeMethod(this, &SseSubscriber::pump, Qt::QueuedConnection);
        return;
    }
    if (!result.available) {
        close(QStringLiteral("store_unavailable"));
        return;
    }
    if (!result.found) {
        close(QStringLiteral("session_gone"));
        return;
    }
    if (!result.finished && result.lastSeq < m_nextSeq - 1) {
        // The store holds less than this client saw (it lost events: a failover to a
        // replica that missed writes, a restart): say so and go on from what it has, rather
        // than wait for seqs that may come back with other content (contract section 17).
        writeStoreReset(result.lastSeq);
        m_knownLastSeq = result.lastSeq;
    }
    m_knownLastSeq = qMax(m_knownLastSeq, result.lastSeq);
    if (result.gapFrom > 0 && result.gapTo >= m_nextSeq)
        writeGap(qMax(result.gapFrom, m_nextSeq), result.gapTo);
    QByteArray batch;
    int delivered = 0;
    bool final = false;
    // A replay is written in slices that keep the unsent output within its bound; the rest
    // is read again once the client has taken this slice (bytesWritten calls pump()).
    const qint64 budget = m_options.maxUnsentBytes - unsentBytes();
    for (const EventPtr &event : result.events) {
        if (event->seq < m_nextSeq)
            continue;
        if (delivered > 0 && batch.size() + event->wire.size() > budget)
            break;
        if (event->seq > m_nextSeq) {
            // Evicted between reads: say so rather than skip silently, after what precedes.
            if (!batch.isEmpty())
                write(batch);
            batch.clear();
            writeGap(m_nextSeq, event->seq - 1);
        }
        batch += event->wire;
        m_nextSeq = event->seq + 1;
        ++delivered;
        if (event->final) {
            final = true;
            break;
        }
    }
    if (!batch.isEmpty())
        write(batch);
    m_eventsSent += delivered;
    if (final) {
        close(QStringLiteral("finished"));
        return;
    }
    if (result.finished && m_nextSeq > result.lastSeq) {
        close(QStringLiteral("finished"));
        return;
    }
    if (m_nextSeq > m_knownLastSeq) {
        m_state = State::Live;
        return;
    }
    // The next slice on the next loop turn, not by recursion: a store that answers at once
    // (memory) would otherwise nest one call per slice, and other clients get their turn.
    QMetaObject::invokeMethod(this, &SseSubscriber::pump, Qt::QueuedConnection);
}

void SseSubscriber::writeGap(qint64 from, qint64 to)
{
    m_nextSeq = qMax(m_nextSeq, to + 1);
    QJsonObject gap;
    gap.insert(QStringLiteral("type"), QStringLiteral("gap"));
    gap.insert(QStringLiteral("session_id"), m_sessionId);
    gap.insert(QStringLiteral("status"), sessionStateName(SessionState::Running));
    gap.insert(QStringLiteral("missed_from"), from);
    gap.insert(QStringLiteral("missed_to"), to);
    gap.insert(QStringLiteral("message"),
               QStringLiteral(
                   "events %1 to %2 were evicted by the buffer limits before they could be sent")
                   .arg(from)
                   .arg(to));
    gap.insert(QStringLiteral("timestamp"), isoUtc(QDateTime::currentDateTimeUtc()));
    write(SseEncoder::anonymousEvent(QJsonDocument(gap).toJson(QJsonDocument::Compact)));
}

void SseSubscriber::writeStoreReset(qint64 lastSeq)
{
    const qint64 from = lastSeq + 1;
    const qint64 to = m_nextSeq - 1;
    QJsonObject gap;
    gap.insert(QStringLiteral("type"), QStringLiteral("gap"));
    gap.insert(QStringLiteral("session_id"), m_sessionId);
    gap.insert(QStringLiteral("status"), QStringLiteral("running"));
    gap.insert(QStringLiteral("reason"), QStringLiteral("store_reset"));
    gap.insert(QStringLiteral("missed_from"), from);
    gap.insert(QStringLiteral("missed_to"), to);
    gap.insert(QStringLiteral("last_seq"), lastSeq);
    gap.insert(QStringLiteral("message"),
               QStringLiteral("the store no longer holds events %1 to %2; the stream goes on "
                              "with what it holds, and new events may reuse those seqs")
                   .arg(from)
                   .arg(to));
    gap.insert(QStringLiteral("timestamp"), isoUtc(QDateTime::currentDateTimeUtc()));
    write(SseEncoder::anonymousEvent(QJsonDocument(gap).toJson(QJsonDocument::Compact)));
    m_nextSeq = from;
}

void SseSubscriber::stream_bytesWritten()
{
    m_lastProgressMs = QDateTime::currentMSecsSinceEpoch();
    if (m_state == State::Replaying || (m_state == State::Live && m_nextSeq <= m_knownLastSeq))
        pump();
}

void SseSubscriber::tick(qint64 nowMs)
{
    if (m_state == State::Ended || !m_stream->isOpen())
        return;
    if (unsentBytes() > 0
        && nowMs - m_lastProgressMs > qint64(m_options.stallTimeoutSeconds) * 1000) {
        cutOff(QStringLiteral("stalled"));
        return;
    }
    if (m_state == State::Closing)
        return;
    if (nowMs - m_lastWriteMs >= qint64(m_options.keepaliveSeconds) * 1000) {
        if (unsentBytes() > m_options.maxUnsentBytes) {
            cutOff(QStringLiteral("slow_consumer"));
            return;
        }
        write(SseEncoder::comment("keepalive"));
    }
}

void SseSubscriber::close(const QString &reason)
{
    if (m_state == State::Closing || m_state == State::Ended)
        return;
    m_state = State::Closing;
    m_closeReason = reason;
    if (m_stream->isOpen())
        m_stream->closeAfterFlush(); // ends with closed() once what is queued is sent
    else
        end(reason);
}

void SseSubscriber::cutOff(const QString &reason)
{
    qCInfo(lcSse).noquote() << "cutting off subscriber" << m_id << "of" << m_sessionId << "from"
                            << m_peer << reason << "unsent" << unsentBytes();
    m_closeReason = reason;
    m_state = State::Closing;
    // Ended first, so that the disconnection is reported with the lag that caused it.
    end(reason);
    m_stream->abort(); // drops the unsent output; the client resumes with Last-Event-ID
}

void SseSubscriber::end(const QString &reason)
{
    if (m_state == State::Ended)
        return;
    m_state = State::Ended;
    disconnect(m_stream, nullptr, this, nullptr);
    Q_EMIT ended(reason);
}

SubscriberInfo SseSubscriber::info() const
{
    SubscriberInfo info;
    info.id = qint64(m_id);
    info.peer = m_peer;
    info.resumeFrom = m_resumeFrom;
    info.nextSeq = m_nextSeq;
    info.eventsSent = m_eventsSent;
    info.lagBytes = unsentBytes();
    info.connectedAtMs = m_connectedAtMs;
    return info;
}

} // namespace ssebuf
