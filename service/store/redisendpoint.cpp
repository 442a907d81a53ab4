#include "redisendpoint.h"

#include <QUrl>

namespace ssebuf {

QString RedisEndpoint::toString() const
{
    if (kind != Kind::Single)
        return seedsText();
    const QString shownHost
        = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    QString credentials;
    if (!password.isEmpty())
        credentials = username + QStringLiteral(":***@");
    QString text = QStringLiteral("redis://%1%2:%3").arg(credentials, shownHost).arg(port);
    if (database != 0)
        text += QLatin1Char('/') + QString::number(database);
    return text;
}

std::optional<RedisEndpoint> RedisEndpoint::parse(const QString &text, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = QStringLiteral("invalid Redis URL: %1").arg(message);
        return std::nullopt;
    };
    if (text.startsWith(QLatin1String("redis-cluster://"))
        || text.startsWith(QLatin1String("redis-sentinel://")))
        return parseSeeds(text, error);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis"))
        return fail(QStringLiteral("expected redis://HOST:PORT[/DB]"));
    if (!url.userName().isEmpty() && url.password().isEmpty())
        return fail(QStringLiteral("a user name needs a password (redis://USER:PASSWORD@HOST)"));
    if (url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("no query or fragment is allowed"));
    RedisEndpoint endpoint;
    endpoint.host = url.host();
    if (endpoint.host.isEmpty())
        return fail(QStringLiteral("the host is missing"));
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return fail(QStringLiteral("the port must be 1..65535"));
    endpoint.port = quint16(port);
    endpoint.username = url.userName(QUrl::FullyDecoded);
    endpoint.password = url.password(QUrl::FullyDecoded);
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        endpoint.database = path.toInt(&ok);
        if (!ok || endpoint.database < 0 || endpoint.database > 65535)
            return fail(
                QStringLiteral("the database must be a non-negative number, got %1").arg(path));
    }
    return endpoint;
}

} // namespace ssebuf
