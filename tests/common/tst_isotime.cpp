// isoUtcFromMs (every appended event's timestamp) against QDateTime's ISO form, and its
// arithmetic date against gmtime_r, which it replaced: the same bytes, day by day.
#include "isotime.h"

#include <QDateTime>
#include <QTest>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

using namespace ssebuf;

class tst_IsoTime : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesQDateTime_data();
    void matchesQDateTime();
    void roundTrips();
    void matchesGmtime_data();
    void matchesGmtime();
    void matchesGmtimeEveryFewDays();
    void outsideYears0To9999();
    void writerMatchesAcrossDays();
};

namespace {

// What isoUtcFromMs(ms, text) wrote through gmtime_r before: the reference, year 0 included
// (QDateTime has none). False outside the years 0..9999.
bool gmtimeReference(qint64 ms, QByteArray *text)
{
    const qint64 msPerSecond = 1000;
    qint64 seconds = ms / msPerSecond;
    qint64 millis = ms % msPerSecond;
    if (millis < 0) {
        --seconds;
        millis += msPerSecond;
    }
    const time_t t = time_t(seconds);
    struct tm parts;
    if (!gmtime_r(&t, &parts) || parts.tm_year + 1900 > 9999 || parts.tm_year + 1900 < 0)
        return false;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                  parts.tm_min, parts.tm_sec, int(millis));
    *text = QByteArray(buffer, 24);
    return true;
}

QByteArray fast(qint64 ms)
{
    char text[24];
    if (!isoUtcFromMs(ms, text))
        return "(none)";
    return QByteArray(text, 24);
}

QByteArray reference(qint64 ms)
{
    QByteArray text;
    return gmtimeReference(ms, &text) ? text : QByteArray("(none)");
}

constexpr qint64 msPerDay = 86400000;
constexpr qint64 year0 = -62167219200000; // 0000-01-01T00:00:00.000Z
constexpr qint64 year10000 = 253402300800000; // 10000-01-01T00:00:00.000Z

} // namespace

void tst_IsoTime::matchesQDateTime_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::newRow("epoch") << qint64(0);
    QTest::newRow("one ms") << qint64(1);
    QTest::newRow("999 ms") << qint64(999);
    QTest::newRow("2026") << qint64(1795000000123);
    QTest::newRow("leap day") << qint64(1709164800000 + 86399999); // 2024-02-29T23:59:59.999
    QTest::newRow("before 1970") << qint64(-1);
    QTest::newRow("1900") << qint64(-2208988800000);
    QTest::newRow("9999") << qint64(253402300799999);
}

void tst_IsoTime::matchesQDateTime()
{
    QFETCH(qint64, ms);
    const QString expected
        = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
    QCOMPARE(isoUtcFromMs(ms), expected);
}

void tst_IsoTime::roundTrips()
{
    for (qint64 ms = 1795000000000; ms < 1795000000000 + 5000; ms += 7)
        QCOMPARE(msFromIso(isoUtcFromMs(ms)), ms);
}

void tst_IsoTime::matchesGmtime_data()
{
    QTest::addColumn<qint64>("ms");
    // Each a day change: the last millisecond of a day, the next one is checked too.
    QTest::newRow("1969-12-31 to 1970") << qint64(-1);
    QTest::newRow("1900-02-28 (no leap day)") << qint64(-2203891200001);
    QTest::newRow("2000-02-28 (leap day)") << qint64(951782399999);
    QTest::newRow("2000-02-29") << qint64(951868799999);
    QTest::newRow("2100-02-28 (no leap day)") << qint64(4107542399999);
    QTest::newRow("2026-12-31 to 2027") << qint64(1798761599999);
    QTest::newRow("year 0 starts") << year0 - 1;
    QTest::newRow("0000-02-29 (leap day)") << year0 + 59 * msPerDay - 1;
    QTest::newRow("year 9999 ends") << year10000 - 1;
    QTest::newRow("now") << QDateTime::currentMSecsSinceEpoch();
}

void tst_IsoTime::matchesGmtime()
{
    QFETCH(qint64, ms);
    QCOMPARE(fast(ms), reference(ms));
    QCOMPARE(fast(ms + 1), reference(ms + 1));
}

void tst_IsoTime::matchesGmtimeEveryFewDays()
{
    // Years 0 to 9999, every 13th day (all weekdays, months and leap rules), each at
    // another time of day, and the millisecond before and after midnight.
    for (qint64 day = year0 / msPerDay; day * msPerDay < year10000; day += 13) {
        const qint64 midnight = day * msPerDay;
        const qint64 during = midnight + (day * 7919 % msPerDay + msPerDay) % msPerDay;
        for (const qint64 ms : {midnight - 1, midnight, during}) {
            if (fast(ms) != reference(ms))
                QCOMPARE(fast(ms), reference(ms)); // the message only when they differ
        }
    }
}

void tst_IsoTime::outsideYears0To9999()
{
    QCOMPARE(fast(year0), QByteArray("0000-01-01T00:00:00.000Z"));
    QCOMPARE(reference(year0), QByteArray("0000-01-01T00:00:00.000Z"));
    QCOMPARE(fast(year10000 - 1), QByteArray("9999-12-31T23:59:59.999Z"));
    char text[24] = {'x'};
    QVERIFY(!isoUtcFromMs(year0 - 1, text));
    QVERIFY(!isoUtcFromMs(year10000, text));
    QVERIFY(!isoUtcFromMs(std::numeric_limits<qint64>::min(), text));
    QVERIFY(!isoUtcFromMs(std::numeric_limits<qint64>::max(), text));
    QCOMPARE(text[0], 'x'); // untouched
    // The QString form falls back to QDateTime there.
    QCOMPARE(isoUtcFromMs(year10000),
             QDateTime::fromMSecsSinceEpoch(year10000, Qt::UTC).toString(Qt::ISODateWithMs));
}

// IsoUtcWriter keeps the last day's date: the same text as isoUtcFromMs whatever order the
// times come in (within a day, across midnight, back to an earlier day, out of range and
// back).
void tst_IsoTime::writerMatchesAcrossDays()
{
    const qint64 midnight = 1798761600000; // 2027-01-01T00:00:00.000Z
    const QList<qint64> times = {
        midnight - 1,
        midnight,
        midnight + 1,
        midnight + 86399999,
        midnight - 1,
        midnight + 86400000,
        951868799999, // 2000-02-29T23:59:59.999Z
        951868800000,
        year10000, // outside: false, and the date held stays
        951868800001,
        year0 - 1,
        year0,
        year10000 - 1,
        -1,
        0,
        QDateTime::currentMSecsSinceEpoch(),
    };
    IsoUtcWriter writer;
    for (const qint64 ms : times) {
        char text[24];
        std::memset(text, 'x', sizeof text);
        const QByteArray got = writer.write(ms, text) ? QByteArray(text, 24) : "(none)";
        QCOMPARE(got, fast(ms));
        QCOMPARE(got, reference(ms));
    }
    // Every millisecond around one midnight, and a day of times a second apart.
    for (qint64 ms = midnight - 1500; ms < midnight + 1500; ++ms) {
        char text[24];
        QVERIFY(writer.write(ms, text));
        if (QByteArray(text, 24) != fast(ms))
            QCOMPARE(QByteArray(text, 24), fast(ms));
    }
    for (qint64 ms = midnight + 7; ms < midnight + 86400000 + 7000; ms += 1000) {
        char text[24];
        QVERIFY(writer.write(ms, text));
        if (QByteArray(text, 24) != fast(ms))
            QCOMPARE(QByteArray(text, 24), fast(ms));
    }
}

QTEST_APPLESS_MAIN(tst_IsoTime)
#include "tst_isotime.moc"
