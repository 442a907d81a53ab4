#include "http/streamconnection.h"
#include "sse/ssesubscriber.h"
#include "store/memorystore.h"

#include <seqrange.h>
#include <sseparser.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace ssebuf;

using testkit::range;

namespace {

// A stream whose client the test controls: it takes written bytes at once (like send(2)
// on a reading client) or queues them (a client that does not read) until drain().
class FakeStream : public StreamConnection
{
    Q_OBJECT
public:
    bool isOpen() const override { return !m_closed; }
    qint64 unsentBytes() const override { return m_queued.size(); }
    void write(const QByteArray &bytes) override
    {
        if (m_accepting) {
            m_delivered += bytes;
            return;
        }
        m_queued += bytes;
        highestUnsent = qMax(highestUnsent, qint64(m_queued.size()));
    }
    void closeAfterFlush() override { closing = true; }
    void abort() override
    {
        aborted = true;
        m_queued.clear();
        finish();
    }

    void setAccepting(bool accepting) { m_accepting = accepting; }
    // The client reads everything queued.
    void drain()
    {
        if (m_queued.isEmpty())
            return;
        m_delivered += m_queued;
        m_queued.clear();
        Q_EMIT bytesWritten();
    }
    void finish()
    {
        if (m_closed)
            return;
        m_closed = true;
        Q_EMIT closed();
    }
    QByteArray delivered() const { return m_delivered; }

    bool closing = false;
    bool aborted = false;
    qint64 highestUnsent = 0;

private:
    QByteArray m_delivered;
    QByteArray m_queued;
    bool m_accepting = true;
    bool m_closed = false;
};

struct Parsed
{
    QList<qint64> seqs; // of events with an id
    QList<QPair<qint64, qint64>> gaps;
    QList<qint64> order; // seqs, and -missed_from for each gap, in arrival order
    int retryMs = -1;
    qint64 comments = 0;
};

Parsed parse(const QByteArray &bytes)
{
    SseParser parser;
    parser.feed(bytes);
    Parsed parsed;
    for (const SseEvent &event : parser.takeEvents()) {
        const QJsonObject json = QJsonDocument::fromJson(event.data).object();
        if (event.hasId) {
            parsed.seqs.append(event.id.toLongLong());
            parsed.order.append(event.id.toLongLong());
        } else if (json.value("type").toString() == QLatin1String("gap")) {
            parsed.gaps.append(
                {json.value("missed_from").toInteger(), json.value("missed_to").toInteger()});
            parsed.order.append(-json.value("missed_from").toInteger());
        }
    }
    parsed.retryMs = parser.retryMs();
    parsed.comments = parser.commentCount();
    return parsed;
}

// Default SseOptions but for one member.
template<typename Member, typename Value>
SseOptions optionsWith(Member SseOptions::*member, Value value)
{
    SseOptions options;
    options.*member = Member(value);
    return options;
}

} // namespace

class tst_SseSubscriber : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void replayThenLiveThenEnd();
    void replayStaysWithinUnsentBound_data();
    void replayStaysWithinUnsentBound();
    void evictedWhileBehindBecomesGap();
    void liveSlowConsumerIsCutOff();
    void stalledClientIsCutOff();
    void directWritesCountAsProgress();
    void keepAlive();

private:
    void useStore(const RetentionPolicy &policy);
    EventPtr append(int messageSize = 100, bool final = false);
    SseSubscriber *subscribe(FakeStream *stream, qint64 resumeFrom, const SseOptions &options);
    // subscribe(), with m_ended watching it, and start().
    SseSubscriber *startSubscriber(FakeStream *stream, qint64 resumeFrom,
                                   const SseOptions &options);
    void expectEnded(const QString &reason);

    std::unique_ptr<MemoryStore> m_store;
    QString m_session = QStringLiteral("session_test");
    quint64 m_nextId = 1;
    std::unique_ptr<QSignalSpy> m_ended; // the ended() of the last startSubscriber()
};

void tst_SseSubscriber::init()
{
    RetentionPolicy policy;
    policy.maxEvents = 100000;
    policy.maxBufferBytes = qint64(1) << 30;
    useStore(policy);
}

// A fresh memory store with the test's session in it.
void tst_SseSubscriber::useStore(const RetentionPolicy &policy)
{
    m_store = std::make_unique<MemoryStore>(policy);
    bool created = false;
    m_store->createSession(
        SessionRecord {m_session, "u", "autonomous", QDateTime::currentMSecsSinceEpoch()},
        [&created](CreateStatus status) { created = status == CreateStatus::Created; });
    QVERIFY(created);
}

void tst_SseSubscriber::cleanup()
{
    m_ended.reset();
    m_store.reset();
}

EventPtr tst_SseSubscriber::append(int messageSize, bool final)
{
    EventDraft draft;
    draft.type = QStringLiteral("progress");
    draft.status = final ? SessionState::Completed : SessionState::Running;
    draft.final = final;
    draft.message = QString(messageSize, QLatin1Char('m'));
    EventPtr appended;
    m_store->appendEvent(m_session, draft,
                         [&appended](const AppendResult &result) { appended = result.event; });
    return appended;
}

SseSubscriber *tst_SseSubscriber::subscribe(FakeStream *stream, qint64 resumeFrom,
                                            const SseOptions &options)
{
    auto *subscriber = new SseSubscriber(m_nextId++, m_session, stream, resumeFrom,
                                         QStringLiteral("test"), m_store.get(), options, this);
    // What SubscriberHub does: every appended event is offered.
    connect(m_store.get(), &SessionStore::eventAppended, subscriber,
            [subscriber](const QString &, const EventPtr &event) { subscriber->offer(event); });
    return subscriber;
}

SseSubscriber *tst_SseSubscriber::startSubscriber(FakeStream *stream, qint64 resumeFrom,
                                                  const SseOptions &options)
{
    SseSubscriber *subscriber = subscribe(stream, resumeFrom, options);
    m_ended = std::make_unique<QSignalSpy>(subscriber, &SseSubscriber::ended);
    subscriber->start();
    return subscriber;
}

// The subscriber ended once, for this reason.
void tst_SseSubscriber::expectEnded(const QString &reason)
{
    QCOMPARE(m_ended->size(), 1);
    QCOMPARE(m_ended->at(0).at(0).toString(), reason);
}

void tst_SseSubscriber::replayThenLiveThenEnd()
{
    for (int i = 0; i < 3; ++i)
        append();
    auto *stream = new FakeStream;
    auto *subscriber = startSubscriber(stream, 1, optionsWith(&SseOptions::retryMs, 2500));
    QVERIFY(stream->delivered().startsWith("retry: 2500\n\nid: 2\n"));
    QCOMPARE(parse(stream->delivered()).seqs, range(2, 3));
    QCOMPARE(subscriber->state(), SseSubscriber::State::Live);
    append();
    QCOMPARE(parse(stream->delivered()).seqs, range(2, 4));
    append(100, true);
    QCOMPARE(parse(stream->delivered()).seqs, range(2, 5));
    QCOMPARE(subscriber->eventsSent(), 4);
    // The terminal event ends the stream once it is flushed.
    QVERIFY(stream->closing);
    QCOMPARE(subscriber->state(), SseSubscriber::State::Closing);
    stream->finish();
    expectEnded(QStringLiteral("finished"));
    delete subscriber;
}

void tst_SseSubscriber::replayStaysWithinUnsentBound_data()
{
    QTest::addColumn<int>("events");
    QTest::addColumn<int>("messageSize");
    QTest::addColumn<qint64>("maxUnsent");

    QTest::newRow("100 x 1 KB, 8 KiB bound") << 100 << 1000 << qint64(8192);
    QTest::newRow("2000 x 100 B, 16 KiB bound") << 2000 << 100 << qint64(16384);
    QTest::newRow("50 x 10 KB, 4 KiB bound") << 50 << 10000 << qint64(4096);
}

void tst_SseSubscriber::replayStaysWithinUnsentBound()
{
    QFETCH(int, events);
    QFETCH(int, messageSize);
    QFETCH(qint64, maxUnsent);
    qint64 largest = 0;
    for (int i = 0; i < events; ++i)
        largest = qMax<qint64>(largest, append(messageSize)->wire.size());
    auto *stream = new FakeStream;
    stream->setAccepting(false); // the client reads only when the test drains
    auto *subscriber
        = startSubscriber(stream, 0, optionsWith(&SseOptions::maxUnsentBytes, maxUnsent));
    for (int round = 0;
         round < 10 * events && subscriber->state() == SseSubscriber::State::Replaying; ++round)
        stream->drain();
    QCOMPARE(subscriber->state(), SseSubscriber::State::Live);
    QCOMPARE(m_ended->size(), 0);
    stream->drain();
    // Everything, in order, exactly once; never more queued than the bound (or than one
    // event, when a single event is larger than the bound).
    QCOMPARE(parse(stream->delivered()).seqs, range(1, events));
    QVERIFY2(stream->highestUnsent <= qMax(maxUnsent, largest + 32),
             qPrintable(QString::number(stream->highestUnsent)));
    delete subscriber;
}

void tst_SseSubscriber::evictedWhileBehindBecomesGap()
{
    RetentionPolicy policy;
    policy.maxEvents = 10;
    useStore(policy);
    if (QTest::currentTestFailed())
        return;
    for (int i = 0; i < 10; ++i)
        append(1000);
    auto *stream = new FakeStream;
    stream->setAccepting(false);
    auto *subscriber = subscribe(stream, 0, optionsWith(&SseOptions::maxUnsentBytes, 4096));
    subscriber->start();
    // The client is behind; meanwhile 30 more events push out what it has not read yet.
    for (int i = 0; i < 30; ++i)
        append(100);
    QCOMPARE(subscriber->state(), SseSubscriber::State::Replaying);
    for (int round = 0; round < 200 && subscriber->state() != SseSubscriber::State::Live; ++round)
        stream->drain();
    stream->drain();
    QCOMPARE(subscriber->state(), SseSubscriber::State::Live);
    const Parsed parsed = parse(stream->delivered());
    // Every seq 1..40 is either delivered or inside a gap, in order, nothing twice.
    qint64 next = 1;
    for (qint64 item : parsed.order) {
        if (item > 0) {
            QCOMPARE(item, next);
            ++next;
        } else {
            QCOMPARE(-item, next);
            const auto gap = std::find_if(parsed.gaps.begin(), parsed.gaps.end(),
                                          [item](const auto &g) { return g.first == -item; });
            QVERIFY(gap != parsed.gaps.end());
            QVERIFY(gap->second >= gap->first);
            next = gap->second + 1;
        }
    }
    QCOMPARE(next, 41);
    QVERIFY(!parsed.gaps.isEmpty());
    QCOMPARE(parsed.seqs.last(), 40);
    delete subscriber;
}

void tst_SseSubscriber::liveSlowConsumerIsCutOff()
{
    auto *stream = new FakeStream;
    auto *subscriber = startSubscriber(stream, 0, optionsWith(&SseOptions::maxUnsentBytes, 8192));
    QCOMPARE(subscriber->state(), SseSubscriber::State::Live);
    append(1000);
    stream->setAccepting(false); // the client stops reading
    for (int i = 0; i < 20 && m_ended->isEmpty(); ++i)
        append(1000);
    expectEnded(QStringLiteral("slow_consumer"));
    QVERIFY(stream->aborted);
    QVERIFY(stream->highestUnsent <= 8192);
    // Further events cost it nothing.
    append(1000);
    QCOMPARE(stream->unsentBytes(), 0);
    delete subscriber;
}

void tst_SseSubscriber::stalledClientIsCutOff()
{
    append();
    auto *stream = new FakeStream;
    stream->setAccepting(false);
    auto *subscriber = startSubscriber(stream, 0, optionsWith(&SseOptions::stallTimeoutSeconds, 1));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    subscriber->tick(now + 500);
    QCOMPARE(m_ended->size(), 0);
    subscriber->tick(now + 2000); // nothing of the queued output went out for 2 s
    expectEnded(QStringLiteral("stalled"));
    QVERIFY(stream->aborted);
    delete subscriber;
}

void tst_SseSubscriber::directWritesCountAsProgress()
{
    // A client that reads takes every write at once (no bytesWritten: nothing was queued).
    // A moment of queued output later must not make it look stalled since it connected.
    auto *stream = new FakeStream;
    auto *subscriber = startSubscriber(stream, 0, optionsWith(&SseOptions::stallTimeoutSeconds, 1));
    QElapsedTimer elapsed;
    elapsed.start();
    // Events go out for more than the stall time-out, all taken at once.
    QTRY_VERIFY_WITH_TIMEOUT((append(), elapsed.elapsed() > 1300), 5000);
    stream->setAccepting(false);
    append(); // this one stays queued for a moment
    QVERIFY(stream->unsentBytes() > 0);
    subscriber->tick(QDateTime::currentMSecsSinceEpoch());
    QCOMPARE(m_ended->size(), 0);
    QCOMPARE(subscriber->state(), SseSubscriber::State::Live);
    delete subscriber;
}

void tst_SseSubscriber::keepAlive()
{
    auto *stream = new FakeStream;
    auto *subscriber = subscribe(stream, 0, optionsWith(&SseOptions::keepaliveSeconds, 1));
    subscriber->start();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    subscriber->tick(now + 200);
    QCOMPARE(parse(stream->delivered()).comments, 0);
    subscriber->tick(now + 1500);
    QCOMPARE(parse(stream->delivered()).comments, 1);
    QVERIFY(stream->delivered().endsWith("\n\n: keepalive\n\n"));
    // The keep-alive counts as a write: not another one right after.
    subscriber->tick(QDateTime::currentMSecsSinceEpoch() + 200);
    QCOMPARE(parse(stream->delivered()).comments, 1);
    delete subscriber;
}

QTEST_GUILESS_MAIN(tst_SseSubscriber)
#include "tst_ssesubscriber.moc"
