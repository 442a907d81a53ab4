// RedisStoreBase: keys, the scripts both Redis stores run, and the appends. The append
// script publishes the batch on the session's live channel; with --redis-wait-replicas it
// publishes nothing, WAIT follows it on the same connection and this instance publishes
// once the replicas have the events, so no instance delivers an event a failover can lose.

#include "redisstorebase.h"

#include "redisbatch.h"
#include "redisreply.h"
#include "redissessioncodec.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

using namespace redisreply;

namespace {

// How long an append waits for --redis-wait-replicas replicas before it answers 503.
constexpr int waitTimeoutMs = 1000;

QByteArray databaseSuffix(const RedisEndpoint &endpoint, bool sharded)
{
    return sharded ? QByteArray() : ':' + QByteArray::number(endpoint.database);
}

} // namespace

// An append with --redis-wait-replicas, between the script and the WAIT.
struct RedisStoreBase::PendingAppend
{
    QString sessionId;
    QList<QByteArray> args;
    BatchCallback done;
    BatchResult result;
    Fields meta; // the session after the append
    int evicted = 0;
    bool noScript = false;
    bool answered = false;
    void answer(const BatchResult &value)
    {
        if (!std::exchange(answered, true))
            done(value);
    }
};

RedisStoreBase::RedisStoreBase(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                               int waitReplicas, bool sharded, WriteCoalescer *coalescer,
                               QObject *parent)
    : SessionStore(parent)
    , m_endpoint(endpoint)
    , m_policy(policy)
    , m_waitReplicas(waitReplicas)
    , m_sharded(sharded)
    , m_appendScript(RedisScript::append())
    , m_readScript(RedisScript::read())
    , m_lifecycleChannel("ssebuf:lifecycle" + databaseSuffix(endpoint, sharded))
    , m_coalescer(coalescer)
{
    m_watchTimer.setInterval(250);
    connect(&m_watchTimer, &QTimer::timeout, this, &RedisStoreBase::watchTimer_timeout);
    m_watchTimer.start();
}

RedisStoreBase::~RedisStoreBase() = default;

QByteArray RedisStoreBase::key(const char *kind, const QString &sessionId) const
{
    if (m_sharded)
        return "ssebuf:{" + sessionId.toUtf8() + "}:" + kind;
    return QByteArray("ssebuf:") + kind + ':' + sessionId.toUtf8();
}

QByteArray RedisStoreBase::channelOf(const QString &sessionId) const
{
    if (m_sharded)
        return "ssebuf:{" + sessionId.toUtf8() + "}:live";
    return "ssebuf:live" + databaseSuffix(m_endpoint, false) + ':' + sessionId.toUtf8();
}

void RedisStoreBase::evaluate(const RedisScript &script, const QList<QByteArray> &keys,
                              const QList<QByteArray> &args, ReplyHandler handler)
{
    QList<QByteArray> command {"EVALSHA", script.sha1, QByteArray::number(keys.size())};
    command += keys;
    command += args;
    send(keys.first(), command,
         [this, command, source = script.source, handler](const redisReply *reply) mutable {
             if (isError(reply) && text(reply).startsWith("NOSCRIPT")) {
                 command[0] = "EVAL";
                 command[1] = source;
                 send(command.at(3), command, std::move(handler));
                 return;
             }
             handler(reply);
         });
}

SessionSummary RedisStoreBase::summaryOf(const QString &sessionId, const Fields &fields) const
{
    return sessionSummaryFromFields(sessionId, fields, ttlMs());
}

void RedisStoreBase::readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                                ReadCallback done)
{
    if (!isAvailable()) {
        ReadResult result;
        result.available = false;
        done(result);
        return;
    }
    evaluate(m_readScript, {metaKey(sessionId), streamKey(sessionId)},
             {QByteArray::number(afterSeq + 1), QByteArray::number(std::max(1, limit))},
             [this, done = std::move(done), sessionId, afterSeq](const redisReply *reply) {
                 if (!isArray(reply) && reply)
                     qCWarning(lcRedisStore).noquote()
                         << "read failed:" << QString::fromUtf8(text(reply));
                 done(readResultFromReply(sessionId, afterSeq, reply, ttlMs()));
             });
}

void RedisStoreBase::findSession(const QString &sessionId, FindCallback done)
{
    if (!isAvailable()) {
        done(std::nullopt);
        return;
    }
    send(metaKey(sessionId), {"HGETALL", metaKey(sessionId)},
         [this, done = std::move(done), sessionId](const redisReply *reply) {
             if (!isArray(reply) || reply->elements == 0) {
                 done(std::nullopt);
                 return;
             }
             done(summaryOf(sessionId, fields(reply)));
         });
}

void RedisStoreBase::appendEvent(const QString &sessionId, const EventDraft &draft,
                                 AppendCallback done)
{
    BatchAppend batch;
    batch.items.append(BatchItem {draft, {}, {}});
    appendBatch(sessionId, batch, [done = std::move(done)](const BatchResult &result) {
        done(appendResultOf(result));
    });
}

void RedisStoreBase::appendBatch(const QString &sessionId, const BatchAppend &batch,
                                 BatchCallback done)
{
    BatchResult refused;
    if (!isAvailable()) {
        done(refused);
        return;
    }
    const bool waits = m_waitReplicas > 0;
    // "[S]PUBLISH <channel>": the script publishes on the session's live channel; with WAIT
    // it does not publish at all, this instance does once the replicas have the events.
    const QByteArray publishTo = waits
        ? QByteArray()
        : QByteArray(m_sharded ? "SPUBLISH " : "PUBLISH ") + channelOf(sessionId);
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
    const QList<QByteArray> keys {metaKey(sessionId), streamKey(sessionId),
                                  appendIndexKey(sessionId), keysKey(sessionId),
                                  keyOrderKey(sessionId)};
    if (!waits) {
        evaluate(m_appendScript, keys, args,
                 [this, sessionId, args, done = std::move(done)](const redisReply *reply) {
                     const BatchResult result = RedisBatch::result(reply, args);
                     int evicted = 0;
                     const Fields meta = RedisBatch::sessionAfter(reply, args, &evicted);
                     appended(sessionId, result, meta, evicted, false);
                     done(result);
                 });
        return;
    }
    auto pending = std::make_shared<PendingAppend>();
    pending->sessionId = sessionId;
    pending->args = args;
    pending->done = std::move(done);
    QList<QByteArray> command {"EVALSHA", m_appendScript.sha1, QByteArray::number(keys.size())};
    command += keys;
    command += args;
    appendAndWait(command, pending);
}

// The append script, and WAIT pipelined behind it on the same connection (it counts the
// replicas of that connection's writes). NOSCRIPT (Redis forgot the script): again with EVAL.
void RedisStoreBase::appendAndWait(QList<QByteArray> command,
                                   const std::shared_ptr<PendingAppend> &pending)
{
    sendThen(
        command.at(3), command,
        [pending](const redisReply *reply) {
            if (isError(reply) && text(reply).startsWith("NOSCRIPT")) {
                pending->noScript = true;
                return;
            }
            pending->result = RedisBatch::result(reply, pending->args);
            pending->meta = RedisBatch::sessionAfter(reply, pending->args, &pending->evicted);
            // Nothing new was written (refused, or only duplicates): no WAIT needed.
            if (pending->result.status != BatchStatus::Appended || pending->result.events.isEmpty())
                pending->answer(pending->result);
        },
        {"WAIT", QByteArray::number(m_waitReplicas), QByteArray::number(waitTimeoutMs)},
        [this, command, pending](const redisReply *reply) mutable {
            if (pending->answered)
                return;
            if (std::exchange(pending->noScript, false) && command.at(0) == "EVALSHA") {
                command[0] = "EVAL";
                command[1] = m_appendScript.source;
                appendAndWait(command, pending);
                return;
            }
            if (!reply || reply->type != REDIS_REPLY_INTEGER || reply->integer < m_waitReplicas) {
                qCWarning(lcRedisStore).noquote()
                    << QStringLiteral(
                           "append to %1 not acknowledged: %2 of %3 replicas within %4 ms")
                           .arg(pending->sessionId)
                           .arg(reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0)
                           .arg(m_waitReplicas)
                           .arg(waitTimeoutMs);
                pending->answer(BatchResult {});
                return;
            }
            appended(pending->sessionId, pending->result, pending->meta, pending->evicted, true);
            pending->answer(pending->result);
        });
}

// After an append of this instance: what the script did not publish. The events go to the
// session's live channel when WAIT held them back; the end of the session goes to the
// lifecycle channel; and this instance's own admin feed and metrics see its appends to
// sessions it does not watch (no notification comes back for those). meta and evicted:
// the session after the append, from the script's answer.
void RedisStoreBase::appended(const QString &sessionId, const BatchResult &result,
                              const Fields &meta, int evicted, bool publish)
{
    if (result.status != BatchStatus::Appended || result.events.isEmpty())
        return;
    const bool watched = m_watches.contains(sessionId);
    const bool final = result.events.last()->final;
    if (!publish && !final && watched)
        return; // the script's own message brings it back
    QJsonObject fields;
    for (auto it = meta.cbegin(); it != meta.cend(); ++it)
        fields.insert(QString::fromUtf8(it.key()), QString::fromUtf8(it.value()));
    // As the script's own message: a header line, then each event's JSON on a line.
    QByteArray message
        = QJsonDocument(QJsonObject {{QStringLiteral("k"), QStringLiteral("appended")},
                                     {QStringLiteral("id"), sessionId},
                                     {QStringLiteral("m"), fields},
                                     {QStringLiteral("x"), evicted},
                                     {QStringLiteral("n"), int(result.events.size())}})
              .toJson(QJsonDocument::Compact);
    for (const EventPtr &event : result.events)
        message += '\n' + event->json;
    if (publish)
        send(channelOf(sessionId),
             {m_sharded ? "SPUBLISH" : "PUBLISH", channelOf(sessionId), message},
             [](const redisReply *) {});
    if (!watched)
        handleNotification(message);
    if (final) {
        const QByteArray ended
            = QJsonDocument(QJsonObject {{QStringLiteral("k"), QStringLiteral("ended")},
                                         {QStringLiteral("id"), sessionId},
                                         {QStringLiteral("m"), fields}})
                  .toJson(QJsonDocument::Compact);
        send(channelOf(sessionId), {"PUBLISH", m_lifecycleChannel, ended},
             [](const redisReply *) {});
    }
}

} // namespace ssebuf
