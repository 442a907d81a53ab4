#include "eventratehistory.h"

namespace ssebuf {

EventRateHistory::EventRateHistory(int seconds)
    : m_buckets(qMax(2, seconds), 0)
{
}

void EventRateHistory::advance(qint64 second)
{
    if (m_currentSecond < 0 || second - m_currentSecond >= m_buckets.size()) {
        m_buckets.fill(0);
    } else {
        for (qint64 s = m_currentSecond + 1; s <= second; ++s)
            m_buckets[int(s % m_buckets.size())] = 0;
    }
    m_currentSecond = second;
}

void EventRateHistory::record(qint64 nowMs, int count)
{
    const qint64 second = nowMs / 1000;
    if (second < m_currentSecond)
        return; // the clock went back: drop rather than corrupt the ring
    if (second > m_currentSecond)
        advance(second);
    m_buckets[int(second % m_buckets.size())] += count;
    m_total += count;
}

QList<int> EventRateHistory::samples(qint64 nowMs) const
{
    const qint64 now = nowMs / 1000;
    const int size = int(m_buckets.size());
    QList<int> result(size, 0);
    if (m_currentSecond < 0)
        return result;
    for (int i = 0; i < size; ++i) {
        const qint64 second = now - (size - 1 - i);
        if (second <= m_currentSecond && second > m_currentSecond - size)
            result[i] = m_buckets.at(int(second % size));
    }
    return result;
}

int EventRateHistory::lastRate(qint64 nowMs) const
{
    const QList<int> values = samples(nowMs);
    return values.size() >= 2 ? values.at(values.size() - 2) : 0;
}

void EventRateHistory::clear()
{
    m_buckets.fill(0);
    m_currentSecond = -1;
    m_total = 0;
}

} // namespace ssebuf
