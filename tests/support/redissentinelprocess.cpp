#include "redissentinelprocess.h"

#include <QFile>
#include <QTest>

RedisSentinelProcess::~RedisSentinelProcess()
{
    if (m_sentinel.state() != QProcess::NotRunning) {
        m_sentinel.kill();
        m_sentinel.waitForFinished(5000);
    }
}

bool RedisSentinelProcess::fail(const QString &error)
{
    m_error = error;
    return false;
}

bool RedisSentinelProcess::start()
{
    if (!m_master.start())
        return fail(m_master.errorText());
    for (RedisProcess &replica : m_replicas) {
        replica.setExtraArguments({QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                   QString::number(m_master.port())});
        if (!replica.start())
            return fail(replica.errorText());
    }
    if (!QTest::qWaitFor(
            [this] {
                return m_master.cli({QStringLiteral("INFO"), QStringLiteral("replication")})
                    .contains("connected_slaves:2");
            },
            10000))
        return fail(QStringLiteral("the replicas did not connect to the master"));
    // redis-server --sentinel (what the redis-sentinel package runs) rewrites its file.
    m_sentinelPort = RedisProcess::freePort();
    QFile config(m_dir.filePath(QStringLiteral("sentinel.conf")));
    if (!config.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write %1").arg(config.fileName()));
    config.write(QStringLiteral("port %1\nbind 127.0.0.1\ndir %2\n"
                                "sentinel monitor mymaster 127.0.0.1 %3 1\n"
                                "sentinel down-after-milliseconds mymaster 1000\n"
                                "sentinel failover-timeout mymaster 10000\n")
                     .arg(m_sentinelPort)
                     .arg(m_dir.path())
                     .arg(m_master.port())
                     .toUtf8());
    config.close();
    m_sentinel.setProcessChannelMode(QProcess::MergedChannels);
    m_sentinel.start(QStringLiteral("redis-server"),
                     {config.fileName(), QStringLiteral("--sentinel")});
    if (!m_sentinel.waitForStarted(10000))
        return fail(QStringLiteral("redis-server --sentinel did not start"));
    if (!QTest::qWaitFor([this] { return masterPort() == m_master.port(); }, 10000))
        return fail(QStringLiteral("the sentinel does not name the master"));
    // The sentinel must know the replicas before it can promote one.
    if (!QTest::qWaitFor(
            [this] {
                return RedisProcess::cli(m_sentinelPort,
                                         {QStringLiteral("SENTINEL"), QStringLiteral("replicas"),
                                          QStringLiteral("mymaster")})
                           .count("flags\nslave")
                    == 2;
            },
            15000))
        return fail(QStringLiteral("the sentinel does not know both replicas"));
    return true;
}

quint16 RedisSentinelProcess::masterPort() const
{
    const QList<QByteArray> answer
        = RedisProcess::cli(m_sentinelPort,
                            {QStringLiteral("SENTINEL"), QStringLiteral("get-master-addr-by-name"),
                             QStringLiteral("mymaster")})
              .split('\n');
    return answer.size() == 2 ? quint16(answer.at(1).toUInt()) : 0;
}

QString RedisSentinelProcess::url(int database) const
{
    QString text = QStringLiteral("redis-sentinel://127.0.0.1:%1/mymaster").arg(m_sentinelPort);
    if (database != 0)
        text += QLatin1Char('/') + QString::number(database);
    return text;
}
