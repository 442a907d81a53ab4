#include "isotime.h"

#include <ctime>

namespace ssebuf {

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString isoUtcFromMs(qint64 msSinceEpoch)
{
    char text[24];
    if (!isoUtcFromMs(msSinceEpoch, text))
        return isoUtc(QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC));
    return QString::fromLatin1(text, 24);
}

bool isoUtcFromMs(qint64 msSinceEpoch, char *text)
{
    // Hot path (every appended event): gmtime_r and a fixed format instead of QDateTime.
    const time_t seconds
        = time_t(msSinceEpoch >= 0 ? msSinceEpoch / 1000 : (msSinceEpoch - 999) / 1000);
    const int millis = int(msSinceEpoch - qint64(seconds) * 1000);
    struct tm parts;
    if (!gmtime_r(&seconds, &parts) || parts.tm_year + 1900 > 9999 || parts.tm_year + 1900 < 0)
        return false;
    // YYYY-MM-DDTHH:MM:SS.mmmZ, digits written directly (snprintf was 4,000 instructions).
    auto digits = [text](int at, int value, int count) {
        for (int i = count - 1; i >= 0; --i, value /= 10)
            text[at + i] = char('0' + value % 10);
    };
    digits(0, parts.tm_year + 1900, 4);
    text[4] = '-';
    digits(5, parts.tm_mon + 1, 2);
    text[7] = '-';
    digits(8, parts.tm_mday, 2);
    text[10] = 'T';
    digits(11, parts.tm_hour, 2);
    text[13] = ':';
    digits(14, parts.tm_min, 2);
    text[16] = ':';
    digits(17, parts.tm_sec, 2);
    text[19] = '.';
    digits(20, millis, 3);
    text[23] = 'Z';
    return true;
}

qint64 msFromIso(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace ssebuf
