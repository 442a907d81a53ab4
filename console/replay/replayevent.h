#ifndef SSEBUF_CONSOLE_REPLAYEVENT_H
#define SSEBUF_CONSOLE_REPLAYEVENT_H

#include <sseparser.h>

#include <QByteArray>
#include <QJsonObject>

namespace ssebuf {

// One message received on a session stream, with when it arrived.
struct ReplayEvent
{
    qint64 seq = -1; // from the "id:" line; -1 when the message had none (a gap notice)
    QJsonObject json;
    QByteArray data;
    bool isGap = false; // {"type": "gap", "missed_from": a, "missed_to": b}
    qint64 gapFrom = 0;
    qint64 gapTo = 0;
    qint64 arrivalMs = 0; // wall clock, ms since the epoch
    qint64 sinceConnectMs = 0; // since the request was sent
    qint64 timestampMs = -1; // the event's own "timestamp", -1 when absent

    static ReplayEvent fromSse(const SseEvent &event, qint64 arrivalMs, qint64 sinceConnectMs);
};

} // namespace ssebuf

#endif
