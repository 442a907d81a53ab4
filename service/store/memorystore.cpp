#include "memorystore.h"

#include <QVarLengthArray>

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>
#include <deque>

Q_LOGGING_CATEGORY(lcMemoryStore, "ssebuf.store")

namespace ssebuf {

// What a session remembers of an idempotency key: the request's fingerprint and answer.
struct KnownKey
{
    QByteArray fingerprint;
    qint64 firstSeq = 0;
    qint64 lastSeq = 0;
    int count = 0;
    int duplicates = 0;
};

struct MemoryStore::Session
{
    SessionRecord record;
    QByteArray sessionIdJson; // the id as a JSON string, in every event's JSON
    SessionState state = SessionState::Running;
    QString endedReason;
    QHash<QByteArray, KnownKey> keys;
    std::deque<QByteArray> keyOrder; // by first use, oldest first
    qint64 updatedAtMs = 0;
    SessionBuffer buffer;
    quint64 ordinal; // creation order, for sessions created within one millisecond

    Session(const SessionRecord &r, SessionBuffer::Limits limits, quint64 n)
        : record(r)
        , sessionIdJson(StoredEvent::sessionIdJson(r.sessionId))
        , updatedAtMs(r.createdAtMs)
        , buffer(limits)
        , ordinal(n)
    {
    }
};

MemoryStore::MemoryStore(const RetentionPolicy &policy, QObject *parent)
    : SessionStore(parent)
    , m_policy(policy)
{
    m_sweepTimer.setInterval(std::max(1, policy.sweepIntervalSeconds) * 1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &MemoryStore::sweepExpired);
    m_sweepTimer.start();
}

MemoryStore::~MemoryStore() = default;

SessionSummary MemoryStore::summaryOf(const Session &session) const
{
    SessionSummary summary;
    summary.sessionId = session.record.sessionId;
    summary.userId = session.record.userId;
    summary.mode = session.record.mode;
    summary.state = session.state;
    summary.createdAtMs = session.record.createdAtMs;
    summary.updatedAtMs = session.updatedAtMs;
    summary.eventCount = session.buffer.lastSeq();
    summary.firstSeq = session.buffer.firstSeq();
    summary.lastSeq = session.buffer.lastSeq();
    summary.bufferedBytes = session.buffer.bufferedBytes();
    summary.droppedEvents = session.buffer.droppedEvents();
    summary.expiresAtMs = session.updatedAtMs + qint64(m_policy.sessionTtlSeconds) * 1000;
    summary.endedReason = session.endedReason;
    return summary;
}

std::shared_ptr<MemoryStore::Session> MemoryStore::liveSession(const QString &sessionId)
{
    const auto found = m_sessions.constFind(sessionId);
    if (found == m_sessions.constEnd())
        return {};
    std::shared_ptr<Session> session = found.value();
    // Expired sessions are gone for readers at once, not only at the next sweep.
    if (session->updatedAtMs + qint64(m_policy.sessionTtlSeconds) * 1000
        <= QDateTime::currentMSecsSinceEpoch()) {
        m_sessions.remove(sessionId);
        Q_EMIT sessionRemoved(sessionId, RemovalReason::Expired);
        return {};
    }
    return session;
}

void MemoryStore::createSession(const SessionRecord &record, CreateCallback done)
{
    // Expired sessions stop counting when they expire, not at the next sweep.
    if (m_sessions.size() >= m_policy.maxSessions && sweepExpired() == 0) {
        done(CreateStatus::Full);
        return;
    }
    auto session = std::make_shared<Session>(
        record, SessionBuffer::Limits {m_policy.maxEvents, m_policy.maxBufferBytes},
        m_nextOrdinal++);
    m_sessions.insert(record.sessionId, session);
    // Announced before the caller hears of it, so a watcher never sees an event of a
    // session it was not told about.
    Q_EMIT sessionCreated(summaryOf(*session));
    done(CreateStatus::Created);
}

void MemoryStore::rememberKey(Session &session, const QByteArray &key, const KnownKey &known)
{
    session.keys.insert(key, known);
    session.keyOrder.push_back(key);
    while (session.keyOrder.size() > size_t(std::max(1, m_policy.maxIdempotencyKeys))) {
        session.keys.remove(session.keyOrder.front());
        session.keyOrder.pop_front();
    }
}

void MemoryStore::appendBatch(const QString &sessionId, const BatchAppend &batch,
                              BatchCallback done)
{
    BatchResult result;
    const std::shared_ptr<Session> session = liveSession(sessionId);
    if (!session) {
        result.status = BatchStatus::NotFound;
        done(result);
        return;
    }
    if (!batch.requestKey.isEmpty()) {
        const auto known = session->keys.constFind(batch.requestKey);
        if (known != session->keys.constEnd()) {
            if (known->fingerprint != batch.requestFingerprint) {
                result.status = BatchStatus::KeyConflict;
            } else {
                result.status = BatchStatus::Appended;
                result.duplicateRequest = true;
                result.firstSeq = known->firstSeq;
                result.lastSeq = known->lastSeq;
                result.count = known->count;
                result.duplicates = known->duplicates;
            }
            done(result);
            return;
        }
    }
    // Classify first, append after: all or nothing.
    // On the stack for batches of up to 16 (every one-event publish, most NDJSON reads).
    QVarLengthArray<int, 16> fresh;
    QVarLengthArray<int, 16> sameAs(batch.items.size(), -1); // a duplicate of an earlier item
    QHash<QByteArray, int> batchKeys;
    // Allocated once at its size (appending grew it through Qt's general reallocation).
    result.seqs = QList<qint64>(batch.items.size(), 0);
    for (int i = 0; i < batch.items.size(); ++i) {
        const BatchItem &item = batch.items.at(i);
        if (!item.key.isEmpty()) {
            const int earlier = batchKeys.value(item.key, -1);
            const auto known = session->keys.constFind(item.key);
            const QByteArray *fingerprint = earlier >= 0
                ? &batch.items.at(earlier).fingerprint
                : (known != session->keys.constEnd() ? &known->fingerprint : nullptr);
            if (item.key == batch.requestKey || (fingerprint && *fingerprint != item.fingerprint)) {
                result.status = BatchStatus::KeyConflict;
                result.index = i;
                result.seqs.clear();
                done(result);
                return;
            }
            if (fingerprint) {
                ++result.duplicates;
                if (earlier >= 0)
                    sameAs[i] = earlier;
                else
                    result.seqs[i] = known->firstSeq;
                continue;
            }
            batchKeys.insert(item.key, i);
        }
        fresh.append(i);
    }
    if (!fresh.isEmpty() && isTerminal(session->state)) {
        BatchResult ended;
        ended.status = BatchStatus::Ended;
        ended.endedReason = session->endedReason;
        done(ended);
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<EventPtr> events;
    events.reserve(fresh.size());
    for (int n = 0; n < fresh.size(); ++n) {
        EventPtr event = StoredEvent::makeWithSessionJson(
            session->sessionIdJson, session->buffer.lastSeq() + 1 + n, now,
            batch.items.at(fresh.at(n)).draft, &m_timestamps);
        if (event->wire.size() > m_policy.maxBufferBytes) {
            BatchResult tooLarge;
            tooLarge.status = BatchStatus::TooLarge;
            tooLarge.index = fresh.at(n);
            done(tooLarge);
            return;
        }
        result.seqs[fresh.at(n)] = event->seq;
        events.append(std::move(event));
    }
    for (int i = 0; i < sameAs.size(); ++i) {
        if (sameAs.at(i) >= 0)
            result.seqs[i] = result.seqs.at(sameAs.at(i));
    }
    result.status = BatchStatus::Appended;
    result.count = int(events.size());
    if (!events.isEmpty()) {
        result.firstSeq = events.first()->seq;
        result.lastSeq = events.last()->seq;
    }
    for (int n = 0; n < fresh.size(); ++n) {
        const BatchItem &item = batch.items.at(fresh.at(n));
        if (!item.key.isEmpty())
            rememberKey(*session, item.key,
                        KnownKey {item.fingerprint, result.seqs.at(fresh.at(n)),
                                  result.seqs.at(fresh.at(n)), 1, 0});
    }
    if (!batch.requestKey.isEmpty())
        rememberKey(*session, batch.requestKey,
                    KnownKey {batch.requestFingerprint, result.firstSeq, result.lastSeq,
                              result.count, result.duplicates});
    for (const EventPtr &event : std::as_const(events)) {
        const int evicted = session->buffer.append(event);
        session->updatedAtMs = now;
        if (event->final) {
            session->state = event->status;
            session->endedReason = batch.endReason;
        }
        const SessionSummary summary = summaryOf(*session);
        Q_EMIT eventAppended(sessionId, event, summary, evicted);
        if (event->final)
            Q_EMIT sessionEnded(summary);
    }
    result.events = std::move(events);
    done(result);
}

void MemoryStore::appendEvent(const QString &sessionId, const EventDraft &draft,
                              AppendCallback done)
{
    const std::shared_ptr<Session> session = liveSession(sessionId);
    if (!session) {
        done(AppendResult {AppendStatus::NotFound, {}});
        return;
    }
    if (isTerminal(session->state)) {
        done(AppendResult {AppendStatus::Ended, {}});
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    EventPtr event = StoredEvent::makeWithSessionJson(
        session->sessionIdJson, session->buffer.lastSeq() + 1, now, draft, &m_timestamps);
    if (event->wire.size() > m_policy.maxBufferBytes) {
        done(AppendResult {AppendStatus::TooLarge, {}});
        return;
    }
    const int evicted = session->buffer.append(event);
    session->updatedAtMs = now;
    if (event->final)
        session->state = event->status;
    const SessionSummary summary = summaryOf(*session);
    Q_EMIT eventAppended(sessionId, event, summary, evicted);
    if (event->final)
        Q_EMIT sessionEnded(summary);
    done(AppendResult {AppendStatus::Appended, event});
}

void MemoryStore::readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                             ReadCallback done)
{
    ReadResult result;
    const std::shared_ptr<Session> live = liveSession(sessionId);
    if (!live) {
        done(result);
        return;
    }
    const Session &session = *live;
    result.found = true;
    result.finished = isTerminal(session.state);
    result.lastSeq = session.buffer.lastSeq();
    result.state = session.state;
    SessionBuffer::Slice slice = session.buffer.after(afterSeq, limit);
    result.gapFrom = slice.gapFrom;
    result.gapTo = slice.gapTo;
    result.events = std::move(slice.events);
    done(result);
}

void MemoryStore::findSession(const QString &sessionId, FindCallback done)
{
    const std::shared_ptr<Session> session = liveSession(sessionId);
    if (!session)
        done(std::nullopt);
    else
        done(summaryOf(*session));
}

void MemoryStore::listSessions(ListCallback done)
{
    // Oldest first, in creation order.
    std::vector<const Session *> ordered;
    ordered.reserve(size_t(m_sessions.size()));
    for (const auto &session : std::as_const(m_sessions))
        ordered.push_back(session.get());
    std::sort(ordered.begin(), ordered.end(),
              [](const Session *a, const Session *b) { return a->ordinal < b->ordinal; });
    QList<SessionSummary> sessions;
    sessions.reserve(qsizetype(ordered.size()));
    for (const Session *session : ordered)
        sessions.append(summaryOf(*session));
    done(sessions);
}

void MemoryStore::deleteSession(const QString &sessionId, DeleteCallback done)
{
    const bool found = m_sessions.remove(sessionId) > 0;
    done(found);
    if (found)
        Q_EMIT sessionRemoved(sessionId, RemovalReason::Deleted);
}

int MemoryStore::sweepExpired()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 ttlMs = qint64(m_policy.sessionTtlSeconds) * 1000;
    QStringList expired;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it.value()->updatedAtMs + ttlMs <= now)
            expired.append(it.key());
    }
    for (const QString &id : std::as_const(expired)) {
        m_sessions.remove(id);
        Q_EMIT sessionRemoved(id, RemovalReason::Expired);
    }
    if (!expired.isEmpty())
        qCInfo(lcMemoryStore) << "swept" << expired.size() << "expired sessions";
    return int(expired.size());
}

} // namespace ssebuf
