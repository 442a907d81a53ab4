#include "core/sessionbuffer.h"

#include <QTest>

#include <seqrange.h>

using namespace ssebuf;

using testkit::range;

namespace {

EventPtr makeEvent(qint64 seq, int messageSize = 10)
{
    EventDraft draft;
    draft.type = QStringLiteral("progress");
    draft.status = SessionState::Running;
    draft.message = QString(messageSize, QLatin1Char('m'));
    // A fixed timestamp keeps every frame of the same seq width equally long.
    return StoredEvent::make(QStringLiteral("session_x"), seq, 1700000000000, draft);
}

void fill(SessionBuffer &buffer, qint64 count, int messageSize = 10)
{
    for (qint64 seq = buffer.lastSeq() + 1; seq <= count; ++seq)
        buffer.append(makeEvent(seq, messageSize));
}

QList<qint64> seqs(const QList<EventPtr> &events)
{
    QList<qint64> result;
    for (const EventPtr &event : events)
        result.append(event->seq);
    return result;
}

} // namespace

class tst_SessionBuffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void empty();
    void eventLimit_data();
    void eventLimit();
    void byteLimit();
    void evictionCountsPerAppend();
    void newestKeptWhenLargerThanLimit();
    void after_data();
    void after();
    void afterKeepsEventsShared();
};

void tst_SessionBuffer::empty()
{
    SessionBuffer buffer({10, 100000});
    QCOMPARE(buffer.size(), 0);
    QCOMPARE(buffer.firstSeq(), 0);
    QCOMPARE(buffer.lastSeq(), 0);
    QCOMPARE(buffer.bufferedBytes(), 0);
    QCOMPARE(buffer.droppedEvents(), 0);
    const SessionBuffer::Slice slice = buffer.after(0, 100);
    QVERIFY(!slice.hasGap());
    QVERIFY(slice.events.isEmpty());
}

void tst_SessionBuffer::eventLimit_data()
{
    QTest::addColumn<int>("maxEvents");
    QTest::addColumn<int>("appended");
    QTest::addColumn<int>("size");
    QTest::addColumn<qint64>("firstSeq");
    QTest::addColumn<qint64>("dropped");

    QTest::newRow("under") << 5 << 3 << 3 << qint64(1) << qint64(0);
    QTest::newRow("exactly") << 5 << 5 << 5 << qint64(1) << qint64(0);
    QTest::newRow("one over") << 5 << 6 << 5 << qint64(2) << qint64(1);
    QTest::newRow("far over") << 5 << 1000 << 5 << qint64(996) << qint64(995);
    QTest::newRow("limit 1") << 1 << 7 << 1 << qint64(7) << qint64(6);
    QTest::newRow("default 1000") << 1000 << 1500 << 1000 << qint64(501) << qint64(500);
}

void tst_SessionBuffer::eventLimit()
{
    QFETCH(int, maxEvents);
    QFETCH(int, appended);
    QFETCH(int, size);
    QFETCH(qint64, firstSeq);
    QFETCH(qint64, dropped);
    SessionBuffer buffer({maxEvents, qint64(1) << 40});
    fill(buffer, appended);
    QCOMPARE(buffer.size(), size);
    QCOMPARE(buffer.firstSeq(), firstSeq);
    QCOMPARE(buffer.lastSeq(), qint64(appended));
    QCOMPARE(buffer.droppedEvents(), dropped);
    // The newest events are the ones kept.
    QCOMPARE(seqs(buffer.after(firstSeq - 1, appended).events), range(firstSeq, appended));
}

void tst_SessionBuffer::byteLimit()
{
    // Seqs 1..9 have frames of equal size, so the limit holds a known number of them.
    const qint64 frame = makeEvent(1, 100)->wire.size();
    QCOMPARE(makeEvent(9, 100)->wire.size(), frame);
    SessionBuffer buffer({1000, 3 * frame + frame / 2});
    fill(buffer, 3, 100);
    QCOMPARE(buffer.size(), 3);
    QCOMPARE(buffer.bufferedBytes(), 3 * frame);
    fill(buffer, 9, 100);
    QCOMPARE(buffer.size(), 3);
    QCOMPARE(buffer.firstSeq(), 7);
    QCOMPARE(buffer.lastSeq(), 9);
    QCOMPARE(buffer.bufferedBytes(), 3 * frame);
    QCOMPARE(buffer.droppedEvents(), 6);
    QVERIFY(buffer.bufferedBytes() <= buffer.limits().maxBytes);
}

void tst_SessionBuffer::evictionCountsPerAppend()
{
    const qint64 small = makeEvent(1, 10)->wire.size();
    SessionBuffer buffer({100, 10 * small});
    for (qint64 seq = 1; seq <= 5; ++seq)
        QCOMPARE(buffer.append(makeEvent(seq, 10)), 0);
    // One big event needs the room of several small ones: all of those go at once.
    const EventPtr big = makeEvent(6, int(small * 7));
    const qint64 before = buffer.bufferedBytes();
    int expected = 0;
    qint64 bytes = before + big->wire.size();
    for (qint64 seq = 1; bytes > 10 * small; ++seq, ++expected)
        bytes -= small;
    QVERIFY(expected >= 3);
    QCOMPARE(buffer.append(big), expected);
    QCOMPARE(buffer.droppedEvents(), qint64(expected));
    QCOMPARE(buffer.firstSeq(), qint64(1 + expected));
    QCOMPARE(buffer.bufferedBytes(), bytes);
}

void tst_SessionBuffer::newestKeptWhenLargerThanLimit()
{
    SessionBuffer buffer({10, 1024});
    fill(buffer, 3, 10);
    const int evicted = buffer.append(makeEvent(4, 5000));
    QCOMPARE(evicted, 3);
    QCOMPARE(buffer.size(), 1);
    QCOMPARE(buffer.firstSeq(), 4);
    QCOMPARE(buffer.lastSeq(), 4);
    QVERIFY(buffer.bufferedBytes() > 1024);
    // The next event pushes the oversized one out.
    QCOMPARE(buffer.append(makeEvent(5, 10)), 1);
    QCOMPARE(buffer.firstSeq(), 5);
    QCOMPARE(buffer.droppedEvents(), 4);
}

void tst_SessionBuffer::after_data()
{
    // Events 1..10 appended, 5 kept: 6..10 buffered, 1..5 evicted.
    QTest::addColumn<qint64>("afterSeq");
    QTest::addColumn<int>("limit");
    QTest::addColumn<qint64>("gapFrom");
    QTest::addColumn<qint64>("gapTo");
    QTest::addColumn<QList<qint64>>("events");

    QTest::newRow("from start") << qint64(0) << 100 << qint64(1) << qint64(5) << range(6, 10);
    QTest::newRow("inside evicted") << qint64(3) << 100 << qint64(4) << qint64(5) << range(6, 10);
    QTest::newRow("last evicted") << qint64(4) << 100 << qint64(5) << qint64(5) << range(6, 10);
    QTest::newRow("just before first")
        << qint64(5) << 100 << qint64(0) << qint64(0) << range(6, 10);
    QTest::newRow("middle") << qint64(7) << 100 << qint64(0) << qint64(0) << range(8, 10);
    QTest::newRow("limit") << qint64(6) << 2 << qint64(0) << qint64(0) << range(7, 8);
    QTest::newRow("limit with gap") << qint64(0) << 1 << qint64(1) << qint64(5) << range(6, 6);
    QTest::newRow("at end") << qint64(10) << 100 << qint64(0) << qint64(0) << QList<qint64> {};
    QTest::newRow("past end") << qint64(12) << 100 << qint64(0) << qint64(0) << QList<qint64> {};
}

void tst_SessionBuffer::after()
{
    QFETCH(qint64, afterSeq);
    QFETCH(int, limit);
    QFETCH(qint64, gapFrom);
    QFETCH(qint64, gapTo);
    QFETCH(QList<qint64>, events);
    SessionBuffer buffer({5, qint64(1) << 40});
    fill(buffer, 10);
    const SessionBuffer::Slice slice = buffer.after(afterSeq, limit);
    QCOMPARE(slice.gapFrom, gapFrom);
    QCOMPARE(slice.gapTo, gapTo);
    QCOMPARE(slice.hasGap(), gapFrom > 0);
    QCOMPARE(seqs(slice.events), events);
}

void tst_SessionBuffer::afterKeepsEventsShared()
{
    SessionBuffer buffer({2, qint64(1) << 40});
    const EventPtr first = makeEvent(1);
    buffer.append(first);
    const SessionBuffer::Slice slice = buffer.after(0, 10);
    QCOMPARE(slice.events.value(0).get(), first.get()); // shared, not copied
    fill(buffer, 5);
    // A reader holding a slice still has its events after they were evicted.
    QCOMPARE(slice.events.value(0)->seq, 1);
    QCOMPARE(buffer.firstSeq(), 4);
}

QTEST_GUILESS_MAIN(tst_SessionBuffer)
#include "tst_sessionbuffer.moc"
