#ifndef SSEBUF_REDISCLUSTERNODE_H
#define SSEBUF_REDISCLUSTERNODE_H

#include "redisconnection.h"
#include "redisendpoint.h"
#include "redissubscriber.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>

namespace ssebuf {

// One master of a Redis Cluster as ssebufd sees it: an asynchronous command connection
// (RedisConnection, hiredis) and a pub/sub connection (RedisSubscriber) for the shard
// channels of the sessions streamed here whose slots this master holds. Commands sent
// while it connects wait in order; once open, the store's scripts are loaded first, so
// that no EVALSHA can overtake them. A lost connection takes the node down (every waiting
// and pending command gets nullptr); it then reconnects with a growing delay until its
// owner (RedisCluster) removes it.
class RedisClusterNode : public QObject
{
    Q_OBJECT
public:
    enum class State { Connecting, Up, Down };

    RedisClusterNode(const QString &host, quint16 port, const RedisEndpoint &credentials,
                     const QList<QByteArray> &scripts, QObject *parent = nullptr);
    ~RedisClusterNode() override;

    QString address() const { return RedisEndpoint::addressText(m_host, m_port); }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    State state() const { return m_state; }
    bool isUp() const { return m_state == State::Up; }

    void connectNow();
    // Sends one command; waits while connecting; nullptr at once when down.
    void command(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler);
    RedisSubscriber *subscriber() { return m_subscriber; }
    // PINGs both connections; a PING unanswered for 3 s takes the node down.
    void heartbeat(qint64 nowMs);

Q_SIGNALS:
    void up();
    // wasUp: it served until now (not a failed attempt to connect again).
    void down(const QString &reason, bool wasUp);

private:
    void commands_opened();
    void connection_lost(const QString &reason);
    void becomeUpWhenReady();
    void flushWaiting();

    struct Waiting
    {
        QList<QByteArray> args;
        RedisConnection::ReplyHandler handler;
    };

    QString m_host;
    quint16 m_port;
    RedisEndpoint m_credentials;
    QList<QByteArray> m_scripts;
    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
    State m_state = State::Down;
    bool m_commandsReady = false;
    QList<Waiting> m_waiting;
    qint64 m_attemptStartedMs = 0;
    qint64 m_commandPingMs = 0;
    qint64 m_subscriberPingMs = 0;
    int m_retryDelayMs;
    QTimer m_retryTimer;
};

} // namespace ssebuf

#endif
