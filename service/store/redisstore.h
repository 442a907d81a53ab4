#ifndef SSEBUF_REDISSTORE_H
#define SSEBUF_REDISSTORE_H

#include "eventloop/writecoalescer.h"
#include "redisconnection.h"
#include "redisendpoint.h"
#include "redisscript.h"
#include "redissupervisor.h"
#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

namespace ssebuf {

// The shared store (contract section 7): sessions in Redis, one Stream of events and one
// hash of summary fields per session, so several ssebufd instances serve the same
// sessions. Every write is one Lua script (atomic, so seq stays contiguous whichever
// instance appends); every change is announced on one pub/sub channel that each instance
// reads on a second connection and turns into this class's signals, for its own changes
// as for the others'. docs/redis.md explains the choices and their limits.
//
// While Redis is unreachable every operation answers Unavailable at once; the store
// reconnects on its own with a growing delay and says so through availabilityChanged().
class RedisStore : public SessionStore
{
    Q_OBJECT
public:
    // coalescer: corks the streams while a batch of notifications becomes events.
    RedisStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
               WriteCoalescer *coalescer = nullptr, QObject *parent = nullptr);
    ~RedisStore() override;

    QString description() const override { return m_endpoint.toString(); }
    bool isAvailable() const override { return m_supervisor->isUp(); }
    // --redis-wait-replicas: an append is acknowledged once this many replicas have it.
    void setWaitReplicas(int replicas) { m_waitReplicas = replicas; }
    // The current connection attempt has not succeeded or failed yet (start-up waits on it).
    bool isConnecting() const { return m_supervisor->isConnecting(); }

    void createSession(const SessionRecord &record, CreateCallback done) override;
    void appendEvent(const QString &sessionId, const EventDraft &draft,
                     AppendCallback done) override;
    void appendBatch(const QString &sessionId, const BatchAppend &batch,
                     BatchCallback done) override;
    void readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                    ReadCallback done) override;
    void findSession(const QString &sessionId, FindCallback done) override;
    void listSessions(ListCallback done) override;
    void deleteSession(const QString &sessionId, DeleteCallback done) override;

private:
    using Fields = QHash<QByteArray, QByteArray>;

    void supervisor_notificationArrived(const QByteArray &payload);
    void sweepTimer_timeout();
    void handleNotification(const QByteArray &payload);

    // Sends on the command connection; the handler is skipped once the store is closing.
    void send(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler);
    // EVALSHA, and EVAL when Redis answers NOSCRIPT (it was flushed or restarted).
    void evaluate(const RedisScript &script, const QList<QByteArray> &keys,
                  const QList<QByteArray> &args, RedisConnection::ReplyHandler handler);

    SessionSummary summaryOf(const QString &sessionId, const Fields &fields) const;
    QByteArray metaKey(const QString &sessionId) const;
    QByteArray streamKey(const QString &sessionId) const;
    QByteArray keysKey(const QString &sessionId) const; // idempotency keys
    QByteArray keyOrderKey(const QString &sessionId) const;
    qint64 ttlMs() const { return qint64(m_policy.sessionTtlSeconds) * 1000; }

    RedisEndpoint m_endpoint;
    RetentionPolicy m_policy;
    const RedisScript m_createScript;
    const RedisScript m_appendScript;
    const RedisScript m_readScript;
    const RedisScript m_listScript;
    const RedisScript m_removeScript;
    const RedisScript m_sweepScript;
    const QByteArray m_keyPrefix;
    const QByteArray m_indexKey;
    const QByteArray m_channel;
    QPointer<WriteCoalescer> m_coalescer;
    int m_waitReplicas = 0;
    RedisSupervisor *m_supervisor;
    QTimer m_sweepTimer;
};

} // namespace ssebuf

#endif
