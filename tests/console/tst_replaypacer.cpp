#include <replay/replaypacer.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace ssebuf;

static ReplayEvent at(qint64 seq, qint64 timestampMs)
{
    ReplayEvent event;
    event.seq = seq;
    event.timestampMs = timestampMs;
    return event;
}

class tst_ReplayPacer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void instantReleasesAtOnce();
    void pacesByTimestamps();
    void switchingToInstantFlushes();
};

void tst_ReplayPacer::instantReleasesAtOnce()
{
    ReplayPacer pacer;
    pacer.setSpeed(0);
    QSignalSpy released(&pacer, &ReplayPacer::released);
    for (int i = 1; i <= 5; ++i)
        pacer.push(at(i, 1000 + i * 10000));
    QCOMPARE(released.count(), 5);
    QCOMPARE(pacer.pendingCount(), 0);
}

void tst_ReplayPacer::pacesByTimestamps()
{
    // Recorded 400 ms apart, played ×2: 200 ms apart.
    ReplayPacer pacer;
    pacer.setSpeed(2);
    QSignalSpy released(&pacer, &ReplayPacer::released);
    QElapsedTimer clock;
    clock.start();
    pacer.push(at(1, 10000));
    pacer.push(at(2, 10400));
    pacer.push(at(3, 10800));
    QCOMPARE(released.count(), 1); // the first at once
    QCOMPARE(pacer.pendingCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(released.count(), 3, 5000);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 380, qPrintable(QString::number(elapsed)));
    QCOMPARE(released.at(2).at(0).value<ReplayEvent>().seq, 3);
}

void tst_ReplayPacer::switchingToInstantFlushes()
{
    ReplayPacer pacer;
    pacer.setSpeed(1);
    QSignalSpy released(&pacer, &ReplayPacer::released);
    pacer.push(at(1, 0));
    pacer.push(at(2, 20000));
    pacer.push(at(3, 40000));
    QCOMPARE(released.count(), 1);
    pacer.setSpeed(0);
    QCOMPARE(released.count(), 3);
    pacer.push(at(4, 90000));
    QCOMPARE(released.count(), 4);
}

QTEST_GUILESS_MAIN(tst_ReplayPacer)
#include "tst_replaypacer.moc"
