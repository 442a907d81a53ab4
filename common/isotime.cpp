#include "isotime.h"

#include <cstdio>
#include <ctime>

namespace ssebuf {

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString isoUtcFromMs(qint64 msSinceEpoch)
{
    // Hot path (every appended event): gmtime_r and a fixed format instead of QDateTime.
    const time_t seconds
        = time_t(msSinceEpoch >= 0 ? msSinceEpoch / 1000 : (msSinceEpoch - 999) / 1000);
    const int millis = int(msSinceEpoch - qint64(seconds) * 1000);
    struct tm parts;
    if (!gmtime_r(&seconds, &parts) || parts.tm_year + 1900 > 9999 || parts.tm_year + 1900 < 0)
        return isoUtc(QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC));
    char text[32];
    const int length = std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                     parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                                     parts.tm_hour, parts.tm_min, parts.tm_sec, millis);
    return QString::fromLatin1(text, length);
}

qint64 msFromIso(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace ssebuf
