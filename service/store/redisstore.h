#ifndef SSEBUF_REDISSTORE_H
#define SSEBUF_REDISSTORE_H

#include "redisstorebase.h"
#include "redissupervisor.h"

namespace ssebuf {

// The shared store (contract section 7) on one Redis master (redis://, or found through
// Sentinel: redis-sentinel://): sessions in Redis, one Stream of events and one hash of
// summary fields per session, so several ssebufd instances serve the same sessions. Every
// write is one Lua script (atomic, so seq stays contiguous whichever instance appends).
// Live traffic (RedisStoreBase): each session's events on its own channel
// (ssebuf:live:<db>:<id>), which an instance subscribes to while it streams the session;
// creations, ends and removals on ssebuf:lifecycle:<db>, which every instance follows.
// docs/redis.md explains the choices and their limits.
//
// While Redis is unreachable every operation answers Unavailable at once; the store
// reconnects on its own with a growing delay and says so through availabilityChanged().
class RedisStore : public RedisStoreBase
{
    Q_OBJECT
public:
    // coalescer: corks the streams while a batch of notifications becomes events.
    // waitReplicas (--redis-wait-replicas): an append is acknowledged, and delivered, once
    // this many replicas have it.
    RedisStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy, int waitReplicas = 0,
               WriteCoalescer *coalescer = nullptr, QObject *parent = nullptr);
    ~RedisStore() override;

    bool isAvailable() const override { return m_supervisor->isUp(); }
    // The current connection attempt has not succeeded or failed yet (start-up waits on it).
    bool isConnecting() const { return m_supervisor->isConnecting(); }

    void createSession(const SessionRecord &record, CreateCallback done) override;
    void listSessions(ListCallback done) override;
    void deleteSession(const QString &sessionId, DeleteCallback done) override;

private:
    void send(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler) override;
    void sendThen(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler,
                  const QList<QByteArray> &then, ReplyHandler thenHandler) override;
    RedisSubscriber *subscriberFor(const QByteArray &channel) override;
    QByteArray appendIndexKey(const QString &sessionId) const override
    {
        Q_UNUSED(sessionId);
        return m_indexKey;
    }
    void supervisor_availabilityChanged(bool up);
    void sweepTimer_timeout();

    const RedisScript m_createScript;
    const RedisScript m_listScript;
    const RedisScript m_removeScript;
    const RedisScript m_sweepScript;
    const QByteArray m_indexKey;
    RedisSupervisor *m_supervisor;
    QTimer m_sweepTimer;
};

} // namespace ssebuf

#endif
