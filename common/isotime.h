#ifndef SSEBUF_ISOTIME_H
#define SSEBUF_ISOTIME_H

#include <QDateTime>
#include <QString>

#include <limits>

namespace ssebuf {

// ISO 8601 in UTC with milliseconds, e.g. "2026-11-25T06:12:22.123Z".
QString isoUtc(const QDateTime &time);
QString isoUtcFromMs(qint64 msSinceEpoch);
// The same text into text[0..23] (no terminator), without a QString; false (text untouched)
// for a time outside the years 0..9999, which isoUtcFromMs() formats through QDateTime.
bool isoUtcFromMs(qint64 msSinceEpoch, char *text);
// isoUtcFromMs(ms, text) that keeps the date of the last day it wrote: the times of one day
// (nearly every event a store appends) skip the calendar arithmetic. One per owner (e.g. a
// store): no state is shared, and none between threads.
class IsoUtcWriter
{
public:
    bool write(qint64 msSinceEpoch, char *text);

private:
    qint64 m_day = std::numeric_limits<qint64>::min(); // the day m_date holds (none yet)
    char m_date[11] = {}; // "YYYY-MM-DDT"
};
// Parses what isoUtc() writes (and any ISO 8601 date-time Qt understands); -1 when invalid.
qint64 msFromIso(const QString &text);

} // namespace ssebuf

#endif
