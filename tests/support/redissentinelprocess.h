#ifndef SSEBUF_TEST_REDISSENTINELPROCESS_H
#define SSEBUF_TEST_REDISSENTINELPROCESS_H

#include "redisprocess.h"

#include <QProcess>
#include <QTemporaryDir>

#include <array>

// A Sentinel set-up for a test, all real processes on free loopback ports: a master
// (RedisProcess), two replicas of it and one sentinel (redis-server --sentinel) that
// monitors it as "mymaster" with quorum 1 and down-after-milliseconds 1000, so that a
// killed master is replaced within a few seconds. The destructor kills everything.
class RedisSentinelProcess
{
public:
    RedisSentinelProcess() = default;
    ~RedisSentinelProcess();

    // Starts the master, the replicas and the sentinel, and waits (up to about 35 s) until
    // the replicas are connected and the sentinel knows them (it can promote one). Returns
    // false and fills errorText() when something does not come up.
    bool start();

    RedisProcess &master() { return m_master; }
    quint16 sentinelPort() const { return m_sentinelPort; }
    // The master's port as the sentinel names it now; 0 when it names none.
    quint16 masterPort() const;
    // redis-sentinel://127.0.0.1:PORT/mymaster[/DB], ready for ssebufd's --store.
    QString url(int database = 0) const;
    QString errorText() const { return m_error; }

private:
    bool fail(const QString &error);

    RedisProcess m_master;
    std::array<RedisProcess, 2> m_replicas;
    QTemporaryDir m_dir;
    QProcess m_sentinel;
    quint16 m_sentinelPort = 0;
    QString m_error;
};

#endif
