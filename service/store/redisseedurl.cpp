// The seed-list URLs of contract section 17. QUrl takes one host only, so these are split
// by hand: SCHEME://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...][/MASTER_NAME[/DB]].

#include "redisendpoint.h"

#include <QUrl>

namespace ssebuf {

namespace {

std::optional<RedisEndpoint::Address> parseAddress(const QString &text, quint16 defaultPort)
{
    RedisEndpoint::Address address;
    QString portText;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return std::nullopt;
        address.host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':')))
                return std::nullopt;
            portText = rest.mid(1);
        }
    } else {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        address.host = colon < 0 ? text : text.left(colon);
        if (colon >= 0)
            portText = text.mid(colon + 1);
    }
    if (address.host.isEmpty() || address.host.contains(QLatin1Char('/')))
        return std::nullopt;
    address.port = defaultPort;
    if (!portText.isEmpty()) {
        bool ok = false;
        const int port = portText.toInt(&ok);
        if (!ok || port <= 0 || port > 65535)
            return std::nullopt;
        address.port = quint16(port);
    }
    return address;
}

} // namespace

QString RedisEndpoint::addressText(const QString &host, quint16 port)
{
    const QString shown
        = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return shown + QLatin1Char(':') + QString::number(port);
}

QString RedisEndpoint::seedsText() const
{
    QString text = kind == Kind::Cluster ? QStringLiteral("redis-cluster://")
                                         : QStringLiteral("redis-sentinel://");
    if (!password.isEmpty())
        text += username + QStringLiteral(":***@");
    QStringList addresses;
    for (const Address &seed : seeds)
        addresses.append(addressText(seed.host, seed.port));
    text += addresses.join(QLatin1Char(','));
    if (kind == Kind::Sentinel) {
        text += QLatin1Char('/') + masterName;
        if (database != 0)
            text += QLatin1Char('/') + QString::number(database);
    }
    return text;
}

std::optional<RedisEndpoint> RedisEndpoint::parseSeeds(const QString &text, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = QStringLiteral("invalid Redis URL: %1").arg(message);
        return std::nullopt;
    };
    RedisEndpoint endpoint;
    QString rest;
    if (text.startsWith(QLatin1String("redis-cluster://"))) {
        endpoint.kind = Kind::Cluster;
        rest = text.mid(16);
    } else if (text.startsWith(QLatin1String("redis-sentinel://"))) {
        endpoint.kind = Kind::Sentinel;
        rest = text.mid(17);
    } else {
        return fail(QStringLiteral("expected redis-cluster:// or redis-sentinel://"));
    }
    if (rest.contains(QLatin1Char('?')) || rest.contains(QLatin1Char('#')))
        return fail(QStringLiteral("no query or fragment is allowed"));
    // The password may hold '@' only percent-encoded; the last '@' ends the credentials.
    const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        const QString credentials = rest.left(at);
        rest = rest.mid(at + 1);
        const qsizetype colon = credentials.indexOf(QLatin1Char(':'));
        if (colon < 0)
            return fail(QStringLiteral("credentials are USER:PASSWORD or :PASSWORD"));
        endpoint.username = QUrl::fromPercentEncoding(credentials.left(colon).toUtf8());
        endpoint.password = QUrl::fromPercentEncoding(credentials.mid(colon + 1).toUtf8());
        if (endpoint.password.isEmpty())
            return fail(QStringLiteral("the password is empty"));
    }
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    const QString hosts = slash < 0 ? rest : rest.left(slash);
    const QString path = slash < 0 ? QString() : rest.mid(slash + 1);
    const quint16 defaultPort = endpoint.kind == Kind::Cluster ? 6379 : 26379;
    for (const QString &part : hosts.split(QLatin1Char(','))) {
        const std::optional<Address> address = parseAddress(part.trimmed(), defaultPort);
        if (!address)
            return fail(QStringLiteral("expected HOST:PORT[,HOST:PORT...]"));
        endpoint.seeds.append(*address);
    }
    if (endpoint.kind == Kind::Cluster) {
        if (!path.isEmpty())
            return fail(QStringLiteral("a cluster has no database or path (it uses database 0)"));
        endpoint.host = endpoint.seeds.first().host;
        endpoint.port = endpoint.seeds.first().port;
        return endpoint;
    }
    const QStringList segments = path.split(QLatin1Char('/'));
    if (path.isEmpty() || segments.first().isEmpty() || segments.size() > 2)
        return fail(QStringLiteral("expected redis-sentinel://HOST:PORT[,...]/MASTER_NAME[/DB]"));
    endpoint.masterName = QUrl::fromPercentEncoding(segments.first().toUtf8());
    if (segments.size() == 2) {
        bool ok = false;
        endpoint.database = segments.at(1).toInt(&ok);
        if (!ok || endpoint.database < 0 || endpoint.database > 65535)
            return fail(QStringLiteral("the database must be a non-negative number, got %1")
                            .arg(segments.at(1)));
    }
    endpoint.host.clear();
    endpoint.port = 0;
    return endpoint;
}

} // namespace ssebuf
