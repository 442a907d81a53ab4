#ifndef SSEBUF_REDISENDPOINT_H
#define SSEBUF_REDISENDPOINT_H

#include <QList>
#include <QString>

#include <optional>

namespace ssebuf {

// Where the shared store lives: redis://HOST:PORT[/DB] (contract section 8), or, through
// seed addresses (contract section 17), a Redis Cluster or a master found by Sentinel.
struct RedisEndpoint
{
    enum class Kind { Single, Sentinel, Cluster };
    struct Address
    {
        QString host;
        quint16 port = 0;
    };

    Kind kind = Kind::Single;
    QList<Address> seeds; // Sentinel: the sentinels; Cluster: nodes to discover the rest from
    QString masterName; // Sentinel: the name the sentinels monitor
    QString host; // Single (Sentinel: the master, once known)
    quint16 port = 6379;
    int database = 0;
    QString username; // Redis 6 ACL user; empty for the default user
    QString password; // empty: no AUTH

    // The URL again, in its canonical form, with the password replaced by "***": this is
    // what logs may show.
    QString toString() const;

    // Accepts redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]; HOST may be a name or an IP
    // address ([v6] too). Error messages never repeat the URL (it may hold a password).
    static std::optional<RedisEndpoint> parse(const QString &url, QString *error);
    // redis-cluster://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...] and
    // redis-sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER_NAME[/DB]
    // (redisseedurl.cpp); parse() hands those schemes over.
    static std::optional<RedisEndpoint> parseSeeds(const QString &url, QString *error);
    static QString addressText(const QString &host, quint16 port);
    QString seedsText() const;
};

} // namespace ssebuf

#endif
