#include "replayevent.h"

#include <isotime.h>

#include <QJsonDocument>

namespace ssebuf {

ReplayEvent ReplayEvent::fromSse(const SseEvent &event, qint64 arrivalMs, qint64 sinceConnectMs)
{
    ReplayEvent result;
    result.data = event.data;
    result.json = QJsonDocument::fromJson(event.data).object();
    result.arrivalMs = arrivalMs;
    result.sinceConnectMs = sinceConnectMs;
    if (event.hasId) {
        bool ok = false;
        const qint64 seq = event.id.toLongLong(&ok);
        result.seq = ok ? seq : -1;
    }
    if (result.json.value(QLatin1String("type")).toString() == QLatin1String("gap")
        && !event.hasId) {
        result.isGap = true;
        result.gapFrom = result.json.value(QLatin1String("missed_from")).toInteger();
        result.gapTo = result.json.value(QLatin1String("missed_to")).toInteger();
    }
    const QString timestamp = result.json.value(QLatin1String("timestamp")).toString();
    result.timestampMs = timestamp.isEmpty() ? -1 : msFromIso(timestamp);
    return result;
}

} // namespace ssebuf
