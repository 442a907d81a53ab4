#ifndef SSEBUF_REDISCLUSTERSTORE_H
#define SSEBUF_REDISCLUSTERSTORE_H

#include "eventloop/writecoalescer.h"
#include "rediscluster.h"
#include "redisendpoint.h"
#include "redisscript.h"
#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

namespace ssebuf {

// The shared store on a Redis Cluster (contract section 17, docs/redis.md): the same
// session record, event stream and scripts as RedisStore, with every key of a session in
// the slot of its hash tag (ssebuf:{<id>}:s, :e, and :k, :ko for idempotency keys), so
// sessions spread over
// all masters and each script stays on one of them. The session index
// (ssebuf:{ssebuf}:sessions, one key on one master) holds every session for
// --max-sessions, the admin list and the sweep; it is written when a session is created
// and removed, not per event.
//
// Live traffic: each session has its own shard channel (ssebuf:{<id>}:live), which this
// instance subscribes to (SSUBSCRIBE on the session's master) only while it streams the
// session; creations, ends and removals go to one cluster-wide channel
// (ssebuf:lifecycle). A lost or moved subscription is made again on the slot's current
// master, and the session's streams then read the store again (sessionResync).
class RedisClusterStore : public SessionStore
{
    Q_OBJECT
public:
    // coalescer: corks the streams while a batch of notifications becomes events (may be
    // null).
    RedisClusterStore(const RedisEndpoint &endpoint, const RetentionPolicy &policy,
                      int waitReplicas, WriteCoalescer *coalescer = nullptr,
                      QObject *parent = nullptr);
    ~RedisClusterStore() override;

    QString description() const override { return m_endpoint.toString(); }
    bool isAvailable() const override { return m_cluster->isUp(); }

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
    void watchSession(const QString &sessionId, std::function<void(bool)> ready) override;
    void unwatchSession(const QString &sessionId) override;

    int watchedSessions() const { return int(m_watches.size()); }

private:
    using Fields = QHash<QByteArray, QByteArray>;
    struct Watch
    {
        int watchers = 0;
        QPointer<RedisClusterNode> node; // where the SSUBSCRIBE went
        bool subscribed = false;
        bool resync = false; // the subscription was lost: streams read again once it is back
        qint64 waitingSinceMs = 0;
        QList<std::function<void(bool)>> waiters;
    };

    // redisclusterstore.cpp
    void evaluate(const RedisScript &script, const QList<QByteArray> &keys,
                  const QList<QByteArray> &args, RedisCluster::ReplyHandler handler);
    void send(const QByteArray &key, const QList<QByteArray> &args,
              RedisCluster::ReplyHandler handler);
    void sweepTimer_timeout();
    void sweepOne(const QByteArray &id, qint64 nowMs);
    SessionSummary summaryOf(const QString &sessionId, const Fields &fields) const;
    QByteArray metaKey(const QString &sessionId) const;
    QByteArray streamKey(const QString &sessionId) const;
    QByteArray keysKey(const QString &sessionId) const;
    QByteArray keyOrderKey(const QString &sessionId) const;
    QByteArray channelOf(const QString &sessionId) const;
    // redisclusterappend.cpp
    void appended(const QString &sessionId, const BatchResult &result, bool publish);
    qint64 ttlMs() const { return qint64(m_policy.sessionTtlSeconds) * 1000; }

    // redisclusterlive.cpp
    void cluster_nodeAdded(RedisClusterNode *node);
    void cluster_nodeLost(RedisClusterNode *node);
    void subscribeAll();
    void subscribe(const QString &sessionId, Watch &watch);
    void subscriber_message(const QByteArray &channel, const QByteArray &payload);
    void subscriber_subscribed(RedisClusterNode *node, const QByteArray &channel);
    void subscriber_unsubscribed(RedisClusterNode *node, const QByteArray &channel, bool solicited);
    void subscriber_refused(const QByteArray &command, const QByteArray &channel,
                            const QByteArray &error);
    void watchTimer_timeout();
    void handleNotification(const QByteArray &payload);
    QString sessionOfChannel(const QByteArray &channel) const;

    RedisEndpoint m_endpoint;
    RetentionPolicy m_policy;
    int m_waitReplicas;
    const RedisScript m_reserveScript;
    const RedisScript m_createScript;
    const RedisScript m_appendScript;
    const RedisScript m_readScript;
    const RedisScript m_expireScript;
    RedisCluster *m_cluster;
    const QByteArray m_indexKey;
    const QByteArray m_lifecycleChannel;
    QHash<QString, Watch> m_watches;
    QPointer<RedisClusterNode> m_lifecycleNode;
    bool m_lifecycleSubscribed = false;
    bool m_closing = false;
    QPointer<WriteCoalescer> m_coalescer;
    QTimer m_sweepTimer;
    QTimer m_watchTimer;
};

} // namespace ssebuf

#endif
