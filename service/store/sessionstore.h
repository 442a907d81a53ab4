#ifndef SSEBUF_SESSIONSTORE_H
#define SSEBUF_SESSIONSTORE_H

#include "core/storedevent.h"
#include "sessionsummary.h"

#include <QList>
#include <QObject>

#include <functional>
#include <optional>

namespace ssebuf {

struct SessionRecord
{
    QString sessionId;
    QString userId;
    QString mode;
    qint64 createdAtMs = 0;
};

enum class CreateStatus { Created, Full, Unavailable };
enum class AppendStatus { Appended, NotFound, Ended, TooLarge, Unavailable };
enum class RemovalReason { Expired, Deleted };

struct AppendResult
{
    AppendStatus status = AppendStatus::Unavailable;
    EventPtr event; // set when appended
};

// One event of an atomic batch append, with its idempotency key (contract section 10).
struct BatchItem
{
    EventDraft draft;
    QByteArray key; // empty when the event has none
    QByteArray fingerprint; // tells a retry of the event from another event reusing the key
};

struct BatchAppend
{
    QList<BatchItem> items; // a final event only as the last one
    QByteArray requestKey; // Idempotency-Key header: covers the whole request; may be empty
    QByteArray requestFingerprint; // of the whole request body
    QString endReason; // "cancelled": recorded with the session when the batch ends it
};

enum class BatchStatus { Appended, NotFound, Ended, KeyConflict, TooLarge, Unavailable };

struct BatchResult
{
    BatchStatus status = BatchStatus::Unavailable;
    int index = -1; // KeyConflict, TooLarge: the item at fault (-1: the request key)
    qint64 firstSeq = 0; // 0 when nothing was appended
    qint64 lastSeq = 0;
    int count = 0; // appended
    int duplicates = 0; // skipped: their key was known with the same fingerprint
    bool duplicateRequest = false; // the request key was known: the first answer's numbers
    QList<qint64> seqs; // per item: its seq, or the seq it was first appended under
    QList<EventPtr> events; // the events appended, seq ascending
    QString endedReason; // Ended: "cancelled" after a cancel, else empty
};

struct ReadResult
{
    bool found = false;
    bool available = true; // false when the store could not be asked
    bool finished = false; // the session's terminal event is appended
    qint64 lastSeq = 0;
    SessionState state = SessionState::Running;
    qint64 gapFrom = 0; // first and last seq the reader asked for that were evicted
    qint64 gapTo = 0;
    QList<EventPtr> events; // seq ascending, contiguous
};

// Where sessions and their events live. Two implementations: MemoryStore (in-process,
// the default) and RedisStore (shared by several instances). Every operation answers
// through its callback, possibly before it returns (the memory store does) or later from
// the event loop (Redis). Callers that may die first wrap callbacks with withContext().
//
// The signals report every change that reaches this instance, including, for a shared
// store, changes made by other instances; they are what live streams follow.
class SessionStore : public QObject
{
    Q_OBJECT
public:
    using CreateCallback = std::function<void(CreateStatus)>;
    using AppendCallback = std::function<void(const AppendResult &)>;
    using BatchCallback = std::function<void(const BatchResult &)>;
    using ReadCallback = std::function<void(const ReadResult &)>;
    using FindCallback = std::function<void(const std::optional<SessionSummary> &)>;
    using ListCallback = std::function<void(const QList<SessionSummary> &)>;
    using DeleteCallback = std::function<void(bool found)>;

    using QObject::QObject;

    virtual QString description() const = 0; // "memory" or the redis:// URL
    virtual bool isAvailable() const = 0;
    // Every operation calls its callback before it returns, on every outcome (the memory
    // store): a caller may then answer from the stack (HttpFrontend's at-once lane).
    virtual bool answersAtOnce() const { return false; }

    // Creates a session unless maxSessions are held already (Full).
    virtual void createSession(const SessionRecord &record, CreateCallback done) = 0;
    // Appends the next event: seq is the session's last seq + 1.
    virtual void appendEvent(const QString &sessionId, const EventDraft &draft, AppendCallback done)
        = 0;
    // Appends the batch's new items with consecutive seqs in one atomic step, or nothing:
    // keys known with the same fingerprint are duplicates (skipped, and a batch of only
    // duplicates succeeds even after the session ended), with another one a KeyConflict.
    // Keys are remembered with the session, at most maxIdempotencyKeys (oldest first use
    // forgotten first). Subscribers get the batch's events in one signal pass.
    virtual void appendBatch(const QString &sessionId, const BatchAppend &batch, BatchCallback done)
        = 0;
    // Events with seq > afterSeq, at most limit of them.
    virtual void readEvents(const QString &sessionId, qint64 afterSeq, int limit, ReadCallback done)
        = 0;
    virtual void findSession(const QString &sessionId, FindCallback done) = 0;
    virtual void listSessions(ListCallback done) = 0;
    virtual void deleteSession(const QString &sessionId, DeleteCallback done) = 0;

    // Live traffic per session (contract section 17). A store may deliver eventAppended
    // only for the sessions watched here: every local stream (and long poll) watches its
    // session, and unwatches it once when it ends; the store follows a session while
    // anyone watches it. ready(true) once the live traffic flows (a stream must read the
    // store only after that, or an event in between is missed), ready(false) when it
    // cannot. The default (memory) always delivers everything.
    virtual void watchSession(const QString &sessionId, std::function<void(bool)> ready)
    {
        Q_UNUSED(sessionId);
        ready(true);
    }
    virtual void unwatchSession(const QString &sessionId) { Q_UNUSED(sessionId); }

Q_SIGNALS:
    void sessionCreated(const ssebuf::SessionSummary &summary);
    void eventAppended(const QString &sessionId, const ssebuf::EventPtr &event,
                       const ssebuf::SessionSummary &summary, int evicted);
    void sessionEnded(const ssebuf::SessionSummary &summary);
    void sessionRemoved(const QString &sessionId, ssebuf::RemovalReason reason);
    void availabilityChanged(bool available);
    // The live traffic of a watched session may have missed events (its subscription was
    // lost and made again): its streams read the store again.
    void sessionResync(const QString &sessionId);
    // The lifecycle changes (created, ended, removed) may have missed some (the store's
    // lifecycle subscription was lost and made again): mirrors of the session list read it
    // again (the admin feed sends a fresh snapshot).
    void lifecycleResync();
};

} // namespace ssebuf

Q_DECLARE_METATYPE(ssebuf::EventPtr)

#endif
