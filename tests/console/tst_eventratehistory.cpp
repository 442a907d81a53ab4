#include <sessions/eventratehistory.h>
#include <sessions/sparklinewidget.h>

#include <QImage>
#include <QTest>

using namespace ssebuf;

class tst_EventRateHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void buckets();
    void oldSecondsFallOff();
    void sparklineDraws();
};

void tst_EventRateHistory::buckets()
{
    EventRateHistory history(5);
    const qint64 t0 = 1795000000000;
    history.record(t0 + 100, 3);
    history.record(t0 + 900);
    history.record(t0 + 1000, 2);
    history.record(t0 + 3500, 7);
    QCOMPARE(history.samples(t0 + 3600), QList<int>({0, 4, 2, 0, 7}));
    QCOMPARE(history.lastRate(t0 + 3600), 0);
    QCOMPARE(history.lastRate(t0 + 4100), 7);
    QCOMPARE(history.total(), 13);
    history.record(t0 - 5000, 100); // a clock step back is ignored
    QCOMPARE(history.total(), 13);
}

void tst_EventRateHistory::oldSecondsFallOff()
{
    EventRateHistory history(3);
    const qint64 t0 = 1795000000000;
    history.record(t0, 5);
    QCOMPARE(history.samples(t0 + 2000), QList<int>({5, 0, 0}));
    QCOMPARE(history.samples(t0 + 3000), QList<int>({0, 0, 0}));
    history.record(t0 + 10000, 1);
    QCOMPARE(history.samples(t0 + 10000), QList<int>({0, 0, 1}));
    history.clear();
    QCOMPARE(history.samples(t0 + 10000), QList<int>({0, 0, 0}));
}

void tst_EventRateHistory::sparklineDraws()
{
    SparklineWidget widget;
    widget.resize(240, 28);
    widget.setSamples({0, 0, 10, 0}, 10);
    QCOMPARE(widget.caption(), QStringLiteral("10 events/s"));
    QVERIFY(widget.toolTip().contains("peak 10"));
    const QImage image = widget.grab().toImage();
    // The peak at the third sample is drawn near the top of the chart in the highlight colour.
    const QColor highlight = widget.palette().color(QPalette::Highlight);
    bool found = false;
    for (int y = 0; y < 10 && !found; ++y) {
        for (int x = 0; x < image.width() && !found; ++x) {
            const QColor c = image.pixelColor(x, y);
            found = qAbs(c.red() - highlight.red()) < 40 && qAbs(c.green() - highlight.green()) < 40
                && qAbs(c.blue() - highlight.blue()) < 40;
        }
    }
    QVERIFY(found);
}

QTEST_MAIN(tst_EventRateHistory)
#include "tst_eventratehistory.moc"
