#ifndef SSEBUF_PUBLISHSERVICE_H
#define SSEBUF_PUBLISHSERVICE_H

#include "core/apierror.h"
#include "core/storedevent.h"
#include "store/sessionstore.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace ssebuf {

class WriteCoalescer;

// One event of a publish request: validated, its per-event "idempotency_key" consumed.
struct PublishEvent
{
    EventDraft draft;
    QByteArray idempotencyKey; // empty when the event has none
    QByteArray fingerprint; // identifies the event's content (a retry vs. a reused key); empty
                            // without a key

    // EventDraft::fromJson plus "idempotency_key" (1..255 printable ASCII, else 422 field
    // "idempotency_key"). The key never reaches the buffered event.
    static std::optional<PublishEvent> fromJson(const QJsonObject &json, ApiError *error);
};

struct PublishOutcome
{
    enum class Status { Appended, NotFound, Ended, Rejected, Unavailable };
    Status status = Status::Unavailable;
    qint64 firstSeq = 0; // 0 when nothing was appended (the answer says null)
    qint64 lastSeq = 0;
    int count = 0; // events appended
    int duplicates = 0; // events skipped as duplicates
    bool duplicateRequest = false; // the request key was seen before: nothing appended
    QList<qint64> seqs; // per input event: its seq (the first one's for a duplicate)
    int index = -1; // Rejected: the input event at fault (-1: the request key)
    ApiError error; // the answer for every status but Appended
    QString endedReason; // Ended: "cancelled" when a cancel ended the session
};

// Contract sections 10, 11 and 13: appends what producers publish, with idempotency keys,
// as atomic batches, and cancels sessions. The HTTP routes (single event, batch, NDJSON
// stream, cancel) all come through here.
class PublishService : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const PublishOutcome &)>;

    PublishService(SessionStore *store, WriteCoalescer *coalescer, QObject *parent = nullptr);

    // Appends the events in order, atomically (all or none, consecutive seqs, delivered to
    // each subscriber in one write). A final event only as the last one; an empty list is
    // Rejected. Per-event duplicates are skipped and counted; a key reused with another
    // event is Rejected at its index.
    void publish(const QString &sessionId, const QList<PublishEvent> &events, Callback done);
    // The same under an Idempotency-Key header that covers the whole request, whose body
    // bytes tell a retry (duplicateRequest, the first answer's numbers) from a reuse.
    void publishRequest(const QString &sessionId, const QList<PublishEvent> &events,
                        const QByteArray &requestKey, const QByteArray &requestBody, Callback done);
    // Appends the terminal "cancelled" event (status failed) and marks the session
    // cancelled; the producers are stopped by whoever runs them (SessionManager).
    void cancel(const QString &sessionId, const QString &reason, Callback done);

    SessionStore *store() const { return m_store; }

    // 1..255 characters, each printable ASCII ('!' to '~').
    static bool isValidKey(const QByteArray &key);
    static QByteArray fingerprintOf(const QByteArray &bytes);

Q_SIGNALS:
    void duplicatesSkipped(int count); // events or requests not appended again
    void batchAppended(int count); // a request of several events (count appended)

private:
    void append(const QString &sessionId, const BatchAppend &batch, bool isBatch, Callback done);
    // What the store's answer means to the publisher (and the signals it gives).
    PublishOutcome outcomeOf(const BatchResult &result, bool isBatch);

    SessionStore *m_store;
    QPointer<WriteCoalescer> m_coalescer;
};

} // namespace ssebuf

#endif
