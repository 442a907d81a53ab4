#ifndef SSEBUF_FORWARDEDFOR_H
#define SSEBUF_FORWARDEDFOR_H

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>

namespace ssebuf {

// --trusted-proxy: the peers whose X-Forwarded-For names the client (contract 1.1 section 16).
class TrustedProxies
{
public:
    TrustedProxies() = default;
    explicit TrustedProxies(QList<QPair<QHostAddress, int>> subnets)
        : m_subnets(std::move(subnets))
    {
    }

    bool isEmpty() const { return m_subnets.isEmpty(); }
    bool contains(const QHostAddress &address) const;
    // The client address of a request from peer: peer itself unless it is trusted and the
    // request has X-Forwarded-For; then the rightmost address of that list that is not a
    // trusted proxy (entries left of it were written by the client and prove nothing). An
    // entry that is not an address gives a null address, which no rule trusts.
    QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor) const;

    // ::ffff:a.b.c.d as a.b.c.d, so IPv4 rules match on dual-stack sockets.
    static QHostAddress normalized(const QHostAddress &address);

private:
    QList<QPair<QHostAddress, int>> m_subnets;
};

} // namespace ssebuf

#endif
