#include "forwardedfor.h"

namespace ssebuf {

QHostAddress TrustedProxies::normalized(const QHostAddress &address)
{
    bool ok = false;
    const quint32 ipv4 = address.toIPv4Address(&ok);
    return ok && address.protocol() == QAbstractSocket::IPv6Protocol ? QHostAddress(ipv4) : address;
}

bool TrustedProxies::contains(const QHostAddress &address) const
{
    const QHostAddress plain = normalized(address);
    for (const auto &subnet : m_subnets) {
        if (plain.isInSubnet(subnet.first, subnet.second))
            return true;
    }
    return false;
}

QHostAddress TrustedProxies::clientAddress(const QHostAddress &peer,
                                           const QByteArray &forwardedFor) const
{
    if (forwardedFor.trimmed().isEmpty() || !contains(peer))
        return peer;
    const QList<QByteArray> entries = forwardedFor.split(',');
    for (qsizetype i = entries.size() - 1; i >= 0; --i) {
        QByteArray text = entries.at(i).trimmed();
        if (text.startsWith('[') && text.contains(']'))
            text = text.mid(1, text.indexOf(']') - 1);
        else if (text.count(':') == 1)
            text = text.left(text.indexOf(':')); // a.b.c.d:port
        const QHostAddress address(QString::fromLatin1(text));
        if (address.isNull())
            return {};
        if (!contains(address) || i == 0)
            return normalized(address);
    }
    return peer;
}

} // namespace ssebuf
