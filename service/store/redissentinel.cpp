#include "redissentinel.h"

#include "redisconnection.h"
#include "redisreply.h"

#include <QLoggingCategory>
#include <QTimer>

#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

using namespace redisreply;

namespace {

constexpr int askTimeoutMs = 2000;

} // namespace

RedisSentinel::RedisSentinel(const RedisEndpoint &endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_query(new RedisConnection(QStringLiteral("sentinel"), this))
    , m_events(new RedisSubscriber(QStringLiteral("sentinel events"), this))
{
    connect(m_events, &RedisSubscriber::opened, this,
            [this] { m_events->send("SUBSCRIBE", "+switch-master"); });
    connect(m_events, &RedisSubscriber::lost, this, [this] { m_watched = -1; });
    connect(m_events, &RedisSubscriber::messageReceived, this,
            [this](const QByteArray &, const QByteArray &payload) {
                // "<name> <old-ip> <old-port> <new-ip> <new-port>"
                const QList<QByteArray> parts = payload.split(' ');
                if (parts.size() >= 5 && parts.at(0) == m_endpoint.masterName.toUtf8()) {
                    qCInfo(lcRedisStore).noquote()
                        << "sentinel: master" << m_endpoint.masterName << "switched to"
                        << parts.at(3) + ':' + parts.at(4);
                    Q_EMIT masterSwitched(QString::fromUtf8(parts.at(3)),
                                          quint16(parts.at(4).toUInt()));
                }
            });
}

RedisSentinel::~RedisSentinel()
{
    m_events->close();
    m_query->close();
}

void RedisSentinel::locate(Located done)
{
    ask(0, std::move(done));
}

void RedisSentinel::ask(int index, Located done)
{
    if (index >= m_endpoint.seeds.size()) {
        done(false, {}, 0);
        return;
    }
    const RedisEndpoint::Address sentinel = m_endpoint.seeds.at(index);
    // One answer per attempt: the reply, the loss of the connection, or the time-out.
    auto answered = std::make_shared<bool>(false);
    const auto next = [this, index, done, answered] {
        if (std::exchange(*answered, true))
            return;
        m_query->close();
        QTimer::singleShot(0, this, [this, index, done] { ask(index + 1, done); });
    };
    disconnect(m_query, nullptr, this, nullptr);
    connect(m_query, &RedisConnection::lost, this, next);
    connect(m_query, &RedisConnection::opened, this, [this, index, done, answered, next] {
        if (!m_endpoint.password.isEmpty()) {
            QList<QByteArray> auth {"AUTH"};
            if (!m_endpoint.username.isEmpty())
                auth.append(m_endpoint.username.toUtf8());
            auth.append(m_endpoint.password.toUtf8());
            m_query->command(auth, [](const redisReply *) {});
        }
        m_query->command({"SENTINEL", "get-master-addr-by-name", m_endpoint.masterName.toUtf8()},
                         [this, index, done, answered, next](const redisReply *reply) {
                             if (*answered)
                                 return;
                             if (!isArray(reply, 2)) {
                                 next();
                                 return;
                             }
                             *answered = true;
                             const QString host = QString::fromUtf8(text(reply->element[0]));
                             const quint16 port = quint16(text(reply->element[1]).toUInt());
                             QTimer::singleShot(0, this, [this] { m_query->close(); });
                             watch(index);
                             done(!host.isEmpty() && port > 0, host, port);
                         });
    });
    QTimer::singleShot(askTimeoutMs, this, next);
    QString error;
    if (!m_query->open(sentinel.host, sentinel.port, &error))
        next();
}

void RedisSentinel::watch(int index)
{
    if (m_watched == index && m_events->isOpen())
        return;
    m_watched = index;
    const RedisEndpoint::Address sentinel = m_endpoint.seeds.at(index);
    m_events->open(sentinel.host, sentinel.port, {}, {});
}

} // namespace ssebuf
