#include "redisstore.h"

#include "redisbatch.h"
#include "redisreply.h"
#include "redissessioncodec.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcRedisStore, "ssebuf.store")

namespace ssebuf {

namespace {

constexpr int sweepBatch = 1000;

} // namespace

RedisStore::RedisStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                       WriteCoalescer *coalescer, QObject *parent)
    : SessionStore(parent)
    , m_endpoint(endpoint)
    , m_policy(policy)
    , m_createScript(RedisScript::create())
    , m_appendScript(RedisScript::append())
    , m_readScript(RedisScript::read())
    , m_listScript(RedisScript::list())
    , m_removeScript(RedisScript::remove())
    , m_sweepScript(RedisScript::sweep())
    , m_keyPrefix("ssebuf:")
    , m_indexKey(m_keyPrefix + "sessions")
    // Pub/sub ignores the database number: keep deployments on different databases apart.
    , m_channel(m_keyPrefix + "notify:" + QByteArray::number(endpoint.database))
    , m_coalescer(coalescer)
    , m_supervisor(new RedisSupervisor(endpoint,
                                       {&m_createScript, &m_appendScript, &m_readScript,
                                        &m_listScript, &m_removeScript, &m_sweepScript},
                                       m_channel, this))
{
    connect(m_supervisor, &RedisSupervisor::availabilityChanged, this,
            &SessionStore::availabilityChanged);
    connect(m_supervisor, &RedisSupervisor::notificationArrived, this,
            &RedisStore::supervisor_notificationArrived);
    m_sweepTimer.setInterval(std::max(1, policy.sweepIntervalSeconds) * 1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &RedisStore::sweepTimer_timeout);
    m_sweepTimer.start();
}

RedisStore::~RedisStore()
{
    m_supervisor->close();
}

void RedisStore::supervisor_notificationArrived(const QByteArray &payload)
{
    // Notifications come in batches (one read of the pub/sub connection): the events of a
    // batch go out together when this loop pass ends.
    if (m_coalescer)
        m_coalescer->corkThisPass();
    handleNotification(payload);
}

QByteArray RedisStore::metaKey(const QString &sessionId) const
{
    return m_keyPrefix + "s:" + sessionId.toUtf8();
}

QByteArray RedisStore::streamKey(const QString &sessionId) const
{
    return m_keyPrefix + "e:" + sessionId.toUtf8();
}

QByteArray RedisStore::keysKey(const QString &sessionId) const
{
    return m_keyPrefix + "k:" + sessionId.toUtf8();
}

QByteArray RedisStore::keyOrderKey(const QString &sessionId) const
{
    return m_keyPrefix + "ko:" + sessionId.toUtf8();
}

void RedisStore::sweepTimer_timeout()
{
    if (!isAvailable())
        return;
    const QByteArray now = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    evaluate(m_sweepScript, {m_indexKey},
             {now, m_keyPrefix + "s:", m_keyPrefix + "e:", m_channel,
              QByteArray::number(sweepBatch), m_keyPrefix + "k:", m_keyPrefix + "ko:"},
             [this](const redisReply *reply) {
                 if (!reply)
                     return;
                 if (isError(reply)) {
                     qCWarning(lcRedisStore).noquote()
                         << "sweep failed:" << QString::fromUtf8(replyText(reply));
                     return;
                 }
                 if (reply->integer > 0)
                     qCInfo(lcRedisStore) << "swept" << reply->integer << "expired sessions";
                 if (reply->integer >= sweepBatch)
                     sweepTimer_timeout();
             });
}

void RedisStore::handleNotification(const QByteArray &payload)
{
    // The header is one line of JSON (cjson escapes newlines); the event JSON follows raw.
    const qsizetype newline = payload.indexOf('\n');
    const QByteArray header = newline < 0 ? payload : payload.left(newline);
    const QJsonObject message = QJsonDocument::fromJson(header).object();
    const QString kind = message.value(QLatin1String("k")).toString();
    const QString sessionId = message.value(QLatin1String("id")).toString();
    if (sessionId.isEmpty())
        return;
    if (kind == QLatin1String("removed")) {
        const bool deleted
            = message.value(QLatin1String("r")).toString() == QLatin1String("deleted");
        Q_EMIT sessionRemoved(sessionId, deleted ? RemovalReason::Deleted : RemovalReason::Expired);
        return;
    }
    Fields fields;
    const QJsonObject meta = message.value(QLatin1String("m")).toObject();
    for (auto it = meta.constBegin(); it != meta.constEnd(); ++it)
        fields.insert(it.key().toUtf8(), it.value().toString().toUtf8());
    const SessionSummary summary = summaryOf(sessionId, fields);
    if (kind == QLatin1String("created")) {
        Q_EMIT sessionCreated(summary);
    } else if (kind == QLatin1String("appended") && newline >= 0) {
        // A batch's events, one JSON a line ("n" of them; one when absent).
        const QList<QByteArray> lines = payload.mid(newline + 1).split('\n');
        int evicted = message.value(QLatin1String("x")).toInt();
        for (const QByteArray &line : lines) {
            const EventPtr event = StoredEvent::fromJson(line);
            if (!event)
                continue;
            Q_EMIT eventAppended(sessionId, event, summary, evicted);
            evicted = 0;
            if (event->final)
                Q_EMIT sessionEnded(summary);
        }
    }
}

void RedisStore::send(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler)
{
    m_supervisor->send(args, std::move(handler));
}

void RedisStore::evaluate(const RedisScript &script, const QList<QByteArray> &keys,
                          const QList<QByteArray> &args, RedisConnection::ReplyHandler handler)
{
    QList<QByteArray> command {"EVALSHA", script.sha1, QByteArray::number(keys.size())};
    command += keys;
    command += args;
    send(command,
         [this, command, source = script.source, handler](const redisReply *reply) mutable {
             if (isError(reply) && replyText(reply).startsWith("NOSCRIPT")) {
                 command[0] = "EVAL";
                 command[1] = source;
                 send(command, std::move(handler));
                 return;
             }
             handler(reply);
         });
}

SessionSummary RedisStore::summaryOf(const QString &sessionId, const Fields &fields) const
{
    return sessionSummaryFromFields(sessionId, fields, ttlMs());
}

void RedisStore::createSession(const SessionRecord &record, CreateCallback done)
{
    if (!isAvailable()) {
        done(CreateStatus::Unavailable);
        return;
    }
    evaluate(m_createScript, {metaKey(record.sessionId), m_indexKey},
             {record.sessionId.toUtf8(), record.userId.toUtf8(), record.mode.toUtf8(),
              QByteArray::number(record.createdAtMs), QByteArray::number(ttlMs()),
              QByteArray::number(m_policy.maxSessions), m_channel},
             [done = std::move(done), id = record.sessionId](const redisReply *reply) {
                 const QByteArray answer = replyText(reply);
                 if (!reply || isError(reply)) {
                     if (reply)
                         qCWarning(lcRedisStore).noquote()
                             << "create failed:" << QString::fromUtf8(answer);
                     done(CreateStatus::Unavailable);
                 } else if (answer == "ok") {
                     done(CreateStatus::Created);
                 } else if (answer == "full") {
                     done(CreateStatus::Full);
                 } else {
                     qCWarning(lcRedisStore).noquote() << "session id collision" << id;
                     done(CreateStatus::Unavailable);
                 }
             });
}

void RedisStore::appendEvent(const QString &sessionId, const EventDraft &draft, AppendCallback done)
{
    BatchAppend batch;
    batch.items.append(BatchItem {draft, {}, {}});
    appendBatch(sessionId, batch, [done = std::move(done)](const BatchResult &result) {
        done(appendResultOf(result));
    });
}

void RedisStore::appendBatch(const QString &sessionId, const BatchAppend &batch, BatchCallback done)
{
    BatchResult refused;
    if (!isAvailable()) {
        done(refused);
        return;
    }
    QList<QByteArray> args;
    int tooLarge = -1;
    if (!RedisBatch::arguments(sessionId, batch, QDateTime::currentMSecsSinceEpoch(), m_policy,
                               m_channel, &args, &tooLarge)) {
        if (tooLarge >= 0) {
            refused.status = BatchStatus::TooLarge;
            refused.index = tooLarge;
        }
        done(refused);
        return;
    }
    evaluate(m_appendScript,
             {metaKey(sessionId), streamKey(sessionId), m_indexKey, keysKey(sessionId),
              keyOrderKey(sessionId)},
             args, [this, done = std::move(done), args](const redisReply *reply) {
                 const BatchResult result = RedisBatch::result(reply, args);
                 if (m_waitReplicas <= 0 || result.status != BatchStatus::Appended
                     || result.events.isEmpty()) {
                     done(result);
                     return;
                 }
                 // Acknowledged once the replicas have it (the script's writes came first on
                 // this connection, so WAIT counts them).
                 send({"WAIT", QByteArray::number(m_waitReplicas), "1000"},
                      [this, done, result](const redisReply *waited) {
                          if (waited && waited->type == REDIS_REPLY_INTEGER
                              && waited->integer >= m_waitReplicas) {
                              done(result);
                              return;
                          }
                          qCWarning(lcRedisStore).noquote()
                              << "append not acknowledged: too few replicas within 1000 ms";
                          done(BatchResult {});
                      });
             });
}

void RedisStore::readEvents(const QString &sessionId, qint64 afterSeq, int limit, ReadCallback done)
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
                         << "read failed:" << QString::fromUtf8(replyText(reply));
                 done(readResultFromReply(sessionId, afterSeq, reply, ttlMs()));
             });
}

void RedisStore::findSession(const QString &sessionId, FindCallback done)
{
    if (!isAvailable()) {
        done(std::nullopt);
        return;
    }
    send({"HGETALL", metaKey(sessionId)},
         [this, done = std::move(done), sessionId](const redisReply *reply) {
             if (!isArray(reply) || reply->elements == 0) {
                 done(std::nullopt);
                 return;
             }
             done(summaryOf(sessionId, redisreply::fields(reply)));
         });
}

void RedisStore::listSessions(ListCallback done)
{
    if (!isAvailable()) {
        done({});
        return;
    }
    evaluate(m_listScript, {m_indexKey},
             {QByteArray::number(QDateTime::currentMSecsSinceEpoch()), m_keyPrefix + "s:"},
             [this, done = std::move(done)](const redisReply *reply) {
                 QList<SessionSummary> sessions;
                 for (size_t i = 0; isArray(reply) && i < reply->elements; ++i) {
                     const redisReply *item = reply->element[i];
                     if (isArray(item, 2))
                         sessions.append(summaryOf(QString::fromUtf8(replyText(item->element[0])),
                                                   redisreply::fields(item->element[1])));
                 }
                 done(sessions);
             });
}

void RedisStore::deleteSession(const QString &sessionId, DeleteCallback done)
{
    if (!isAvailable()) {
        done(false);
        return;
    }
    evaluate(m_removeScript,
             {metaKey(sessionId), streamKey(sessionId), m_indexKey, keysKey(sessionId),
              keyOrderKey(sessionId)},
             {sessionId.toUtf8(), m_channel}, [done = std::move(done)](const redisReply *reply) {
                 done(reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1);
             });
}

} // namespace ssebuf
