#include "connectioncounter.h"

#include "forwardedfor.h"

namespace ssebuf {

ConnectionCounter::ConnectionCounter(int maxConnections, int maxPerIp, QObject *parent)
    : QObject(parent)
    , m_max(maxConnections)
    , m_maxPerIp(maxPerIp)
{
}

ConnectionSlot *ConnectionCounter::acquire(const QHostAddress &peer, bool perIp, Refusal *refusal)
{
    *refusal = Refusal::None;
    if (m_open >= m_max) {
        ++m_refusedTotal;
        *refusal = Refusal::Total;
        return nullptr;
    }
    QString key;
    if (perIp) {
        key = TrustedProxies::normalized(peer).toString();
        int &count = m_perIp[key];
        if (count >= m_maxPerIp) {
            if (count == 0)
                m_perIp.remove(key);
            ++m_refusedPerIp;
            *refusal = Refusal::PerIp;
            return nullptr;
        }
        ++count;
    }
    ++m_open;
    return new ConnectionSlot(this, key);
}

void ConnectionCounter::release(const QString &key)
{
    --m_open;
    if (!key.isEmpty()) {
        auto it = m_perIp.find(key);
        if (it != m_perIp.end() && --it.value() <= 0)
            m_perIp.erase(it);
    }
    Q_EMIT released();
}

ConnectionSlot::ConnectionSlot(ConnectionCounter *counter, QString key)
    : m_counter(counter)
    , m_key(std::move(key))
{
}

ConnectionSlot::~ConnectionSlot()
{
    release();
}

void ConnectionSlot::release()
{
    if (m_released)
        return;
    m_released = true;
    if (m_counter)
        m_counter->release(m_key);
}

void ConnectionSlot::transfer(QObject *from, QObject *to)
{
    if (!from || !to)
        return;
    if (auto *slot = from->findChild<ConnectionSlot *>(QString(), Qt::FindDirectChildrenOnly)) {
        QObject::disconnect(from, nullptr, slot, nullptr);
        slot->setParent(to);
    }
}

} // namespace ssebuf
