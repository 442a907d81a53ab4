#include "redisbatch.h"

#include "redisreply.h"

#include <hiredis/hiredis.h>

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

namespace {

// Where the value of the top-level field `name` starts in compact JSON, or -1. Scans
// strings and nesting so that a key of the same name inside "data", or the text in a
// message, is never taken for it.
using redisreply::topLevelValueOffset;

qint64 integerAt(const redisReply *reply, size_t i)
{
    if (i >= reply->elements || reply->element[i]->type != REDIS_REPLY_INTEGER)
        return 0;
    return reply->element[i]->integer;
}

} // namespace

bool RedisBatch::arguments(const QString &sessionId, const BatchAppend &batch, qint64 nowMs,
                           const RetentionPolicy &policy, const QByteArray &channel,
                           QList<QByteArray> *args, int *tooLarge)
{
    *args = {sessionId.toUtf8(),
             QByteArray::number(nowMs),
             QByteArray::number(qint64(policy.sessionTtlSeconds) * 1000),
             QByteArray::number(policy.maxEvents),
             QByteArray::number(policy.maxBufferBytes),
             {},
             channel,
             QByteArray::number(std::max(1, policy.maxIdempotencyKeys)),
             batch.requestKey,
             batch.requestFingerprint,
             batch.endReason.toUtf8(),
             QByteArray::number(batch.items.size())};
    qint64 overhead = 0;
    for (int i = 0; i < batch.items.size(); ++i) {
        const BatchItem &item = batch.items.at(i);
        // Encoded here with seq 0 and split around that 0: the script puts the real seq in,
        // because only the script can decide it atomically.
        const EventPtr shape = StoredEvent::make(sessionId, 0, nowMs, item.draft);
        if (shape->wire.size() > policy.maxBufferBytes) {
            *tooLarge = i;
            return false;
        }
        const qsizetype at = topLevelValueOffset(shape->json, "seq");
        if (at < 0 || shape->json.at(at) != '0') {
            qCCritical(lcRedisStore) << "cannot find seq in the event JSON";
            *tooLarge = -1;
            return false;
        }
        overhead = shape->wire.size() - shape->json.size() - 1;
        *args << shape->json.left(at) << shape->json.mid(at + 1)
              << (item.draft.final ? sessionStateName(item.draft.status).toUtf8() : QByteArray())
              << item.key << item.fingerprint;
    }
    (*args)[5] = QByteArray::number(overhead);
    return true;
}

namespace {

constexpr int itemArgs = 12;

int itemsOf(const QList<QByteArray> &args)
{
    return int((args.size() - itemArgs) / 5);
}

} // namespace

QHash<QByteArray, QByteArray> RedisBatch::sessionAfter(const redisReply *reply,
                                                       const QList<QByteArray> &args, int *evicted)
{
    const size_t at = size_t(4 + itemsOf(args));
    *evicted = 0;
    if (!isArray(reply, at + 2) || replyText(reply->element[0]) != "ok")
        return {};
    *evicted = int(integerAt(reply, at));
    return redisreply::fields(reply->element[at + 1]);
}

BatchResult RedisBatch::result(const redisReply *reply, const QList<QByteArray> &args)
{
    const int items = itemsOf(args);
    BatchResult result;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        if (reply)
            qCWarning(lcRedisStore).noquote()
                << "append failed:" << QString::fromUtf8(replyText(reply));
        return result;
    }
    const QByteArray answer = replyText(reply->element[0]);
    if (answer == "ok" && reply->elements >= size_t(4 + items)) {
        result.status = BatchStatus::Appended;
        result.firstSeq = integerAt(reply, 1);
        result.count = int(integerAt(reply, 2));
        result.lastSeq = result.count > 0 ? result.firstSeq + result.count - 1 : 0;
        result.duplicates = int(integerAt(reply, 3));
        qint64 nextFresh = result.firstSeq;
        for (int i = 0; i < items; ++i) {
            const qint64 seq = integerAt(reply, size_t(4 + i));
            result.seqs.append(seq);
            if (result.count > 0 && seq == nextFresh) {
                const int at = itemArgs + i * 5;
                result.events.append(
                    StoredEvent::fromJson(args.at(at) + QByteArray::number(seq) + args.at(at + 1)));
                ++nextFresh;
            }
        }
    } else if (answer == "duplicate_request") {
        result.status = BatchStatus::Appended;
        result.duplicateRequest = true;
        result.firstSeq = integerAt(reply, 1);
        result.lastSeq = integerAt(reply, 2);
        result.count = int(integerAt(reply, 3));
        result.duplicates = int(integerAt(reply, 4));
    } else if (answer == "not_found") {
        result.status = BatchStatus::NotFound;
    } else if (answer == "ended") {
        result.status = BatchStatus::Ended;
        result.endedReason
            = QString::fromUtf8(replyText(reply->elements > 1 ? reply->element[1] : nullptr));
    } else if (answer == "conflict") {
        result.status = BatchStatus::KeyConflict;
        result.index = int(integerAt(reply, 1));
    } else if (answer == "too_large") {
        result.status = BatchStatus::TooLarge;
        result.index = int(integerAt(reply, 1));
    }
    return result;
}

} // namespace ssebuf
