#include <replay/replayverifier.h>

#include <QTest>

using namespace ssebuf;
using Level = ReplayVerdict::Level;

class tst_ReplayVerifier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void verdicts_data();
    void verdicts();
    void fromReplayEvents();
    void stoppedEarly();
    void ranges();
};

void tst_ReplayVerifier::verdicts_data()
{
    QTest::addColumn<qint64>("startAfter");
    QTest::addColumn<qint64>("firstSeq");
    QTest::addColumn<qint64>("endSeq");
    QTest::addColumn<QList<qint64>>("received");
    QTest::addColumn<QList<qint64>>("gap"); // from, to; empty for none
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("text");

    QTest::newRow("complete") << qint64(0) << qint64(1) << qint64(5)
                              << QList<qint64> {1, 2, 3, 4, 5} << QList<qint64> {}
                              << int(Level::Pass) << "5 of 5 received, in order, no duplicates";
    QTest::newRow("greeting") << qint64(0) << qint64(1) << qint64(1) << QList<qint64> {1}
                              << QList<qint64> {} << int(Level::Pass)
                              << "1 of 1 received, in order, no duplicates";
    QTest::newRow("resumed") << qint64(3) << qint64(1) << qint64(5) << QList<qint64> {4, 5}
                             << QList<qint64> {} << int(Level::Pass)
                             << "2 of 2 received, in order, no duplicates";
    QTest::newRow("resumed at end")
        << qint64(5) << qint64(1) << qint64(5) << QList<qint64> {} << QList<qint64> {}
        << int(Level::Pass) << "0 of 0 received, in order, no duplicates";
    QTest::newRow("missing") << qint64(0) << qint64(1) << qint64(6) << QList<qint64> {1, 2, 5}
                             << QList<qint64> {} << int(Level::Fail)
                             << "3 of 6 received: missing 3–4, 6";
    QTest::newRow("duplicate") << qint64(0) << qint64(1) << qint64(3) << QList<qint64> {1, 2, 2, 3}
                               << QList<qint64> {} << int(Level::Fail)
                               << "3 of 3 received: duplicated 2";
    QTest::newRow("out of order") << qint64(0) << qint64(1) << qint64(4)
                                  << QList<qint64> {1, 3, 2, 4} << QList<qint64> {}
                                  << int(Level::Fail) << "4 of 4 received: out of order 2";
    QTest::newRow("announced gap") << qint64(0) << qint64(4) << qint64(6) << QList<qint64> {4, 5, 6}
                                   << QList<qint64> {1, 3} << int(Level::Warning)
                                   << "3 of 6 received, in order, no duplicates; gap announced by "
                                      "the service for 1–3 (evicted by the buffer limits)";
    QTest::newRow("silent gap") << qint64(0) << qint64(4) << qint64(6) << QList<qint64> {4, 5, 6}
                                << QList<qint64> {} << int(Level::Fail)
                                << "3 of 6 received: evicted without a gap notice 1–3";
    QTest::newRow("everything wrong")
        << qint64(0) << qint64(1) << qint64(5) << QList<qint64> {2, 1, 1, 5} << QList<qint64> {}
        << int(Level::Fail) << "3 of 5 received: missing 3–4; duplicated 1; out of order 1";
}

void tst_ReplayVerifier::verdicts()
{
    QFETCH(qint64, startAfter);
    QFETCH(qint64, firstSeq);
    QFETCH(qint64, endSeq);
    QFETCH(QList<qint64>, received);
    QFETCH(QList<qint64>, gap);
    QFETCH(int, level);
    QFETCH(QString, text);
    ReplayVerifier verifier;
    verifier.setStartAfter(startAfter);
    verifier.setBuffer(firstSeq, endSeq);
    for (qint64 seq : received)
        verifier.addReceived(seq);
    if (!gap.isEmpty())
        verifier.addGap(gap.at(0), gap.at(1));
    const ReplayVerdict verdict = verifier.verdict();
    QCOMPARE(verdict.text, text);
    QCOMPARE(int(verdict.level), level);
    QCOMPARE(verdict.passed(), level != int(Level::Fail));
}

static ReplayEvent replayed(qint64 seq, bool final = false)
{
    ReplayEvent event;
    event.seq = seq;
    event.json = QJsonObject {{"seq", seq}, {"type", "progress"}};
    if (final)
        event.json.insert("final", true);
    return event;
}

void tst_ReplayVerifier::fromReplayEvents()
{
    ReplayEvent gap;
    gap.isGap = true;
    gap.gapFrom = 3;
    gap.gapTo = 4;
    gap.json = QJsonObject {{"type", "gap"}, {"missed_from", 3}, {"missed_to", 4}};
    const ReplayVerdict verdict
        = ReplayVerifier::verify({gap, replayed(5), replayed(6, true)}, 2, 5, 6, false);
    QCOMPARE(verdict.level, Level::Warning);
    QCOMPARE(verdict.expected, 4);
    QCOMPARE(verdict.received, 2);
    QVERIFY(verdict.finalReceived);
    QCOMPARE(verdict.announcedGaps, QList<SeqRange>({{3, 4}}));
}

void tst_ReplayVerifier::stoppedEarly()
{
    // Stopped after 3 while the session went on to 10: only 1..3 count.
    const ReplayVerdict stopped
        = ReplayVerifier::verify({replayed(1), replayed(2), replayed(3)}, 0, 1, 10, true);
    QCOMPARE(stopped.level, Level::Pass);
    QCOMPARE(stopped.expected, 3);
    // The same events from a stream that ended by itself miss 4..10.
    const ReplayVerdict ended
        = ReplayVerifier::verify({replayed(1), replayed(2), replayed(3)}, 0, 1, 10, false);
    QCOMPARE(ended.level, Level::Fail);
    QCOMPARE(ended.missing, QList<SeqRange>({{4, 10}}));
    QVERIFY(!ended.finalReceived);
}

void tst_ReplayVerifier::ranges()
{
    QCOMPARE(ReplayVerifier::toRanges({9, 1, 2, 3, 7, 2}),
             QList<SeqRange>({{1, 3}, {7, 7}, {9, 9}}));
    QCOMPARE(ReplayVerifier::formatRanges({{1, 1}, {3, 5}}), QStringLiteral("1, 3–5"));
    QCOMPARE(ReplayVerifier::formatList({1, 2, 3}, 2), QStringLiteral("1, 2, … (1 more)"));
}

QTEST_GUILESS_MAIN(tst_ReplayVerifier)
#include "tst_replayverifier.moc"
