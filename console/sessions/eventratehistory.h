#ifndef SSEBUF_CONSOLE_EVENTRATEHISTORY_H
#define SSEBUF_CONSOLE_EVENTRATEHISTORY_H

#include <QList>

namespace ssebuf {

// Events per second over the last N seconds, counted into one bucket per wall-clock second.
class EventRateHistory
{
public:
    explicit EventRateHistory(int seconds = 60);

    void record(qint64 nowMs, int count = 1);
    // Oldest first; the last element is the current (still filling) second.
    QList<int> samples(qint64 nowMs) const;
    // The last complete second.
    int lastRate(qint64 nowMs) const;
    int seconds() const { return int(m_buckets.size()); }
    qint64 total() const { return m_total; }
    void clear();

private:
    void advance(qint64 second);

    QList<int> m_buckets; // ring, indexed by second % size
    qint64 m_currentSecond = -1;
    qint64 m_total = 0;
};

} // namespace ssebuf

#endif
