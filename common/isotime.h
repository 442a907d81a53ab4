#ifndef SSEBUF_ISOTIME_H
#define SSEBUF_ISOTIME_H

#include <QDateTime>
#include <QString>

namespace ssebuf {

// ISO 8601 in UTC with milliseconds, e.g. "2026-11-25T06:12:22.123Z".
QString isoUtc(const QDateTime &time);
QString isoUtcFromMs(qint64 msSinceEpoch);
// The same text into text[0..23] (no terminator), without a QString; false (text untouched)
// for a time outside the years 0..9999, which isoUtcFromMs() formats through QDateTime.
bool isoUtcFromMs(qint64 msSinceEpoch, char *text);
// Parses what isoUtc() writes (and any ISO 8601 date-time Qt understands); -1 when invalid.
qint64 msFromIso(const QString &text);

} // namespace ssebuf

#endif
