#ifndef SSEBUF_REDISSUPERVISOR_H
#define SSEBUF_REDISSUPERVISOR_H

#include "redisconnection.h"
#include "redisendpoint.h"
#include "redisscript.h"
#include "redissentinel.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>

namespace ssebuf {

// Keeps the RedisStore's two connections up: one for commands (authenticated, its
// database selected and its scripts loaded) and one subscribed to the notification
// channel. It is up when both are ready; a socket error, a refused AUTH, SELECT or SCRIPT
// LOAD, a connection attempt or a PING unanswered for 3 s count as lost: both connections
// are dropped (pending handlers get nullptr) and reopened after a delay that grows from
// 200 ms to 5 s.
class RedisSupervisor : public QObject
{
    Q_OBJECT
public:
    // scripts: loaded on the command connection before the store is up (not owned).
    RedisSupervisor(const RedisEndpoint &endpoint, QList<const RedisScript *> scripts,
                    const QByteArray &channel, QObject *parent = nullptr);
    ~RedisSupervisor() override;

    bool isUp() const { return m_state == State::Up; }
    bool isConnecting() const { return m_state == State::Connecting; }
    // Sends on the command connection; the handler is skipped once closed.
    void send(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler);
    // Drops both connections for good (the store is going away); no signal follows.
    void close();

Q_SIGNALS:
    void availabilityChanged(bool up);
    // One message of the notification channel (they come in batches: one read of the
    // pub/sub connection is one loop pass).
    void notificationArrived(const QByteArray &payload);

private:
    enum class State { Connecting, Up, Waiting };

    void connectNow();
    void openConnections(const QString &host, quint16 port);
    // AUTH when the URL has a password, then next(); a refusal counts as a lost connection.
    void authenticate(RedisConnection *connection, std::function<void()> next);
    void commands_opened();
    void commands_authenticated();
    void notifications_opened();
    void notifications_message(const redisReply *reply);
    void connection_lost(const QString &reason);
    void becomeUpWhenReady();
    void reconnectTimer_timeout();
    void heartbeatTimer_timeout();

    RedisEndpoint m_endpoint;
    QList<const RedisScript *> m_scripts;
    QByteArray m_channel;
    RedisConnection *m_commands;
    RedisConnection *m_notifications;
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
    int m_retryDelayMs;
    QTimer m_reconnectTimer;
    QTimer m_heartbeatTimer;
};

} // namespace ssebuf

#endif
