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

namespace {

constexpr qint64 msPerDay = 86400000;

void writePair(char *at, int value)
{
    std::memcpy(at, twoDigits.text + 2 * value, 2);
}

// Splits a time into its day (since 1970-01-01) and the milliseconds into it, floored: C++
// division truncates towards zero.
qint64 dayOf(qint64 msSinceEpoch, int *msOfDay)
{
    qint64 days = msSinceEpoch / msPerDay;
    qint64 rest = msSinceEpoch % msPerDay;
    if (rest < 0) {
        --days;
        rest += msPerDay;
    }
    *msOfDay = int(rest);
    return days;
}

// "YYYY-MM-DDT" into text[0..10]; false outside the years 0..9999. The civil date from the
// day number in plain integer arithmetic (Howard Hinnant's civil_from_days, proleptic
// Gregorian with a year 0, as gmtime_r has it), which cost a tenth of gmtime_r and its time
// zone lock.
bool writeDate(qint64 days, char *text)
{
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
    // Two digits at a time from a table (a division by ten per digit was half of the
    // function; snprintf was 4,000 instructions).
    writePair(text, int(year / 100));
    writePair(text + 2, int(year % 100));
    text[4] = '-';
    writePair(text + 5, month);
    text[7] = '-';
    writePair(text + 8, day);
    text[10] = 'T';
    return true;
}

// "HH:MM:SS.mmmZ" into text[11..23].
void writeTime(int msOfDay, char *text)
{
    writePair(text + 11, msOfDay / 3600000);
    text[13] = ':';
    writePair(text + 14, msOfDay / 60000 % 60);
    text[16] = ':';
    writePair(text + 17, msOfDay / 1000 % 60);
    text[19] = '.';
    text[20] = char('0' + msOfDay % 1000 / 100);
    writePair(text + 21, msOfDay % 100);
    text[23] = 'Z';
}

} // namespace

bool isoUtcFromMs(qint64 msSinceEpoch, char *text)
{
    int msOfDay = 0;
    if (!writeDate(dayOf(msSinceEpoch, &msOfDay), text))
        return false;
    writeTime(msOfDay, text);
    return true;
}

bool IsoUtcWriter::write(qint64 msSinceEpoch, char *text)
{
    int msOfDay = 0;
    const qint64 day = dayOf(msSinceEpoch, &msOfDay);
    if (day != m_day) {
        char date[11];
        if (!writeDate(day, date))
            return false; // the day held stays
        std::memcpy(m_date, date, sizeof m_date);
        m_day = day;
    }
    std::memcpy(text, m_date, sizeof m_date);
    writeTime(msOfDay, text);
    return true;
}

qint64 msFromIso(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace ssebuf
