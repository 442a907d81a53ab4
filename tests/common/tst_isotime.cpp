// isoUtcFromMs (every appended event's timestamp) against QDateTime's ISO form.
#include "isotime.h"

#include <QDateTime>
#include <QTest>

using namespace ssebuf;

class tst_IsoTime : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesQDateTime_data();
    void matchesQDateTime();
    void roundTrips();
};

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

QTEST_APPLESS_MAIN(tst_IsoTime)
#include "tst_isotime.moc"
