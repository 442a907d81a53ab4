#include "publishservice.h"

#include "core/contextcallback.h"
#include "eventloop/writecoalescer.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace ssebuf {

namespace {

ApiError sessionNotFound()
{
    return ApiError {404,
                     QStringLiteral("session_not_found"),
                     QStringLiteral("no such session (unknown or expired)"),
                     {}};
}

ApiError rejected(const QString &code, const QString &message, const QString &field)
{
    return ApiError {422, code, message, field};
}

} // namespace

std::optional<PublishEvent> PublishEvent::fromJson(const QJsonObject &json, ApiError *error)
{
    PublishEvent event;
    QJsonObject content = json;
    const QJsonValue key = content.take(QLatin1String("idempotency_key"));
    if (!key.isUndefined()) {
        event.idempotencyKey = key.toString().toUtf8();
        if (!key.isString() || !PublishService::isValidKey(event.idempotencyKey)) {
            if (error)
                *error = rejected(QStringLiteral("invalid_idempotency_key"),
                                  QStringLiteral("idempotency_key must be a string of 1..255 "
                                                 "printable ASCII characters ('!' to '~')"),
                                  QStringLiteral("idempotency_key"));
            return std::nullopt;
        }
    }
    std::optional<EventDraft> draft = EventDraft::fromJson(content, error);
    if (!draft)
        return std::nullopt;
    event.draft = std::move(*draft);
    // QJsonObject keeps its keys sorted: the same event spelt with other spacing or key
    // order is the same event. Only an event with a key is ever compared (the stores skip the
    // fingerprint of one without), so the others are spared the hash.
    if (!event.idempotencyKey.isEmpty())
        event.fingerprint
            = PublishService::fingerprintOf(QJsonDocument(content).toJson(QJsonDocument::Compact));
    return event;
}

PublishService::PublishService(SessionStore *store, WriteCoalescer *coalescer, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_coalescer(coalescer)
{
}

bool PublishService::isValidKey(const QByteArray &key)
{
    if (key.isEmpty() || key.size() > 255)
        return false;
    return std::all_of(key.cbegin(), key.cend(), [](char c) { return c >= '!' && c <= '~'; });
}

QByteArray PublishService::fingerprintOf(const QByteArray &bytes)
{
    // Hex: the Redis script keeps it in a space-separated record.
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

void PublishService::publish(const QString &sessionId, const QList<PublishEvent> &events,
                             Callback done)
{
    publishRequest(sessionId, events, {}, {}, std::move(done));
}

void PublishService::publishRequest(const QString &sessionId, const QList<PublishEvent> &events,
                                    const QByteArray &requestKey, const QByteArray &requestBody,
                                    Callback done)
{
    // The outcome is built where a request is rejected here: most are not.
    auto reject = [&done](int index, ApiError error) {
        PublishOutcome outcome;
        outcome.status = PublishOutcome::Status::Rejected;
        outcome.index = index;
        outcome.error = std::move(error);
        done(outcome);
    };
    if (events.isEmpty()) {
        reject(-1,
               rejected(QStringLiteral("empty_batch"),
                        QStringLiteral("a batch needs at least one event"), {}));
        return;
    }
    BatchAppend batch;
    batch.items.reserve(events.size());
    for (int i = 0; i < events.size(); ++i) {
        const PublishEvent &event = events.at(i);
        if (event.draft.final && i + 1 < events.size()) {
            reject(i,
                   rejected(QStringLiteral("invalid_event"),
                            QStringLiteral("a final event may only be the last element"),
                            QStringLiteral("final")));
            return;
        }
        batch.items.append(BatchItem {event.draft, event.idempotencyKey, event.fingerprint});
    }
    if (!requestKey.isEmpty()) {
        batch.requestKey = requestKey;
        batch.requestFingerprint = fingerprintOf(requestBody);
    }
    append(sessionId, batch, events.size() > 1, std::move(done));
}

void PublishService::cancel(const QString &sessionId, const QString &reason, Callback done)
{
    EventDraft draft;
    draft.type = QStringLiteral("cancelled");
    draft.status = SessionState::Failed;
    draft.message = reason.isEmpty() ? QStringLiteral("cancelled") : reason;
    draft.final = true;
    BatchAppend batch;
    batch.items.append(BatchItem {draft, {}, {}});
    batch.endReason = QStringLiteral("cancelled");
    append(sessionId, batch, false, std::move(done));
}

void PublishService::append(const QString &sessionId, const BatchAppend &batch, bool isBatch,
                            Callback done)
{
    // A batch reaches each subscriber in one write: the memory store signals its events
    // while this request is handled (the Redis store corks when its one notification arrives).
    if (isBatch && m_coalescer)
        m_coalescer->corkThisPass();
    if (m_store->answersAtOnce()) {
        // Answered before appendBatch() returns: the callback may point at this frame (one
        // pointer, held in the std::function itself: no allocation, no copy of done).
        struct Frame
        {
            PublishService *self;
            bool isBatch;
            const Callback *done;
        } frame {this, isBatch, &done};
        m_store->appendBatch(sessionId, batch, [&frame](const BatchResult &result) {
            (*frame.done)(frame.self->outcomeOf(result, frame.isBatch));
        });
        return;
    }
    m_store->appendBatch(
        sessionId, batch,
        withContext<const BatchResult &>(
            this, [this, isBatch, done = std::move(done)](const BatchResult &result) {
                done(outcomeOf(result, isBatch));
            }));
}

PublishOutcome PublishService::outcomeOf(const BatchResult &result, bool isBatch)
{
    PublishOutcome outcome;
    outcome.index = result.index;
    switch (result.status) {
    case BatchStatus::Appended:
        outcome.status = PublishOutcome::Status::Appended;
        outcome.firstSeq = result.firstSeq;
        outcome.lastSeq = result.lastSeq;
        outcome.count = result.count;
        outcome.duplicates = result.duplicates;
        outcome.duplicateRequest = result.duplicateRequest;
        outcome.seqs = result.seqs;
        if (result.duplicateRequest)
            Q_EMIT duplicatesSkipped(1);
        else if (result.duplicates > 0)
            Q_EMIT duplicatesSkipped(result.duplicates);
        if (isBatch && !result.duplicateRequest)
            Q_EMIT batchAppended(result.count);
        break;
    case BatchStatus::NotFound:
        outcome.status = PublishOutcome::Status::NotFound;
        outcome.error = sessionNotFound();
        break;
    case BatchStatus::Ended:
        outcome.status = PublishOutcome::Status::Ended;
        outcome.endedReason = result.endedReason;
        outcome.error
            = ApiError {409,
                        QStringLiteral("session_ended"),
                        result.endedReason == QLatin1String("cancelled")
                            ? QStringLiteral("the session was cancelled")
                            : QStringLiteral("the session already has its terminal event"),
                        {}};
        break;
    case BatchStatus::KeyConflict:
        outcome.status = PublishOutcome::Status::Rejected;
        outcome.error = rejected(
            QStringLiteral("idempotency_key_reused"),
            result.index < 0 ? QStringLiteral("this Idempotency-Key was used with another body")
                             : QStringLiteral("this idempotency_key was used with another event"),
            result.index < 0 ? QString() : QStringLiteral("idempotency_key"));
        break;
    case BatchStatus::TooLarge:
        outcome.status = PublishOutcome::Status::Rejected;
        outcome.error = rejected(
            QStringLiteral("event_too_large"),
            QStringLiteral("the encoded event is larger than the per-session buffer limit"),
            QStringLiteral("message"));
        break;
    case BatchStatus::Unavailable:
        outcome.status = PublishOutcome::Status::Unavailable;
        outcome.error = ApiError {503,
                                  QStringLiteral("store_unavailable"),
                                  QStringLiteral("the session store is unreachable; "
                                                 "retry later"),
                                  {}};
        break;
    }
    return outcome;
}

} // namespace ssebuf
