#include "configparsing.h"

#include <QFile>

namespace ssebuf::config {

std::optional<bool> parseFlag(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == QLatin1String("1") || lower == QLatin1String("true")
        || lower == QLatin1String("yes") || lower == QLatin1String("on"))
        return true;
    if (lower == QLatin1String("0") || lower == QLatin1String("false")
        || lower == QLatin1String("no") || lower == QLatin1String("off"))
        return false;
    return std::nullopt;
}

bool parseListen(const QString &text, QHostAddress *address, quint16 *port)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QString host = text.left(colon);
    bool ok = false;
    const int number = text.mid(colon + 1).toInt(&ok);
    if (!ok || number < 0 || number > 65535)
        return false;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host == QLatin1String("*"))
        *address = QHostAddress::Any;
    else if (host == QLatin1String("localhost"))
        *address = QHostAddress::LocalHost;
    else if (!address->setAddress(host))
        return false;
    *port = quint16(number);
    return true;
}

// Values are taken as written (trimmed, one pair of surrounding double quotes removed):
// QSettings split them at commas and cut them at ';', which broke exec: commands such as
// "exec:/bin/sh -c 'a; b'".
bool readIniSection(const QString &path, const QString &section,
                    QList<QPair<QString, QString>> *entries, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
        return false;
    }
    QString current;
    int number = 0;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &raw : lines) {
        QString line = QString::fromUtf8(raw).trimmed();
        if (++number == 1 && line.startsWith(QChar(0xFEFF)))
            line = line.mid(1).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char(';'))
            || line.startsWith(QLatin1Char('#')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            current = line.mid(1, line.size() - 2).trimmed();
            continue;
        }
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            *error = QStringLiteral("config file %1 is not a valid INI file (line %2)")
                         .arg(path)
                         .arg(number);
            return false;
        }
        if (current != section)
            continue;
        QString value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && value.startsWith(QLatin1Char('"'))
            && value.endsWith(QLatin1Char('"')))
            value = value.mid(1, value.size() - 2);
        entries->append({line.left(equals).trimmed(), value});
    }
    return true;
}

QByteArray readTokenFile(const QString &path, const char *what, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the %1 token file %2: %3")
                     .arg(QLatin1String(what), path, file.errorString());
        return {};
    }
    QByteArray token = file.read(4096);
    while (token.endsWith('\n') || token.endsWith('\r'))
        token.chop(1);
    if (token.trimmed().isEmpty())
        *error = QStringLiteral("the %1 token file %2 is empty").arg(QLatin1String(what), path);
    return token;
}

QByteArray readToken(const QString &value, bool fromVariable, const char *what,
                     const QString &source, QString *error)
{
    if (fromVariable) {
        const QByteArray token = value.toUtf8().trimmed();
        if (token.isEmpty())
            *error = QStringLiteral("%1 is set but empty: unset it for no %2 token, or give "
                                    "the token")
                         .arg(source, QLatin1String(what));
        return token;
    }
    if (value.trimmed().isEmpty()) {
        *error = QStringLiteral("%1 is set but empty: give the %2 token file or leave it out")
                     .arg(source, QLatin1String(what));
        return {};
    }
    return readTokenFile(value.trimmed(), what, error);
}

namespace {

bool parseProxies(const QString &value, QList<QPair<QHostAddress, int>> *proxies)
{
    proxies->clear();
    for (const QString &part : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString text = part.trimmed();
        if (text.isEmpty())
            continue;
        QPair<QHostAddress, int> subnet = text.contains(QLatin1Char('/'))
            ? QHostAddress::parseSubnet(text)
            : QPair<QHostAddress, int>(QHostAddress(text), -1);
        if (subnet.first.isNull())
            return false;
        if (subnet.second < 0)
            subnet.second = subnet.first.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32;
        proxies->append(subnet);
    }
    return true;
}

} // namespace

bool applyHardeningOption(const QString &name, const QString &value, qint64 number,
                          ServiceConfig *config, QString *why)
{
    if (name == QLatin1String("request-timeout")) {
        config->requestTimeoutSeconds = int(number);
    } else if (name == QLatin1String("max-connections")) {
        config->maxConnections = int(number);
    } else if (name == QLatin1String("max-connections-per-ip")) {
        config->maxConnectionsPerIp = int(number);
    } else if (name == QLatin1String("exec-max-producers")) {
        config->execMaxProducers = int(number);
    } else if (name == QLatin1String("trusted-proxy")) {
        if (!parseProxies(value, &config->trustedProxies))
            *why = QStringLiteral("expected IP addresses (or ADDR/PREFIX), separated by commas");
    } else if (name == QLatin1String("allowed-hosts")) {
        config->allowedHosts.clear();
        for (const QString &host : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!host.trimmed().isEmpty())
                config->allowedHosts.append(host.trimmed().toLower());
        }
    } else if (name == QLatin1String("exec-stderr-in-event")) {
        const std::optional<bool> flag = parseFlag(value);
        if (!flag)
            *why = QStringLiteral("expected true or false");
        else
            config->execStderrInEvent = *flag;
    } else {
        return false;
    }
    return true;
}

} // namespace ssebuf::config
