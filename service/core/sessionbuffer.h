#ifndef SSEBUF_SESSIONBUFFER_H
#define SSEBUF_SESSIONBUFFER_H

#include "storedevent.h"

#include <QList>

#include <deque>

namespace ssebuf {

// The ordered events still held for one session, within an event count and a byte limit
// (bytes are the encoded SSE frames). Appending past a limit evicts the oldest events and
// counts them as dropped; the newest event is always kept.
class SessionBuffer
{
public:
    struct Limits
    {
        int maxEvents = 1000;
        qint64 maxBytes = 1048576;
    };

    // What a reader resuming after a given seq gets: the range it can no longer have
    // (gapFrom..gapTo, both 0 when nothing was lost) and the events that follow.
    struct Slice
    {
        qint64 gapFrom = 0;
        qint64 gapTo = 0;
        QList<EventPtr> events;
        bool hasGap() const { return gapFrom > 0; }
    };

    explicit SessionBuffer(Limits limits);

    // Appends an event whose seq is lastSeq() + 1; returns how many events it evicted.
    int append(EventPtr event);
    Slice after(qint64 seq, int limit) const;

    qint64 firstSeq() const { return m_events.empty() ? 0 : m_events.front()->seq; }
    qint64 lastSeq() const { return m_lastSeq; }
    qint64 bufferedBytes() const { return m_bytes; }
    qint64 droppedEvents() const { return m_dropped; }
    int size() const { return int(m_events.size()); }
    Limits limits() const { return m_limits; }

private:
    Limits m_limits;
    std::deque<EventPtr> m_events;
    qint64 m_lastSeq = 0;
    qint64 m_bytes = 0;
    qint64 m_dropped = 0;
};

} // namespace ssebuf

#endif
