#ifndef SSEBUF_REDISCLUSTERSTORE_H
#define SSEBUF_REDISCLUSTERSTORE_H

#include "rediscluster.h"
#include "redisstorebase.h"

namespace ssebuf {

// The shared store on a Redis Cluster (contract section 17, docs/redis.md): the same
// session record, event stream and scripts as RedisStore, with every key of a session in
// the slot of its hash tag (ssebuf:{<id>}:s, :e, and :k, :ko for idempotency keys), so
// sessions spread over all masters and each script stays on one of them. The session index
// (ssebuf:{ssebuf}:sessions, one key on one master) holds every session for
// --max-sessions, the admin list and the sweep; it is written when a session is created
// and removed, not per event.
//
// Live traffic (RedisStoreBase): each session's shard channel (ssebuf:{<id>}:live) is
// subscribed (SSUBSCRIBE) on the master of its slot; the lifecycle channel
// (ssebuf:lifecycle) on any master. A lost or moved subscription is made again on the
// slot's current master.
class RedisClusterStore : public RedisStoreBase
{
    Q_OBJECT
public:
    // coalescer: corks the streams while a batch of notifications becomes events (may be
    // null).
    RedisClusterStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                      int waitReplicas, WriteCoalescer *coalescer = nullptr,
                      QObject *parent = nullptr);
    ~RedisClusterStore() override;

    bool isAvailable() const override { return m_cluster->isUp(); }

    void createSession(const SessionRecord &record, CreateCallback done) override;
    void listSessions(ListCallback done) override;
    void deleteSession(const QString &sessionId, DeleteCallback done) override;

private:
    void send(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler) override;
    void sendThen(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler,
                  const QList<QByteArray> &then, ReplyHandler thenHandler) override;
    RedisSubscriber *subscriberFor(const QByteArray &channel) override;
    RedisSubscriber *lifecycleSubscriber() override;
    QByteArray appendIndexKey(const QString &sessionId) const override
    {
        return metaKey(sessionId); // the script then leaves the index alone
    }
    void channelRefused(const QByteArray &error) override;
    void channelDropped() override { m_cluster->refreshSoon(); }

    // redisclustersweep.cpp
    void sweepTimer_timeout();
    void sweepOne(const QByteArray &id, qint64 nowMs);

    const RedisScript m_reserveScript;
    const RedisScript m_createScript;
    const RedisScript m_expireScript;
    RedisCluster *m_cluster;
    const QByteArray m_indexKey;
    QTimer m_sweepTimer;
};

} // namespace ssebuf

#endif
