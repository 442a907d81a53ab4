#include "redisstore.h"

#include "redisreply.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcRedisStore, "ssebuf.store")

namespace ssebuf {

using namespace redisreply;

namespace {

constexpr int sweepBatch = 1000;

} // namespace

RedisStore::RedisStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                       int waitReplicas, WriteCoalescer *coalescer, QObject *parent)
    : RedisStoreBase(endpoint, policy, waitReplicas, false, coalescer, parent)
    , m_createScript(RedisScript::create())
    , m_listScript(RedisScript::list())
    , m_removeScript(RedisScript::remove())
    , m_sweepScript(RedisScript::sweep())
    , m_indexKey("ssebuf:sessions")
    , m_supervisor(new RedisSupervisor(endpoint,
                                       {&m_createScript, &m_appendScript, &m_readScript,
                                        &m_listScript, &m_removeScript, &m_sweepScript},
                                       m_lifecycleChannel, this))
{
    addSubscriber(m_supervisor->subscriber());
    connect(m_supervisor, &RedisSupervisor::availabilityChanged, this,
            &RedisStore::supervisor_availabilityChanged);
    m_sweepTimer.setInterval(std::max(1, policy.sweepIntervalSeconds) * 1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &RedisStore::sweepTimer_timeout);
    m_sweepTimer.start();
}

RedisStore::~RedisStore()
{
    closeLive();
    m_supervisor->close();
}

void RedisStore::supervisor_availabilityChanged(bool up)
{
    // The supervisor subscribed the lifecycle channel before it said up; the sessions
    // streamed here subscribe again (their streams then read the store again).
    if (up)
        subscribeAll();
    else
        subscriberLost(m_supervisor->subscriber());
    Q_EMIT availabilityChanged(up);
}

RedisSubscriber *RedisStore::subscriberFor(const QByteArray &channel)
{
    Q_UNUSED(channel);
    return m_supervisor->isUp() ? m_supervisor->subscriber() : nullptr;
}

void RedisStore::send(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler)
{
    Q_UNUSED(key);
    m_supervisor->send(args, std::move(handler));
}

void RedisStore::sendThen(const QByteArray &key, const QList<QByteArray> &args,
                          ReplyHandler handler, const QList<QByteArray> &then,
                          ReplyHandler thenHandler)
{
    // One connection: the second command follows the first, pipelined.
    send(key, args, std::move(handler));
    send(key, then, std::move(thenHandler));
}

void RedisStore::sweepTimer_timeout()
{
    if (!isAvailable())
        return;
    const QByteArray now = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    evaluate(m_sweepScript, {m_indexKey},
             {now, "ssebuf:s:", "ssebuf:e:", m_lifecycleChannel, QByteArray::number(sweepBatch),
              "ssebuf:k:", "ssebuf:ko:"},
             [this](const redisReply *reply) {
                 if (!reply)
                     return;
                 if (isError(reply)) {
                     qCWarning(lcRedisStore).noquote()
                         << "sweep failed:" << QString::fromUtf8(text(reply));
                     return;
                 }
                 if (reply->integer > 0)
                     qCInfo(lcRedisStore) << "swept" << reply->integer << "expired sessions";
                 if (reply->integer >= sweepBatch)
                     sweepTimer_timeout();
             });
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
              QByteArray::number(m_policy.maxSessions), m_lifecycleChannel},
             [done = std::move(done), id = record.sessionId](const redisReply *reply) {
                 const QByteArray answer = text(reply);
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

void RedisStore::listSessions(ListCallback done)
{
    if (!isAvailable()) {
        done({});
        return;
    }
    evaluate(m_listScript, {m_indexKey},
             {QByteArray::number(QDateTime::currentMSecsSinceEpoch()), "ssebuf:s:"},
             [this, done = std::move(done)](const redisReply *reply) {
                 QList<SessionSummary> sessions;
                 for (size_t i = 0; isArray(reply) && i < reply->elements; ++i) {
                     const redisReply *item = reply->element[i];
                     if (isArray(item, 2))
                         sessions.append(summaryOf(QString::fromUtf8(text(item->element[0])),
                                                   fields(item->element[1])));
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
             {sessionId.toUtf8(), m_lifecycleChannel},
             [done = std::move(done)](const redisReply *reply) {
                 done(reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1);
             });
}

} // namespace ssebuf
