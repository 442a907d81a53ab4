#include "isotime.h"

#include <cstring>

namespace ssebuf {

namespace {

// "00", "01", ... "99" back to back.
struct TwoDigits
{
    char text[200];
    constexpr TwoDigits()
        : text()
    {
        for (int i = 0; i < 100; ++i) {
            text[2 * i] = char('0' + i / 10);
            text[2 * i + 1] = char('0' + i % 10);
        }
    }
};
constexpr TwoDigits twoDigits;

} // namespace

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
    // Hot path (every appended event): the civil date from the day number in plain integer
    // arithmetic (Howard Hinnant's civil_from_days, proleptic Gregorian with a year 0, as
    // gmtime_r has it), which cost a tenth of gmtime_r and its time zone lock.
    constexpr qint64 msPerDay = 86400000;
    qint64 days = msSinceEpoch / msPerDay; // floored below: C++ division truncates
    qint64 msOfDay = msSinceEpoch % msPerDay;
    if (msOfDay < 0) {
        --days;
        msOfDay += msPerDay;
    }
    // Days since 0000-03-01, in 400-year eras of 146097 days (leap days at each era's end).
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 dayOfEra = z - era * 146097; // 0..146096
    const qint64 yearOfEra
        = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365; // 0..399
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 monthFromMarch = (5 * dayOfYear + 2) / 153; // 0..11, March first
    const int day = int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1);
    const int month = int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
    const qint64 year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999)
        return false;
    const int timeOfDay = int(msOfDay);
    // YYYY-MM-DDTHH:MM:SS.mmmZ, two digits at a time from a table (a division by ten per
    // digit was half of the function; snprintf was 4,000 instructions).
    auto pair
        = [text](int at, int value) { std::memcpy(text + at, twoDigits.text + 2 * value, 2); };
    pair(0, int(year / 100));
    pair(2, int(year % 100));
    text[4] = '-';
    pair(5, month);
    text[7] = '-';
    pair(8, day);
    text[10] = 'T';
    pair(11, timeOfDay / 3600000);
    text[13] = ':';
    pair(14, timeOfDay / 60000 % 60);
    text[16] = ':';
    pair(17, timeOfDay / 1000 % 60);
    text[19] = '.';
    text[20] = char('0' + timeOfDay % 1000 / 100);
    pair(21, timeOfDay % 100);
    text[23] = 'Z';
    return true;
}

qint64 msFromIso(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace ssebuf
