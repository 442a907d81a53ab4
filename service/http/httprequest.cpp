#include "httprequest.h"

namespace ssebuf {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    // Sizes first: most names differ in length, and only equal lengths can compare equal.
    for (const auto &pair : headers) {
        if (equalsIgnoringAsciiCase(pair.first, name))
            return pair.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &pair : headers) {
        if (equalsIgnoringAsciiCase(pair.first, name))
            return true;
    }
    return false;
}

QString HttpRequest::peerText() const
{
    auto text = [](const QHostAddress &address) {
        if (address.isNull())
            return QStringLiteral("unknown");
        return address.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
            : address.toString();
    };
    if (!proxy.isNull()) // forwarded by a trusted proxy: the client has no port of ours
        return text(peer) + QStringLiteral(" via ") + text(proxy) + QLatin1Char(':')
            + QString::number(proxyPort);
    return text(peer) + QLatin1Char(':') + QString::number(peerPort);
}

bool HttpRequest::isJsonMediaType(const QByteArray &contentType)
{
    // application/json or application/<subtype>+json, parameters (charset) allowed.
    const QByteArray mime = contentType.split(';').value(0).trimmed().toLower();
    if (mime == "application/json")
        return true;
    const QByteArray prefix = "application/";
    return mime.startsWith(prefix) && mime.endsWith("+json") && mime.size() > prefix.size() + 5;
}

bool HttpRequest::hasJsonBody() const
{
    return isJsonMediaType(header("content-type"));
}

} // namespace ssebuf
