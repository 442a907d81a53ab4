#include "redisclusternode.h"

#include <hiredis/hiredis.h>

#include <QDateTime>

namespace ssebuf {

namespace {

constexpr int firstRetryDelayMs = 200;
constexpr int maxRetryDelayMs = 2000;
constexpr int unresponsiveAfterMs = 3000;

} // namespace

RedisClusterNode::RedisClusterNode(const QString &host, quint16 port,
                                   const RedisEndpoint &credentials,
                                   const QList<QByteArray> &scripts, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
    , m_credentials(credentials)
    , m_scripts(scripts)
    , m_commands(new RedisConnection(QStringLiteral("commands"), this))
    , m_subscriber(new RedisSubscriber(QStringLiteral("subscriber"), this))
    , m_retryDelayMs(firstRetryDelayMs)
{
    connect(m_commands, &RedisConnection::opened, this, &RedisClusterNode::commands_opened);
    connect(m_commands, &RedisConnection::lost, this, &RedisClusterNode::connection_lost);
    connect(m_subscriber, &RedisSubscriber::opened, this, &RedisClusterNode::becomeUpWhenReady);
    connect(m_subscriber, &RedisSubscriber::lost, this, &RedisClusterNode::connection_lost);
    connect(m_subscriber, &RedisSubscriber::ponged, this, [this] { m_subscriberPingMs = 0; });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisClusterNode::connectNow);
}

RedisClusterNode::~RedisClusterNode()
{
    m_state = State::Down;
    m_subscriber->close();
    m_commands->close();
    flushWaiting();
}

void RedisClusterNode::connectNow()
{
    if (m_state != State::Down)
        return;
    m_state = State::Connecting;
    m_commandsReady = false;
    m_commandPingMs = 0;
    m_subscriberPingMs = 0;
    m_attemptStartedMs = QDateTime::currentMSecsSinceEpoch();
    QString error;
    if (!m_commands->open(m_host, m_port, &error)) {
        connection_lost(error);
        return;
    }
    m_subscriber->open(m_host, m_port, m_credentials.username, m_credentials.password);
}

void RedisClusterNode::commands_opened()
{
    // Pipelined: AUTH, then the scripts, then whatever waited. Redis answers in order, so
    // an error of AUTH reaches its handler before anything else runs unauthenticated.
    if (!m_credentials.password.isEmpty()) {
        QList<QByteArray> auth {"AUTH"};
        if (!m_credentials.username.isEmpty())
            auth.append(m_credentials.username.toUtf8());
        auth.append(m_credentials.password.toUtf8());
        m_commands->command(auth, [this](const redisReply *reply) {
            if (reply && reply->type == REDIS_REPLY_ERROR)
                connection_lost(QStringLiteral("AUTH failed: %1")
                                    .arg(QString::fromUtf8(reply->str, int(reply->len))));
        });
    }
    for (const QByteArray &script : std::as_const(m_scripts))
        m_commands->command({"SCRIPT", "LOAD", script}, [](const redisReply *) {});
    m_commandsReady = true;
    becomeUpWhenReady();
}

void RedisClusterNode::becomeUpWhenReady()
{
    if (m_state != State::Connecting || !m_commandsReady || !m_subscriber->isOpen())
        return;
    m_state = State::Up;
    m_retryDelayMs = firstRetryDelayMs;
    const QList<Waiting> waiting = std::exchange(m_waiting, {});
    for (const Waiting &item : waiting)
        m_commands->command(item.args, item.handler);
    Q_EMIT up();
}

void RedisClusterNode::command(const QList<QByteArray> &args, RedisConnection::ReplyHandler handler)
{
    switch (m_state) {
    case State::Up:
        m_commands->command(args, std::move(handler));
        return;
    case State::Connecting:
        m_waiting.append({args, std::move(handler)});
        return;
    case State::Down:
        handler(nullptr);
        return;
    }
}

void RedisClusterNode::flushWaiting()
{
    const QList<Waiting> waiting = std::exchange(m_waiting, {});
    for (const Waiting &item : waiting)
        item.handler(nullptr);
}

void RedisClusterNode::connection_lost(const QString &reason)
{
    if (m_state == State::Down)
        return;
    const bool wasUp = m_state == State::Up;
    m_state = State::Down;
    m_commandsReady = false;
    m_subscriber->close();
    m_commands->close(); // pending handlers get nullptr
    flushWaiting();
    m_retryTimer.start(m_retryDelayMs);
    m_retryDelayMs = std::min(m_retryDelayMs * 2, maxRetryDelayMs);
    Q_EMIT down(reason, wasUp);
}

void RedisClusterNode::heartbeat(qint64 nowMs)
{
    if (m_state == State::Connecting) {
        if (nowMs - m_attemptStartedMs > unresponsiveAfterMs)
            connection_lost(QStringLiteral("no connection within %1 ms").arg(unresponsiveAfterMs));
        return;
    }
    if (m_state != State::Up)
        return;
    if ((m_commandPingMs && nowMs - m_commandPingMs > unresponsiveAfterMs)
        || (m_subscriberPingMs && nowMs - m_subscriberPingMs > unresponsiveAfterMs)) {
        connection_lost(QStringLiteral("no answer to PING within %1 ms").arg(unresponsiveAfterMs));
        return;
    }
    if (!m_commandPingMs) {
        m_commandPingMs = nowMs;
        m_commands->command({"PING"}, [this](const redisReply *reply) {
            if (reply)
                m_commandPingMs = 0;
        });
    }
    if (!m_subscriberPingMs) {
        m_subscriberPingMs = nowMs;
        m_subscriber->send("PING");
    }
}

} // namespace ssebuf
