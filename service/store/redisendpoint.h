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

    // The URL again, in its canonical form (what logs and /healthz may show).
    QString toString() const;

    // Accepts redis://HOST[:PORT][/DB]; HOST may be a name or an IP address ([v6] too).
    // Credentials in the URL are refused rather than silently ignored: they would end up
    // in logs through description().
    static std::optional<RedisEndpoint> parse(const QString &url, QString *error);
};

} // namespace ssebuf

#endif
