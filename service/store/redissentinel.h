#ifndef SSEBUF_REDISSENTINEL_H
#define SSEBUF_REDISSENTINEL_H

#include "redisendpoint.h"
#include "redissubscriber.h"

#include <QObject>

#include <functional>

namespace ssebuf {

class RedisConnection;

// Finds the master of a Redis Sentinel set-up (contract section 17): asks the sentinels of
// the URL in turn (SENTINEL get-master-addr-by-name), and listens on the one that answered
// for +switch-master, so that a failover is followed at once rather than when the old
// master's connection breaks. RedisStore connects to what it finds and asks again after
// any loss. Sentinels get the URL's credentials with AUTH; a sentinel without a password
// refuses AUTH, which is ignored.
class RedisSentinel : public QObject
{
    Q_OBJECT
public:
    using Located = std::function<void(bool found, const QString &host, quint16 port)>;

    RedisSentinel(const RedisEndpoint &endpoint, QObject *parent = nullptr);
    ~RedisSentinel() override;

    // Asks the sentinels, first to last, until one names the master.
    void locate(Located done);

Q_SIGNALS:
    // A sentinel announced a new master for our name.
    void masterSwitched(const QString &host, quint16 port);

private:
    void ask(int index, Located done);
    void watch(int index);

    RedisEndpoint m_endpoint;
    RedisConnection *m_query;
    RedisSubscriber *m_events;
    int m_watched = -1; // the sentinel m_events listens to
};

} // namespace ssebuf

#endif
