#include "redisclusterstore.h"

#include "redisclusterscript.h"
#include "redisreply.h"
#include "redissessioncodec.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

using namespace redisreply;

RedisClusterStore::RedisClusterStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                                     int waitReplicas, WriteCoalescer *coalescer, QObject *parent)
    : RedisStoreBase(endpoint, policy, waitReplicas, true, coalescer, parent)
    , m_reserveScript(RedisClusterScript::reserve())
    , m_createScript(RedisClusterScript::create())
    , m_expireScript(RedisClusterScript::expire())
    , m_cluster(
          new RedisCluster(endpoint,
                           {m_reserveScript.source, m_createScript.source, m_appendScript.source,
                            m_readScript.source, m_expireScript.source},
                           this))
    , m_indexKey("ssebuf:{ssebuf}:sessions")
{
    connect(m_cluster, &RedisCluster::availabilityChanged, this, [this](bool up) {
        if (up)
            qCInfo(lcRedisStore).noquote() << "connected to" << description();
        else
            qCWarning(lcRedisStore).noquote() << "lost" << description() << "; retrying";
        Q_EMIT availabilityChanged(up);
    });
    connect(m_cluster, &RedisCluster::nodeAdded, this,
            [this](RedisClusterNode *node) { addSubscriber(node->subscriber()); });
    connect(m_cluster, &RedisCluster::nodeLost, this,
            [this](RedisClusterNode *node) { subscriberLost(node->subscriber()); });
    connect(m_cluster, &RedisCluster::topologyChanged, this, &RedisClusterStore::subscribeAll);
    m_sweepTimer.setInterval(std::max(1, policy.sweepIntervalSeconds) * 1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &RedisClusterStore::sweepTimer_timeout);
    m_sweepTimer.start();
    m_cluster->start();
}

RedisClusterStore::~RedisClusterStore()
{
    closeLive();
    delete m_cluster;
    m_cluster = nullptr;
}

void RedisClusterStore::send(const QByteArray &key, const QList<QByteArray> &args,
                             ReplyHandler handler)
{
    m_cluster->command(key, args, [this, handler = std::move(handler)](const redisReply *reply) {
        if (!m_closing)
            handler(reply);
    });
}

void RedisClusterStore::sendThen(const QByteArray &key, const QList<QByteArray> &args,
                                 ReplyHandler handler, const QList<QByteArray> &then,
                                 ReplyHandler thenHandler)
{
    m_cluster->commandThen(
        key, args,
        [this, handler = std::move(handler)](const redisReply *reply) {
            if (!m_closing)
                handler(reply);
        },
        then,
        [this, thenHandler = std::move(thenHandler)](const redisReply *reply) {
            if (!m_closing)
                thenHandler(reply);
        });
}

RedisSubscriber *RedisClusterStore::subscriberFor(const QByteArray &channel)
{
    RedisClusterNode *node = m_cluster->nodeForSlot(redisKeySlot(channel));
    return node ? node->subscriber() : nullptr;
}

RedisSubscriber *RedisClusterStore::lifecycleSubscriber()
{
    RedisClusterNode *node = m_cluster->anyNode();
    return node ? node->subscriber() : nullptr;
}

void RedisClusterStore::channelRefused(const QByteArray &error)
{
    if (error.startsWith("MOVED "))
        m_cluster->noteMoved(error); // subscribed again on topologyChanged or the watch timer
    else
        RedisStoreBase::channelRefused(error);
}

void RedisClusterStore::createSession(const SessionRecord &record, CreateCallback done)
{
    if (!isAvailable()) {
        done(CreateStatus::Unavailable);
        return;
    }
    const QByteArray id = record.sessionId.toUtf8();
    // First a place in the index (the limit counts every session of every master), then
    // the session on its own master; a session that cannot be written gives its place back.
    evaluate(m_reserveScript, {m_indexKey},
             {id, QByteArray::number(record.createdAtMs + ttlMs()),
              QByteArray::number(m_policy.maxSessions)},
             [this, record, id, done = std::move(done)](const redisReply *reply) {
                 const QByteArray answer = text(reply);
                 if (!reply || isError(reply) || answer == "exists") {
                     if (reply)
                         qCWarning(lcRedisStore).noquote()
                             << "create failed:" << QString::fromUtf8(answer);
                     done(CreateStatus::Unavailable);
                     return;
                 }
                 if (answer == "full") {
                     done(CreateStatus::Full);
                     return;
                 }
                 evaluate(m_createScript, {metaKey(record.sessionId)},
                          {id, record.userId.toUtf8(), record.mode.toUtf8(),
                           QByteArray::number(record.createdAtMs), QByteArray::number(ttlMs()),
                           m_lifecycleChannel},
                          [this, id, done](const redisReply *reply) {
                              if (text(reply) == "ok") {
                                  done(CreateStatus::Created);
                                  return;
                              }
                              qCWarning(lcRedisStore).noquote()
                                  << "create failed:" << QString::fromUtf8(text(reply));
                              send(m_indexKey, {"ZREM", m_indexKey, id}, [](const redisReply *) {});
                              done(CreateStatus::Unavailable);
                          });
             });
}

void RedisClusterStore::listSessions(ListCallback done)
{
    if (!isAvailable()) {
        done({});
        return;
    }
    // The index names every session; each one's record is read from its own master, all
    // at once (pipelined per master).
    send(m_indexKey, {"ZRANGE", m_indexKey, "0", "-1"},
         [this, done = std::move(done)](const redisReply *reply) {
             struct Listing
             {
                 QList<std::optional<SessionSummary>> found;
                 int remaining = 0;
                 ListCallback done;
             };
             auto listing = std::make_shared<Listing>();
             listing->done = done;
             const size_t count = isArray(reply) ? reply->elements : 0;
             listing->found.resize(qsizetype(count));
             listing->remaining = int(count);
             const auto finish = [listing] {
                 QList<SessionSummary> sessions;
                 for (const std::optional<SessionSummary> &summary :
                      std::as_const(listing->found)) {
                     if (summary)
                         sessions.append(*summary);
                 }
                 listing->done(sessions);
             };
             if (count == 0) {
                 finish();
                 return;
             }
             for (size_t i = 0; i < count; ++i) {
                 const QString id = QString::fromUtf8(text(reply->element[i]));
                 send(metaKey(id), {"HGETALL", metaKey(id)},
                      [this, listing, finish, id, i](const redisReply *fieldsReply) {
                          if (isArray(fieldsReply, 2))
                              listing->found[qsizetype(i)] = summaryOf(id, fields(fieldsReply));
                          if (--listing->remaining == 0)
                              finish();
                      });
             }
         });
}

void RedisClusterStore::deleteSession(const QString &sessionId, DeleteCallback done)
{
    if (!isAvailable()) {
        done(false);
        return;
    }
    const QByteArray id = sessionId.toUtf8();
    evaluate(m_expireScript,
             {metaKey(sessionId), streamKey(sessionId), keysKey(sessionId), keyOrderKey(sessionId)},
             {id, m_lifecycleChannel, "deleted"},
             [this, id, done = std::move(done)](const redisReply *reply) {
                 const bool existed
                     = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
                 if (reply && !isError(reply))
                     send(m_indexKey, {"ZREM", m_indexKey, id}, [](const redisReply *) {});
                 done(existed);
             });
}

} // namespace ssebuf
