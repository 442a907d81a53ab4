#ifndef SSEBUF_REDISCLUSTER_H
#define SSEBUF_REDISCLUSTER_H

#include "redisclusternode.h"
#include "redisendpoint.h"
#include "redisslot.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QVector>

#include <memory>

namespace ssebuf {

// The small Redis Cluster client ssebufd needs (hiredis 0.14 has none): the slot map,
// learnt from CLUSTER SLOTS of the seeds or any known node and refreshed every 2 s (every
// 250 ms while a slot's master is unreachable, and at once after a MOVED); one
// RedisClusterNode per master; commands routed by key slot.
//
// Redirections are followed: MOVED (the slot moved: the map is corrected and the command
// sent to the new owner), ASK (the slot is being migrated: ASKING, then the command, on the
// target), TRYAGAIN and CLUSTERDOWN (retried every 50 ms for up to 5 s), READONLY (a
// former master that came back as a replica); a command for a master that is down is not
// sent but waits the same way for a replica to take over. All of those answers say the command did
// not run, so resending cannot apply it twice. A command whose connection broke before
// the answer is not resent: its handler gets nullptr (the outcome is unknown).
class RedisCluster : public QObject
{
    Q_OBJECT
public:
    using ReplyHandler = RedisConnection::ReplyHandler;

    RedisCluster(const RedisEndpoint &endpoint, const QList<QByteArray> &scripts,
                 QObject *parent = nullptr);
    ~RedisCluster() override;

    void start();
    // The slot map is known and some master is reachable.
    bool isUp() const { return m_up; }
    // Routes by the slot of key.
    void command(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler);
    // As command(), and then, pipelined on the same connection, a second command (WAIT
    // after a write: it counts the replicas of that connection's writes). When the first
    // is redirected both go again; thenHandler gets the answer that follows the one
    // handler got.
    void commandThen(const QByteArray &key, const QList<QByteArray> &args, ReplyHandler handler,
                     const QList<QByteArray> &then, ReplyHandler thenHandler);
    // The master holding slot, if known and reachable.
    RedisClusterNode *nodeForSlot(int slot) const;
    // Any reachable master (for what is not bound to a slot).
    RedisClusterNode *anyNode() const;
    QList<RedisClusterNode *> nodes() const { return m_nodes.values(); }
    // A redirection seen elsewhere (an SSUBSCRIBE answered MOVED): same as for commands.
    void noteMoved(const QByteArray &error);
    void refreshSoon();

Q_SIGNALS:
    void availabilityChanged(bool up);
    // A master came up, or the map changed: subscriptions may have to move.
    void topologyChanged();
    // The node is gone or disconnected; its subscriptions are lost. Emitted before a
    // removed node is deleted.
    void nodeLost(ssebuf::RedisClusterNode *node);
    void nodeAdded(ssebuf::RedisClusterNode *node);

private:
    struct Request;
    void dispatch(const std::shared_ptr<Request> &request);
    void retryLater(const std::shared_ptr<Request> &request);
    RedisClusterNode *ensureNode(const QString &host, quint16 port);
    void removeNode(RedisClusterNode *node);
    void refresh();
    void refreshFrom(QList<RedisClusterNode *> candidates);
    bool applySlots(const redisReply *reply, RedisClusterNode *asked);
    void updateAvailability();
    QString mastersText() const;
    void heartbeatTimer_timeout();

    RedisEndpoint m_endpoint;
    QList<QByteArray> m_scripts;
    QHash<QString, RedisClusterNode *> m_nodes; // by address, masters and seeds
    QVector<RedisClusterNode *> m_slots; // slot -> master; nullptr while unknown
    bool m_mapComplete = false;
    bool m_up = false;
    bool m_refreshing = false;
    QTimer m_refreshTimer;
    QTimer m_heartbeatTimer;
};

} // namespace ssebuf

#endif
