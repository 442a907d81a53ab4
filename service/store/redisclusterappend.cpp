// RedisClusterStore's appends: the single-node append script (RedisScript::append, with the
// idempotency keys and batches of contract sections 10 and 11), run on the session's
// master without the index (a cluster keeps it beside, section 9 of docs/redis.md) and
// publishing on the session's shard channel; with --redis-wait-replicas, WAIT first and
// the instance publishes.

#include "redisclusterstore.h"
#include "redissessioncodec.h"

#include "redisbatch.h"
#include "redisreply.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

using namespace redisreply;

namespace {

// How long an append waits for --redis-wait-replicas replicas before it answers 503.
constexpr int waitTimeoutMs = 1000;

} // namespace

void RedisClusterStore::appendEvent(const QString &sessionId, const EventDraft &draft,
                                    AppendCallback done)
{
    BatchAppend batch;
    batch.items.append(BatchItem {draft, {}, {}});
    appendBatch(sessionId, batch, [done = std::move(done)](const BatchResult &result) {
        done(appendResultOf(result));
    });
}

void RedisClusterStore::appendBatch(const QString &sessionId, const BatchAppend &batch,
                                    BatchCallback done)
{
    BatchResult refused;
    if (!isAvailable()) {
        done(refused);
        return;
    }
    const bool waits = m_waitReplicas > 0;
    // "SPUBLISH <channel>": the script publishes on the session's shard channel; with WAIT
    // it does not publish at all, this instance does once the replicas have the events.
    const QByteArray publishTo = waits ? QByteArray() : "SPUBLISH " + channelOf(sessionId);
    QList<QByteArray> args;
    int tooLarge = -1;
    if (!RedisBatch::arguments(sessionId, batch, QDateTime::currentMSecsSinceEpoch(), m_policy,
                               publishTo, &args, &tooLarge)) {
        if (tooLarge >= 0) {
            refused.status = BatchStatus::TooLarge;
            refused.index = tooLarge;
        }
        done(refused);
        return;
    }
    // KEYS[3] is the index on a single node; here the meta key stands in, which the
    // script then leaves alone.
    const QList<QByteArray> keys {metaKey(sessionId), streamKey(sessionId), metaKey(sessionId),
                                  keysKey(sessionId), keyOrderKey(sessionId)};
    if (!waits) {
        evaluate(m_appendScript, keys, args,
                 [this, sessionId, args, done = std::move(done)](const redisReply *reply) {
                     const BatchResult result = RedisBatch::result(reply, args);
                     appended(sessionId, result, false);
                     done(result);
                 });
        return;
    }
    struct Pending
    {
        BatchCallback done;
        BatchResult result;
        bool answered = false;
        void answer(const BatchResult &value)
        {
            if (!std::exchange(answered, true))
                done(value);
        }
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    QList<QByteArray> command {"EVALSHA", m_appendScript.sha1, QByteArray::number(keys.size())};
    command += keys;
    command += args;
    m_cluster->commandThen(
        metaKey(sessionId), command,
        [this, pending, args](const redisReply *reply) {
            if (m_closing)
                return;
            pending->result = RedisBatch::result(reply, args);
            // Nothing new was written (refused, or only duplicates): no WAIT needed.
            if (pending->result.status != BatchStatus::Appended || pending->result.events.isEmpty())
                pending->answer(pending->result);
        },
        {"WAIT", QByteArray::number(m_waitReplicas), QByteArray::number(waitTimeoutMs)},
        [this, pending, sessionId](const redisReply *reply) {
            if (m_closing || pending->answered)
                return;
            if (!reply || reply->type != REDIS_REPLY_INTEGER || reply->integer < m_waitReplicas) {
                qCWarning(lcRedisStore).noquote()
                    << QStringLiteral(
                           "append to %1 not acknowledged: %2 of %3 replicas within %4 ms")
                           .arg(sessionId)
                           .arg(reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0)
                           .arg(m_waitReplicas)
                           .arg(waitTimeoutMs);
                pending->answer(BatchResult {});
                return;
            }
            appended(sessionId, pending->result, true);
            pending->answer(pending->result);
        });
}

// After an append of this instance: what the script did not publish. The events go to the
// session's shard channel when WAIT held them back; the end of the session goes to the
// lifecycle channel; and this instance's own admin feed and metrics see its appends to
// sessions it does not watch (no notification comes back for those).
void RedisClusterStore::appended(const QString &sessionId, const BatchResult &result, bool publish)
{
    if (result.status != BatchStatus::Appended || result.events.isEmpty())
        return;
    QByteArray lines;
    for (const EventPtr &event : result.events)
        lines += '\n' + event->json;
    const bool final = result.events.last()->final;
    const bool watched = m_watches.contains(sessionId);
    if (!publish && !final) {
        if (!watched) {
            SessionSummary summary;
            summary.sessionId = sessionId;
            summary.lastSeq = summary.eventCount = result.events.last()->seq;
            summary.state = SessionState::Running;
            for (const EventPtr &event : result.events)
                Q_EMIT eventAppended(sessionId, event, summary, 0);
        }
        return;
    }
    // The header line carries the session's fields, as the script's own would.
    send(metaKey(sessionId), {"HGETALL", metaKey(sessionId)},
         [this, sessionId, lines, publish, final, watched](const redisReply *reply) {
             if (!isArray(reply, 2))
                 return;
             QJsonObject meta;
             const Fields fieldMap = fields(reply);
             for (auto it = fieldMap.cbegin(); it != fieldMap.cend(); ++it)
                 meta.insert(QString::fromUtf8(it.key()), QString::fromUtf8(it.value()));
             const QByteArray header
                 = QJsonDocument(QJsonObject {{QStringLiteral("k"), QStringLiteral("appended")},
                                              {QStringLiteral("id"), sessionId},
                                              {QStringLiteral("m"), meta},
                                              {QStringLiteral("x"), 0}})
                       .toJson(QJsonDocument::Compact);
             if (publish)
                 send(channelOf(sessionId), {"SPUBLISH", channelOf(sessionId), header + lines},
                      [](const redisReply *) {});
             if (!watched)
                 handleNotification(header + lines);
             if (final) {
                 const QByteArray ended
                     = QJsonDocument(QJsonObject {{QStringLiteral("k"), QStringLiteral("ended")},
                                                  {QStringLiteral("id"), sessionId},
                                                  {QStringLiteral("m"), meta}})
                           .toJson(QJsonDocument::Compact);
                 send(channelOf(sessionId), {"PUBLISH", m_lifecycleChannel, ended},
                      [](const redisReply *) {});
             }
         });
}

} // namespace ssebuf
