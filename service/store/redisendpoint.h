#ifndef SSEBUF_REDISENDPOINT_H
#define SSEBUF_REDISENDPOINT_H

#include <QString>

#include <optional>

namespace ssebuf {

// Where the shared store lives: redis://HOST:PORT[/DB] (contract section 8).
struct RedisEndpoint
{
    QString host;
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
};

} // namespace ssebuf

#endif
