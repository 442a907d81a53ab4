#include "sessionbuffer.h"

namespace ssebuf {

SessionBuffer::SessionBuffer(Limits limits)
    : m_limits(limits)
{
}

int SessionBuffer::append(EventPtr event)
{
    Q_ASSERT(event && event->seq == m_lastSeq + 1);
    m_lastSeq = event->seq;
    m_bytes += event->wire.size();
    m_events.push_back(std::move(event));
    int evicted = 0;
    while (m_events.size() > 1
           && (int(m_events.size()) > m_limits.maxEvents || m_bytes > m_limits.maxBytes)) {
        m_bytes -= m_events.front()->wire.size();
        m_events.pop_front();
        ++evicted;
    }
    m_dropped += evicted;
    return evicted;
}

SessionBuffer::Slice SessionBuffer::after(qint64 seq, int limit) const
{
    Slice slice;
    if (seq >= m_lastSeq || m_events.empty())
        return slice;
    const qint64 first = firstSeq();
    if (seq + 1 < first) {
        slice.gapFrom = seq + 1;
        slice.gapTo = first - 1;
    }
    const qint64 start = qMax(seq + 1, first);
    // seq values are contiguous, so the position is an offset.
    auto it = m_events.begin() + std::ptrdiff_t(start - first);
    const int count = int(qMin<qint64>(limit, m_lastSeq - start + 1));
    slice.events.reserve(count);
    for (int i = 0; i < count; ++i, ++it)
        slice.events.append(*it);
    return slice;
}

} // namespace ssebuf
