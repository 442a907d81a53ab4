#ifndef SSEBUF_REDISSTOREBASE_H
#define SSEBUF_REDISSTOREBASE_H

#include "eventloop/writecoalescer.h"
#include "redisconnection.h"
#include "redisendpoint.h"
#include "redisscript.h"
#include "redissubscriber.h"
#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace ssebuf {

// What RedisStore (single node, Sentinel) and RedisClusterStore share: a session's keys and
// its live channel, the scripts both run (append, read), the appends with
// --redis-wait-replicas, and the live traffic per session (contract section 17).
//
// Live traffic: each session has its own channel, which this instance subscribes to only
// while it streams the session (from the first watchSession to the last unwatchSession);
// creations, ends and removals go to the low-rate lifecycle channel, which every instance
// follows. A lost subscription is made again (on reconnection, or on the slot's new
// master), and the session's streams then read the store again (sessionResync). The
// subclass says where commands go and which subscriber connection a channel belongs to.
class RedisStoreBase : public SessionStore
{
    Q_OBJECT
public:
    ~RedisStoreBase() override;

    QString description() const override { return m_endpoint.toString(); }

    void appendEvent(const QString &sessionId, const EventDraft &draft,
                     AppendCallback done) override;
    void appendBatch(const QString &sessionId, const BatchAppend &batch,
                     BatchCallback done) override;
    void readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                    ReadCallback done) override;
    void findSession(const QString &sessionId, FindCallback done) override;
    void watchSession(const QString &sessionId, std::function<void(bool)> ready) override;
    void unwatchSession(const QString &sessionId) override;

    int watchedSessions() const { return int(m_watches.size()); }

protected:
    using Fields = QHash<QByteArray, QByteArray>;
    using ReplyHandler = RedisConnection::ReplyHandler;

    // How a deployment shape names things. Sharded (a cluster): keys ssebuf:{<id>}:s (one
    // slot per session), live channels ssebuf:{<id>}:live with SSUBSCRIBE / SPUBLISH, the
    // lifecycle channel ssebuf:lifecycle. Otherwise keys ssebuf:s:<id>, live channels
    // ssebuf:live:<db>:<id> with SUBSCRIBE / PUBLISH and the lifecycle channel
    // ssebuf:lifecycle:<db> (pub/sub ignores the database number).
    RedisStoreBase(const RedisEndpoint &endpoint, const RetentionPolicy &policy, int waitReplicas,
                   bool sharded, WriteCoalescer *coalescer, QObject *parent);

    // Sends on the command connection of key's master; handlers are skipped once closing.
    virtual void send(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler)
        = 0;
    // As send(), and then, pipelined on the same connection, a second command (WAIT).
    virtual void sendThen(const QByteArray &key, const QList<QByteArray> &args,
                          ReplyHandler handler, const QList<QByteArray> &then,
                          ReplyHandler thenHandler)
        = 0;
    // The subscriber connection for channel, if it can take a subscription now.
    virtual RedisSubscriber *subscriberFor(const QByteArray &channel) = 0;
    // Where this class subscribes the lifecycle channel; nullptr when the subclass does
    // (the single-node supervisor subscribes it before the store is up).
    virtual RedisSubscriber *lifecycleSubscriber() { return nullptr; }
    // KEYS[3] of the append script: the index on a single node; the meta key on a cluster.
    virtual QByteArray appendIndexKey(const QString &sessionId) const = 0;
    // A SUBSCRIBE / SSUBSCRIBE was refused (MOVED on a cluster), or Redis dropped a live
    // channel by itself (its slot moved).
    virtual void channelRefused(const QByteArray &error);
    virtual void channelDropped() { }

    // EVALSHA, and EVAL when Redis answers NOSCRIPT; sent by the first key.
    void evaluate(const RedisScript &script, const QList<QByteArray> &keys,
                  const QList<QByteArray> &args, ReplyHandler handler);
    SessionSummary summaryOf(const QString &sessionId, const Fields &fields) const;
    QByteArray metaKey(const QString &sessionId) const { return key("s", sessionId); }
    QByteArray streamKey(const QString &sessionId) const { return key("e", sessionId); }
    QByteArray keysKey(const QString &sessionId) const { return key("k", sessionId); }
    QByteArray keyOrderKey(const QString &sessionId) const { return key("ko", sessionId); }
    QByteArray channelOf(const QString &sessionId) const;
    qint64 ttlMs() const { return qint64(m_policy.sessionTtlSeconds) * 1000; }

    // The live subscriptions of the subclass's subscriber connections.
    void addSubscriber(RedisSubscriber *subscriber);
    // Its subscriptions are gone (the connection dropped): made again by subscribeAll().
    void subscriberLost(RedisSubscriber *subscriber);
    void subscribeAll();
    // Closing: no handler or signal reaches callers any more.
    void closeLive();

    RedisEndpoint m_endpoint;
    RetentionPolicy m_policy;
    const int m_waitReplicas;
    const bool m_sharded;
    const RedisScript m_appendScript;
    const RedisScript m_readScript;
    const QByteArray m_lifecycleChannel;
    bool m_closing = false;

private:
    struct Watch
    {
        int watchers = 0;
        QPointer<RedisSubscriber> subscriber; // where the subscription went
        bool subscribed = false;
        bool resync = false; // the subscription was lost: streams read again once it is back
        qint64 waitingSinceMs = 0;
        QList<std::function<void(bool)>> waiters;
    };

    QByteArray key(const char *kind, const QString &sessionId) const;
    // redisstorebase.cpp
    struct PendingAppend;
    void appendAndWait(QList<QByteArray> command, const std::shared_ptr<PendingAppend> &pending);
    void appended(const QString &sessionId, const BatchResult &result, const Fields &meta,
                  int evicted, bool publish);
    // redisstorelive.cpp
    void subscribe(const QString &sessionId, Watch &watch);
    void subscriber_message(const QByteArray &channel, const QByteArray &payload);
    void subscriber_subscribed(RedisSubscriber *subscriber, const QByteArray &channel);
    void subscriber_unsubscribed(RedisSubscriber *subscriber, const QByteArray &channel,
                                 bool solicited);
    void subscriber_refused(const QByteArray &command, const QByteArray &channel,
                            const QByteArray &error);
    void watchTimer_timeout();
    void handleNotification(const QByteArray &payload);
    QString sessionOfChannel(const QByteArray &channel) const;

    QHash<QString, Watch> m_watches;
    QHash<QByteArray, QString> m_sessionOfChannel; // the watched sessions' channels
    QPointer<RedisSubscriber> m_lifecycleSubscriber;
    bool m_lifecycleSubscribed = false;
    bool m_lifecycleFollowed = false; // subscribed once: a later subscription is a resync
    bool m_lifecycleResyncDue = false; // lifecycleResync() once the store is available
    QPointer<WriteCoalescer> m_coalescer;
    QTimer m_watchTimer;
};

} // namespace ssebuf

#endif
