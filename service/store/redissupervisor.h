#ifndef SSEBUF_REDISSUPERVISOR_H
#define SSEBUF_REDISSUPERVISOR_H

#include "redisconnection.h"
#include "redisendpoint.h"
#include "redisscript.h"
#include "redissentinel.h"
#include "redissubscriber.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>

namespace ssebuf {

// Keeps the RedisStore's two connections up: one for commands (authenticated, its
// database selected and its scripts loaded) and one for pub/sub (a RedisSubscriber: the
// lifecycle channel, subscribed here, and the live channels the store adds and drops). It
// is up when the commands are ready and the lifecycle channel is subscribed; a socket
// error, a refused AUTH, SELECT or SCRIPT LOAD, a connection attempt or a PING (on either
// connection) unanswered for 3 s count as lost: both connections are dropped (pending
// handlers get nullptr) and reopened after a delay that grows from 200 ms to 5 s.
class RedisSupervisor : public QObject
{
    Q_OBJECT
public:
    // scripts: loaded on the command connection before the store is up (not owned).
    // lifecycleChannel: subscribed on every connection before the store is up.
    RedisSupervisor(const RedisEndpoint &endpoint, QList<const RedisScript *> scripts,
                    const QByteArray &lifecycleChannel, QObject *parent = nullptr);
    ~RedisSupervisor() override;

    bool isUp() const { return m_state == State::Up; }
    bool isConnecting() const { return m_state == State::Connecting; }
    // Sends on the command connection; the handler is skipped once closed.
    void send(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler);
    // Drops both connections for good (the store is going away); no signal follows.
    void close();
    // The pub/sub connection (its messages go to the store directly).
    RedisSubscriber *subscriber() const { return m_subscriber; }

Q_SIGNALS:
    void availabilityChanged(bool up);

private:
    enum class State { Connecting, Up, Waiting };

    void connectNow();
    void openConnections(const QString &host, quint16 port);
    // AUTH when the URL has a password, then next(); a refusal counts as a lost connection.
    void authenticate(RedisConnection *connection, std::function<void()> next);
    void commands_opened();
    void commands_authenticated();
    void subscriber_opened();
    void subscriber_subscribed(const QByteArray &channel);
    void connection_lost(const QString &reason);
    void becomeUpWhenReady();
    void reconnectTimer_timeout();
    void heartbeatTimer_timeout();

    RedisEndpoint m_endpoint;
    QList<const RedisScript *> m_scripts;
    QByteArray m_lifecycleChannel;
    RedisConnection *m_commands;
    RedisSubscriber *m_subscriber;
    RedisSentinel *m_sentinel = nullptr; // redis-sentinel://: where the master is
    int m_attempt = 0;
    QString m_masterHost; // where the connections go
    quint16 m_masterPort = 0;
    State m_state = State::Connecting;
    bool m_commandsReady = false;
    bool m_subscribed = false;
    bool m_closing = false;
    bool m_reportedDown = false;
    qint64 m_attemptStartedMs = 0;
    qint64 m_pingSentMs = 0; // 0 while no PING is outstanding
    qint64 m_subscriberPingMs = 0;
    int m_retryDelayMs;
    QTimer m_reconnectTimer;
    QTimer m_heartbeatTimer;
};

} // namespace ssebuf

#endif
