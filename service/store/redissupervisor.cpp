#include "redissupervisor.h"

#include "redisreply.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

namespace {

constexpr int firstRetryDelayMs = 200;
constexpr int maxRetryDelayMs = 5000;
constexpr int heartbeatIntervalMs = 1000;
// A PING unanswered this long, or a connection attempt that long, means Redis is gone
// even when no socket error says so (a half-open connection, a black-holed address).
constexpr int unresponsiveAfterMs = 3000;

} // namespace

RedisSupervisor::RedisSupervisor(const RedisEndpoint &endpoint, QList<const RedisScript *> scripts,
                                 const QByteArray &lifecycleChannel, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_scripts(std::move(scripts))
    , m_lifecycleChannel(lifecycleChannel)
    , m_commands(new RedisConnection(QStringLiteral("commands"), this))
    , m_subscriber(new RedisSubscriber(QStringLiteral("subscriber"), this))
    , m_retryDelayMs(firstRetryDelayMs)
{
    connect(m_commands, &RedisConnection::opened, this, &RedisSupervisor::commands_opened);
    connect(m_subscriber, &RedisSubscriber::opened, this, &RedisSupervisor::subscriber_opened);
    connect(m_subscriber, &RedisSubscriber::subscribed, this,
            &RedisSupervisor::subscriber_subscribed);
    connect(m_subscriber, &RedisSubscriber::ponged, this, [this] { m_subscriberPingMs = 0; });
    connect(m_commands, &RedisConnection::lost, this, &RedisSupervisor::connection_lost);
    connect(m_subscriber, &RedisSubscriber::lost, this, &RedisSupervisor::connection_lost);

    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisSupervisor::reconnectTimer_timeout);
    m_heartbeatTimer.setInterval(heartbeatIntervalMs);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &RedisSupervisor::heartbeatTimer_timeout);
    m_heartbeatTimer.start();

    if (endpoint.kind == RedisEndpoint::Kind::Sentinel) {
        m_sentinel = new RedisSentinel(endpoint, this);
        connect(m_sentinel, &RedisSentinel::masterSwitched, this,
                [this](const QString &host, quint16 port) {
                    if (m_state == State::Up && (host != m_masterHost || port != m_masterPort))
                        connection_lost(QStringLiteral("the sentinel switched the master"));
                });
    }
    connectNow();
}

RedisSupervisor::~RedisSupervisor()
{
    close();
}

void RedisSupervisor::close()
{
    // Pending handlers are called (with nullptr) while the connections close; they must not
    // reach callers any more.
    m_closing = true;
    m_reconnectTimer.stop();
    m_heartbeatTimer.stop();
    m_commands->close();
    m_subscriber->close();
}

void RedisSupervisor::connectNow()
{
    m_state = State::Connecting;
    m_commandsReady = false;
    m_subscribed = false;
    m_pingSentMs = 0;
    m_subscriberPingMs = 0;
    m_attemptStartedMs = QDateTime::currentMSecsSinceEpoch();
    if (!m_sentinel) {
        openConnections(m_endpoint.host, m_endpoint.port);
        return;
    }
    // Each attempt asks the sentinels where the master is now.
    const int attempt = ++m_attempt;
    m_sentinel->locate([this, attempt](bool found, const QString &host, quint16 port) {
        if (m_closing || attempt != m_attempt || m_state != State::Connecting)
            return;
        if (!found) {
            connection_lost(
                QStringLiteral("no sentinel names master %1").arg(m_endpoint.masterName));
            return;
        }
        openConnections(host, port);
    });
}

void RedisSupervisor::openConnections(const QString &host, quint16 port)
{
    m_masterHost = host;
    m_masterPort = port;
    QString error;
    if (!m_commands->open(host, port, &error)) {
        connection_lost(error);
        return;
    }
    m_subscriber->open(host, port, m_endpoint.username, m_endpoint.password);
}

void RedisSupervisor::authenticate(RedisConnection *connection, std::function<void()> next)
{
    if (m_endpoint.password.isEmpty()) {
        next();
        return;
    }
    QList<QByteArray> auth {"AUTH"};
    if (!m_endpoint.username.isEmpty())
        auth.append(m_endpoint.username.toUtf8());
    auth.append(m_endpoint.password.toUtf8());
    connection->command(auth, [this, next = std::move(next)](const redisReply *reply) {
        if (m_closing || !reply || m_state != State::Connecting)
            return;
        if (isError(reply)) {
            // Redis' answer (WRONGPASS, ...) never repeats the password.
            connection_lost(
                QStringLiteral("AUTH failed: %1").arg(QString::fromUtf8(replyText(reply))));
            return;
        }
        next();
    });
}

void RedisSupervisor::commands_opened()
{
    authenticate(m_commands, [this] { commands_authenticated(); });
}

void RedisSupervisor::commands_authenticated()
{
    if (m_sentinel) {
        // A sentinel's answer may be stale (a failover under way): writes need a master.
        send({"ROLE"}, [this](const redisReply *reply) {
            if (isArray(reply, 1) && replyText(reply->element[0]) != "master")
                connection_lost(QStringLiteral("the sentinel's master is a %1")
                                    .arg(QString::fromUtf8(replyText(reply->element[0]))));
        });
    }
    if (m_endpoint.database != 0) {
        send({"SELECT", QByteArray::number(m_endpoint.database)}, [this](const redisReply *reply) {
            if (isError(reply))
                connection_lost(QStringLiteral("SELECT %1 failed: %2")
                                    .arg(m_endpoint.database)
                                    .arg(QString::fromUtf8(replyText(reply))));
        });
    }
    // Loaded before the store says it is up, so that EVALSHA does not answer NOSCRIPT for one
    // append while another of the same producer, sent later, already runs.
    auto remaining = std::make_shared<int>(int(m_scripts.size()));
    for (const RedisScript *script : std::as_const(m_scripts)) {
        send({"SCRIPT", "LOAD", script->source}, [this, remaining](const redisReply *reply) {
            if (!reply || m_state != State::Connecting)
                return;
            if (isError(reply)) {
                connection_lost(QStringLiteral("SCRIPT LOAD failed: %1")
                                    .arg(QString::fromUtf8(replyText(reply))));
                return;
            }
            if (--*remaining == 0) {
                m_commandsReady = true;
                becomeUpWhenReady();
            }
        });
    }
}

void RedisSupervisor::subscriber_opened()
{
    // The subscriber authenticated itself; pub/sub knows no database.
    m_subscriber->send("SUBSCRIBE", m_lifecycleChannel);
}

void RedisSupervisor::subscriber_subscribed(const QByteArray &channel)
{
    if (channel != m_lifecycleChannel || m_state != State::Connecting)
        return;
    m_subscribed = true;
    becomeUpWhenReady();
}

void RedisSupervisor::becomeUpWhenReady()
{
    if (m_state != State::Connecting || !m_commandsReady || !m_subscribed)
        return;
    m_state = State::Up;
    m_retryDelayMs = firstRetryDelayMs;
    m_reportedDown = false;
    qCInfo(lcRedisStore).noquote() << "connected to" << m_endpoint.toString();
    Q_EMIT availabilityChanged(true);
}

void RedisSupervisor::connection_lost(const QString &reason)
{
    if (m_closing || m_state == State::Waiting)
        return;
    const bool wasUp = m_state == State::Up;
    m_state = State::Waiting;
    m_commandsReady = false;
    m_subscribed = false;
    m_pingSentMs = 0;
    m_subscriberPingMs = 0;
    // Closing calls every pending handler with nullptr: their callers get Unavailable now.
    m_commands->close();
    m_subscriber->close();
    if (wasUp) {
        qCWarning(lcRedisStore).noquote()
            << QStringLiteral("lost %1 (%2); retrying").arg(m_endpoint.toString(), reason);
        Q_EMIT availabilityChanged(false);
    } else if (!m_reportedDown) {
        qCWarning(lcRedisStore).noquote()
            << QStringLiteral("cannot reach %1 (%2); retrying").arg(m_endpoint.toString(), reason);
    } else {
        qCDebug(lcRedisStore).noquote() << "still cannot reach" << m_endpoint.toString() << reason;
    }
    m_reportedDown = true;
    m_reconnectTimer.start(m_retryDelayMs);
    m_retryDelayMs = std::min(m_retryDelayMs * 2, maxRetryDelayMs);
}

void RedisSupervisor::reconnectTimer_timeout()
{
    connectNow();
}

void RedisSupervisor::heartbeatTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_state == State::Connecting) {
        if (now - m_attemptStartedMs > unresponsiveAfterMs)
            connection_lost(QStringLiteral("no connection within %1 ms").arg(unresponsiveAfterMs));
        return;
    }
    if (m_state != State::Up)
        return;
    if (m_subscriberPingMs != 0 && now - m_subscriberPingMs > unresponsiveAfterMs) {
        connection_lost(QStringLiteral("no answer to PING on the subscriber within %1 ms")
                            .arg(unresponsiveAfterMs));
        return;
    }
    if (m_subscriberPingMs == 0) {
        m_subscriberPingMs = now;
        m_subscriber->send("PING");
    }
    if (m_pingSentMs != 0) {
        if (now - m_pingSentMs > unresponsiveAfterMs)
            connection_lost(
                QStringLiteral("no answer to PING within %1 ms").arg(unresponsiveAfterMs));
        return;
    }
    m_pingSentMs = now;
    send({"PING"}, [this](const redisReply *reply) {
        if (reply)
            m_pingSentMs = 0;
    });
}

void RedisSupervisor::send(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler)
{
    m_commands->command(args, [this, handler = std::move(handler)](const redisReply *reply) {
        if (m_closing)
            return;
        handler(reply);
        // A master that was demoted (a failover): find the new one.
        if (isError(reply) && replyText(reply).startsWith("READONLY"))
            connection_lost(QStringLiteral("the master became a replica"));
    });
}

} // namespace ssebuf
