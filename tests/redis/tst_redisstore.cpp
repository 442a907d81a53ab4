// RedisStore in-process against a real redis-server: two store objects on one Redis stand
// for two instances. Checks the SessionStore contract (sessionstore.h, memorystore.cpp
// for the reference semantics) and that every signal reaches the other store.

#include "redisprocess.h"
#include "store/redisstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <csignal>
#include <memory>
#include <optional>

using namespace ssebuf;

namespace {

EventDraft draft(const QString &message, const QString &status = QStringLiteral("running"))
{
    EventDraft d;
    d.type = QStringLiteral("progress");
    d.status = sessionStateFromString(status).value_or(SessionState::Running);
    d.message = message;
    d.final = status != QLatin1String("running");
    return d;
}

SessionRecord record(const QString &id)
{
    return SessionRecord {id, QStringLiteral("user_1"), QStringLiteral("interactive"),
                          QDateTime::currentMSecsSinceEpoch()};
}

// Each call of the store answers through a callback, later from the event loop: these wait
// for it (bounded) and hand the answer back; a wait that timed out gives the failure value,
// which the caller's check sees (so the wait's own result is not needed).
CreateStatus create(SessionStore &store, const SessionRecord &r)
{
    std::optional<CreateStatus> answer;
    store.createSession(r, [&answer](CreateStatus status) { answer = status; });
    (void)QTest::qWaitFor([&answer] { return answer.has_value(); }, 5000);
    return answer.value_or(CreateStatus::Unavailable);
}

AppendResult append(SessionStore &store, const QString &id, const EventDraft &d)
{
    std::optional<AppendResult> answer;
    store.appendEvent(id, d, [&answer](const AppendResult &result) { answer = result; });
    (void)QTest::qWaitFor([&answer] { return answer.has_value(); }, 5000);
    return answer.value_or(AppendResult {});
}

ReadResult read(SessionStore &store, const QString &id, qint64 after, int limit = 100)
{
    std::optional<ReadResult> answer;
    store.readEvents(id, after, limit, [&answer](const ReadResult &result) { answer = result; });
    (void)QTest::qWaitFor([&answer] { return answer.has_value(); }, 5000);
    ReadResult timedOut;
    timedOut.available = false;
    return answer.value_or(timedOut);
}

// Watches a session (its live channel) and waits (bounded) until the store says it flows.
bool watch(SessionStore &store, const QString &id)
{
    std::optional<bool> answer;
    store.watchSession(id, [&answer](bool ready) { answer = ready; });
    (void)QTest::qWaitFor([&answer] { return answer.has_value(); }, 5000);
    return answer.value_or(false);
}

std::optional<SessionSummary> find(SessionStore &store, const QString &id)
{
    std::optional<std::optional<SessionSummary>> answer;
    store.findSession(id, [&answer](const std::optional<SessionSummary> &s) { answer = s; });
    (void)QTest::qWaitFor([&answer] { return answer.has_value(); }, 5000);
    return answer.value_or(std::nullopt);
}

QList<qint64> seqs(const QList<EventPtr> &events)
{
    QList<qint64> out;
    for (const EventPtr &event : events)
        out.append(event->seq);
    return out;
}

} // namespace

class tst_RedisStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void signalsReachTheOtherStore();
    void seqIsFoundInAnyEventJson_data();
    void seqIsFoundInAnyEventJson();
    void appendStatuses();
    void limitsEvictAndReadsReportGaps();
    void liveChannelOnlyWhileWatched();
    void waitReplicasBeforeDelivery();
    void maxSessionsCountsEveryStore();
    void deleteAndExpiryAreAnnouncedOnce();
    void listSessions();
    void unavailableUntilRedisComes();
    void hungRedisIsDetected();
    void scriptsReloadAfterFlush();
    void databasesAreSeparate();
    void passwordIsSentAndNeverShown();

private:
    std::unique_ptr<RedisStore> makeStore(const RetentionPolicy &policy = {}, int waitReplicas = 0);
    // PUBSUB NUMSUB of a session's live channel: how many connections subscribe to it.
    int liveSubscribers(const QString &id) const;

    RedisProcess m_redis;
    RedisEndpoint m_endpoint;
    std::unique_ptr<RedisStore> m_a;
    std::unique_ptr<RedisStore> m_b;
    int m_nextId = 0;
    QString nextId() { return QStringLiteral("session_test_%1").arg(++m_nextId); }
};

void tst_RedisStore::initTestCase()
{
    qRegisterMetaType<SessionSummary>();
    qRegisterMetaType<EventPtr>();
    qRegisterMetaType<RemovalReason>();
    // As ssebufd does (signalwatcher.cpp): a write to a Redis that died must not kill us.
    ::signal(SIGPIPE, SIG_IGN);
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QString error;
    const auto endpoint = RedisEndpoint::parse(m_redis.url(), &error);
    QVERIFY2(endpoint, qPrintable(error));
    m_endpoint = *endpoint;
}

void tst_RedisStore::init()
{
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QCOMPARE(m_redis.cli({QStringLiteral("FLUSHALL")}), QByteArray("OK"));
}

void tst_RedisStore::cleanup()
{
    m_a.reset();
    m_b.reset();
}

std::unique_ptr<RedisStore> tst_RedisStore::makeStore(const RetentionPolicy &policy,
                                                      int waitReplicas)
{
    auto store = std::make_unique<RedisStore>(m_endpoint, policy, waitReplicas);
    (void)QTest::qWaitFor([&store] { return store->isAvailable(); }, 5000);
    return store;
}

void tst_RedisStore::signalsReachTheOtherStore()
{
    m_a = makeStore();
    m_b = makeStore();
    QVERIFY(m_a->isAvailable() && m_b->isAvailable());
    QCOMPARE(m_a->description(), m_redis.url());

    QSignalSpy createdOnB(m_b.get(), &SessionStore::sessionCreated);
    QSignalSpy appendedOnB(m_b.get(), &SessionStore::eventAppended);
    QSignalSpy endedOnB(m_b.get(), &SessionStore::sessionEnded);
    QSignalSpy appendedOnA(m_a.get(), &SessionStore::eventAppended);
    const SessionRecord r = record(nextId());
    QCOMPARE(create(*m_a, r), CreateStatus::Created);
    QTRY_COMPARE_WITH_TIMEOUT(createdOnB.size(), 1, 5000);
    const auto created = createdOnB.takeFirst().at(0).value<SessionSummary>();
    QCOMPARE(created.sessionId, r.sessionId);
    QCOMPARE(created.userId, r.userId);
    QCOMPARE(created.mode, r.mode);
    QCOMPARE(sessionStateName(created.state), QStringLiteral("running"));
    QCOMPARE(created.createdAtMs, r.createdAtMs);
    QCOMPARE(created.lastSeq, 0);

    // Events reach the stores that watch the session (that stream it).
    QVERIFY(watch(*m_b, r.sessionId));
    const AppendResult first = append(*m_a, r.sessionId, draft(QStringLiteral("one")));
    QCOMPARE(first.status, AppendStatus::Appended);
    QCOMPARE(first.event->seq, 1);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 1, 5000);
    const QList<QVariant> args = appendedOnB.takeFirst();
    QCOMPARE(args.at(0).toString(), r.sessionId);
    const EventPtr seen = args.at(1).value<EventPtr>();
    QCOMPARE(seen->json, first.event->json); // the same bytes on every instance
    QCOMPARE(seen->wire, first.event->wire);
    QCOMPARE(args.at(2).value<SessionSummary>().lastSeq, 1);
    QCOMPARE(args.at(2).value<SessionSummary>().bufferedBytes, first.event->wire.size());
    QCOMPARE(args.at(3).toInt(), 0);
    // The appending store reports its own append exactly once too.
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnA.size(), 1, 5000);

    const AppendResult last
        = append(*m_b, r.sessionId, draft(QStringLiteral("done"), QStringLiteral("failed")));
    QCOMPARE(last.event->seq, 2);
    QVERIFY(last.event->final);
    QTRY_COMPARE_WITH_TIMEOUT(endedOnB.size(), 1, 5000);
    QCOMPARE(sessionStateName(endedOnB.first().at(0).value<SessionSummary>().state),
             QStringLiteral("failed"));
    QCOMPARE(sessionStateName(find(*m_a, r.sessionId)->state), QStringLiteral("failed"));
    // A does not watch the session: B's append does not reach it (its end does, above on B
    // and through the lifecycle channel on A too).
    QCOMPARE(appendedOnA.size(), 1);
    m_b->unwatchSession(r.sessionId);
}

// The script puts seq into JSON the instance encoded: a "seq" inside data or inside a
// string must not be mistaken for the event's own.
void tst_RedisStore::seqIsFoundInAnyEventJson_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QJsonValue>("data");
    QTest::newRow("plain") << "hello" << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("seq in message")
        << "\"seq\":0,\"x\":\"\\\"" << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("seq in data") << "m"
                                 << QJsonValue(QJsonObject {{"seq", 0},
                                                            {"inner", QJsonObject {{"seq", 0}}},
                                                            {"a", "}"}});
    QTest::newRow("seq in array") << "m" << QJsonValue(QJsonArray {QJsonObject {{"seq", 0}}, "[{"});
    QTest::newRow("unicode") << QStringLiteral("caf\u00e9 \u2713 \U0001F600") << QJsonValue(true);
}

void tst_RedisStore::seqIsFoundInAnyEventJson()
{
    QFETCH(QString, message);
    QFETCH(QJsonValue, data);
    m_a = makeStore();
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("first"))).status, AppendStatus::Appended);
    EventDraft d = draft(message);
    d.data = data;
    const AppendResult result = append(*m_a, id, d);
    QCOMPARE(result.status, AppendStatus::Appended);
    QCOMPARE(result.event->seq, 2);
    // Exactly what the memory store would have encoded for seq 2.
    const EventPtr expected = StoredEvent::make(id, 2, result.event->timestampMs, d);
    QCOMPARE(result.event->json, expected->json);
    const ReadResult back = read(*m_a, id, 1);
    QCOMPARE(back.events.size(), 1);
    QCOMPARE(back.events.first()->json, expected->json);
    QCOMPARE(back.events.first()->wire, expected->wire);
    const QJsonObject json = QJsonDocument::fromJson(back.events.first()->json).object();
    QCOMPARE(json.value("seq").toInteger(), 2);
    QCOMPARE(json.value("message").toString(), message);
    QCOMPARE(json.value("data"), data);
}

void tst_RedisStore::appendStatuses()
{
    RetentionPolicy policy;
    policy.maxBufferBytes = 1000;
    m_a = makeStore(policy);
    m_b = makeStore(policy);
    QCOMPARE(append(*m_a, QStringLiteral("session_unknown"), draft(QStringLiteral("x"))).status,
             AppendStatus::NotFound);
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QCOMPARE(append(*m_a, id, draft(QString(1000, QLatin1Char('x')))).status,
             AppendStatus::TooLarge);
    QCOMPARE(find(*m_b, id)->lastSeq, 0); // refused means nothing changed
    QCOMPARE(append(*m_b, id, draft(QStringLiteral("bye"), QStringLiteral("completed"))).status,
             AppendStatus::Appended);
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("late"))).status, AppendStatus::Ended);
    const ReadResult result = read(*m_a, id, 0);
    QVERIFY(result.found && result.available && result.finished);
    QCOMPARE(result.lastSeq, 1);
    QCOMPARE(read(*m_a, QStringLiteral("session_unknown"), 0).found, false);
}

void tst_RedisStore::limitsEvictAndReadsReportGaps()
{
    RetentionPolicy policy;
    policy.maxEvents = 3;
    m_a = makeStore(policy);
    m_b = makeStore(policy);
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QVERIFY(watch(*m_b, id));
    QSignalSpy appendedOnB(m_b.get(), &SessionStore::eventAppended);
    qint64 frameBytes = 0;
    for (int i = 1; i <= 5; ++i) {
        const AppendResult r = append(i % 2 ? *m_a : *m_b, id, draft(QStringLiteral("e%1").arg(i)));
        QCOMPARE(r.event->seq, qint64(i));
        if (i >= 3)
            frameBytes += r.event->wire.size();
    }
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 5, 5000);
    QList<int> evicted;
    for (const QList<QVariant> &args : std::as_const(appendedOnB))
        evicted.append(args.at(3).toInt());
    QCOMPARE(evicted, (QList<int> {0, 0, 0, 1, 1}));

    const SessionSummary summary = *find(*m_b, id);
    QCOMPARE(summary.firstSeq, 3);
    QCOMPARE(summary.lastSeq, 5);
    QCOMPARE(summary.eventCount, 5);
    QCOMPARE(summary.droppedEvents, 2);
    QCOMPARE(summary.bufferedBytes, frameBytes);

    ReadResult all = read(*m_b, id, 0);
    QCOMPARE(all.gapFrom, 1);
    QCOMPARE(all.gapTo, 2);
    QCOMPARE(seqs(all.events), (QList<qint64> {3, 4, 5}));
    ReadResult page = read(*m_b, id, 3, 1);
    QCOMPARE(page.gapFrom, 0);
    QCOMPARE(seqs(page.events), QList<qint64> {4});
    ReadResult none = read(*m_b, id, 5);
    QVERIFY(none.found);
    QCOMPARE(none.lastSeq, 5);
    QVERIFY(none.events.isEmpty());
    QCOMPARE(none.gapFrom, 0);

    // The byte limit: an event that needs the room of two others evicts both.
    policy.maxEvents = 100;
    policy.maxBufferBytes = 3 * all.events.first()->wire.size();
    m_a = makeStore(policy);
    EventDraft big = draft(QString(all.events.first()->json.size(), QLatin1Char('b')));
    const AppendResult bigResult = append(*m_a, id, big);
    QCOMPARE(bigResult.status, AppendStatus::Appended);
    const SessionSummary afterBig = *find(*m_a, id);
    QVERIFY(afterBig.bufferedBytes <= policy.maxBufferBytes);
    QCOMPARE(afterBig.firstSeq, 5);
    QCOMPARE(afterBig.droppedEvents, 4);
    QCOMPARE(afterBig.bufferedBytes, all.events.last()->wire.size() + bigResult.event->wire.size());
}

int tst_RedisStore::liveSubscribers(const QString &id) const
{
    const QList<QByteArray> answer = m_redis
                                         .cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"),
                                               QStringLiteral("ssebuf:live:0:") + id})
                                         .split('\n');
    return answer.size() == 2 ? answer.at(1).toInt() : -1;
}

// Contract section 17 on a single node: a session's events go to its own channel, which a
// store subscribes to only while it watches the session (from the first watcher to the
// last); a lost subscription is made again and the watchers told to read again.
void tst_RedisStore::liveChannelOnlyWhileWatched()
{
    m_a = makeStore();
    m_b = makeStore();
    const QString id = nextId();
    const QString other = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QCOMPARE(create(*m_a, record(other)), CreateStatus::Created);
    QCOMPARE(liveSubscribers(id), 0);
    QSignalSpy appendedOnB(m_b.get(), &SessionStore::eventAppended);
    QVERIFY(watch(*m_b, other));
    QVERIFY(watch(*m_b, id));
    QVERIFY(watch(*m_b, id)); // a second local stream of it: still one subscription
    QCOMPARE(liveSubscribers(id), 1);
    QCOMPARE(m_b->watchedSessions(), 2);
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("one"))).status, AppendStatus::Appended);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 1, 5000);
    QCOMPARE(appendedOnB.at(0).at(0).toString(), id);

    m_b->unwatchSession(id);
    QCOMPARE(m_b->watchedSessions(), 2); // one watcher left
    m_b->unwatchSession(id);
    QCOMPARE(m_b->watchedSessions(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(liveSubscribers(id), 0, 5000);
    // Redis delivers the messages of one connection in order: once the other session's
    // event is in, the unwatched one's would have been too.
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("two"))).status, AppendStatus::Appended);
    QCOMPARE(append(*m_a, other, draft(QStringLiteral("three"))).status, AppendStatus::Appended);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 2, 5000);
    QCOMPARE(appendedOnB.at(1).at(0).toString(), other);

    // Redis drops the pub/sub connections: the store reconnects, subscribes the watched
    // session again and says it may have missed events.
    QSignalSpy resync(m_b.get(), &SessionStore::sessionResync);
    QSignalSpy lifecycleResync(m_b.get(), &SessionStore::lifecycleResync);
    QVERIFY(!m_redis
                 .cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("pubsub")})
                 .isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(resync.size(), 1, 10000);
    QCOMPARE(resync.at(0).at(0).toString(), other);
    // The lifecycle channel too: what was announced meanwhile must be listed again.
    QTRY_COMPARE_WITH_TIMEOUT(lifecycleResync.size(), 1, 5000);
    QVERIFY(m_b->isAvailable());
    QCOMPARE(liveSubscribers(other), 1);
    QCOMPARE(liveSubscribers(id), 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_a->isAvailable(), 10000);
    QCOMPARE(append(*m_a, other, draft(QStringLiteral("four"))).status, AppendStatus::Appended);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 3, 5000);
    QCOMPARE(appendedOnB.at(2).at(1).value<EventPtr>()->seq, 2);
}

// --redis-wait-replicas on a single node: an event is delivered live only once the
// replicas have it. Without a replica the append is refused and nobody sees it; with one
// it is acknowledged and delivered.
void tst_RedisStore::waitReplicasBeforeDelivery()
{
    m_a = makeStore({}, 1);
    m_b = makeStore();
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QVERIFY(watch(*m_b, id));
    QSignalSpy appendedOnB(m_b.get(), &SessionStore::eventAppended);
    // No replica: WAIT gives up after 1 s; the event is in the master, but not delivered.
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("unconfirmed"))).status,
             AppendStatus::Unavailable);
    QCOMPARE(append(*m_b, id, draft(QStringLiteral("plain"))).status, AppendStatus::Appended);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 1, 5000);
    QCOMPARE(appendedOnB.at(0).at(1).value<EventPtr>()->seq, 2);

    RedisProcess replica;
    replica.setExtraArguments({QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                               QString::number(m_redis.port())});
    QVERIFY2(replica.start(), qPrintable(replica.errorText()));
    QTRY_VERIFY_WITH_TIMEOUT(replica.cli({QStringLiteral("INFO"), QStringLiteral("replication")})
                                 .contains("master_link_status:up"),
                             10000);
    const AppendResult confirmed = append(*m_a, id, draft(QStringLiteral("confirmed")));
    QCOMPARE(confirmed.status, AppendStatus::Appended);
    QCOMPARE(confirmed.event->seq, 3);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 2, 5000);
    const EventPtr seen = appendedOnB.at(1).at(1).value<EventPtr>();
    QCOMPARE(seen->seq, 3);
    QCOMPARE(seen->json, confirmed.event->json);
    QCOMPARE(replica.cli({QStringLiteral("XLEN"), QStringLiteral("ssebuf:e:") + id}),
             QByteArray("3"));
    // Redis forgot the scripts (SCRIPT FLUSH): the waiting append runs it again with EVAL.
    QCOMPARE(m_redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("FLUSH")}), QByteArray("OK"));
    QCOMPARE(append(*m_a, id, draft(QStringLiteral("after flush"))).event->seq, 4);
    QTRY_COMPARE_WITH_TIMEOUT(appendedOnB.size(), 3, 5000);
}

void tst_RedisStore::maxSessionsCountsEveryStore()
{
    RetentionPolicy policy;
    policy.maxSessions = 2;
    m_a = makeStore(policy);
    m_b = makeStore(policy);
    QCOMPARE(create(*m_a, record(nextId())), CreateStatus::Created);
    QCOMPARE(create(*m_b, record(nextId())), CreateStatus::Created);
    QCOMPARE(create(*m_a, record(nextId())), CreateStatus::Full);
    QCOMPARE(create(*m_b, record(nextId())), CreateStatus::Full);
}

void tst_RedisStore::deleteAndExpiryAreAnnouncedOnce()
{
    RetentionPolicy policy;
    policy.sessionTtlSeconds = 1;
    policy.sweepIntervalSeconds = 1;
    m_a = makeStore(policy);
    m_b = makeStore(policy);
    QSignalSpy removedOnA(m_a.get(), &SessionStore::sessionRemoved);
    QSignalSpy removedOnB(m_b.get(), &SessionStore::sessionRemoved);

    const QString deleted = nextId();
    QCOMPARE(create(*m_a, record(deleted)), CreateStatus::Created);
    std::optional<bool> found;
    m_b->deleteSession(deleted, [&found](bool f) { found = f; });
    QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), 5000);
    QVERIFY(*found);
    QTRY_COMPARE_WITH_TIMEOUT(removedOnA.size(), 1, 5000);
    QCOMPARE(removedOnA.first().at(0).toString(), deleted);
    QCOMPARE(removedOnA.first().at(1).value<RemovalReason>(), RemovalReason::Deleted);
    QTRY_COMPARE_WITH_TIMEOUT(removedOnB.size(), 1, 5000);
    QVERIFY(!find(*m_a, deleted));
    found.reset();
    m_a->deleteSession(deleted, [&found](bool f) { found = f; });
    QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), 5000);
    QVERIFY(!*found);

    // Both stores sweep every second; one announcement reaches each of them, once.
    const QString expiring = nextId();
    QCOMPARE(create(*m_a, record(expiring)), CreateStatus::Created);
    QTRY_COMPARE_WITH_TIMEOUT(removedOnA.size(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(removedOnB.size(), 2, 5000);
    QCOMPARE(removedOnB.at(1).at(0).toString(), expiring);
    QCOMPARE(removedOnB.at(1).at(1).value<RemovalReason>(), RemovalReason::Expired);
    QVERIFY(!find(*m_b, expiring));
    QVERIFY(!QTest::qWaitFor([&] { return removedOnA.size() > 2 || removedOnB.size() > 2; }, 1500));
}

void tst_RedisStore::listSessions()
{
    m_a = makeStore();
    m_b = makeStore();
    const QString one = nextId();
    const QString two = nextId();
    QCOMPARE(create(*m_a, record(one)), CreateStatus::Created);
    QCOMPARE(create(*m_b, record(two)), CreateStatus::Created);
    QCOMPARE(append(*m_b, one, draft(QStringLiteral("x"))).status, AppendStatus::Appended);
    std::optional<QList<SessionSummary>> listed;
    m_a->listSessions([&listed](const QList<SessionSummary> &s) { listed = s; });
    QTRY_VERIFY_WITH_TIMEOUT(listed.has_value(), 5000);
    QCOMPARE(listed->size(), 2);
    QStringList ids;
    for (const SessionSummary &s : *listed) {
        ids.append(s.sessionId);
        if (s.sessionId == one)
            QCOMPARE(s.lastSeq, 1);
    }
    ids.sort();
    QCOMPARE(ids, (QStringList {one, two}));
}

void tst_RedisStore::unavailableUntilRedisComes()
{
    m_redis.kill();
    auto store = std::make_unique<RedisStore>(m_endpoint, RetentionPolicy {});
    QSignalSpy availability(store.get(), &SessionStore::availabilityChanged);
    QVERIFY(!store->isAvailable());
    QCOMPARE(create(*store, record(nextId())), CreateStatus::Unavailable);
    QCOMPARE(append(*store, QStringLiteral("s"), draft(QStringLiteral("x"))).status,
             AppendStatus::Unavailable);
    const ReadResult r = read(*store, QStringLiteral("s"), 0);
    QVERIFY(!r.available);
    QVERIFY(!r.found);

    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QVERIFY(availability.wait(10000));
    QCOMPARE(availability.takeFirst().at(0).toBool(), true);
    const QString id = nextId();
    QCOMPARE(create(*store, record(id)), CreateStatus::Created);

    // An append in flight when Redis dies is answered (Unavailable), never left hanging.
    std::optional<AppendResult> inFlight;
    store->appendEvent(id, draft(QStringLiteral("lost")),
                       [&inFlight](const AppendResult &result) { inFlight = result; });
    m_redis.kill();
    QTRY_VERIFY_WITH_TIMEOUT(inFlight.has_value(), 5000);
    QCOMPARE(inFlight->status, AppendStatus::Unavailable);
    QTRY_COMPARE_WITH_TIMEOUT(availability.size(), 1, 5000);
    QCOMPARE(availability.takeFirst().at(0).toBool(), false);
    QVERIFY(!store->isAvailable());
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QVERIFY(availability.wait(10000));
    QVERIFY(store->isAvailable());
}

// A Redis that stops answering but keeps its connections open (SIGSTOP, a network
// partition) is noticed by the heartbeat, and the store comes back when it answers again.
void tst_RedisStore::hungRedisIsDetected()
{
    m_a = makeStore();
    QVERIFY(m_a->isAvailable());
    QSignalSpy availability(m_a.get(), &SessionStore::availabilityChanged);
    std::optional<CreateStatus> pending;
    m_redis.pause();
    m_a->createSession(record(nextId()), [&pending](CreateStatus status) { pending = status; });
    QVERIFY(availability.wait(6000));
    QCOMPARE(availability.takeFirst().at(0).toBool(), false);
    // The request that Redis never answered is answered anyway.
    QTRY_VERIFY_WITH_TIMEOUT(pending.has_value(), 1000);
    QCOMPARE(*pending, CreateStatus::Unavailable);
    m_redis.resume();
    QVERIFY(availability.wait(10000));
    QCOMPARE(availability.takeFirst().at(0).toBool(), true);
    QCOMPARE(create(*m_a, record(nextId())), CreateStatus::Created);
}

// SCRIPT FLUSH (or a Redis that lost its script cache) costs one EVAL, not an error.
void tst_RedisStore::scriptsReloadAfterFlush()
{
    m_a = makeStore();
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QCOMPARE(m_redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("FLUSH")}), QByteArray("OK"));
    const AppendResult result = append(*m_a, id, draft(QStringLiteral("after flush")));
    QCOMPARE(result.status, AppendStatus::Appended);
    QCOMPARE(result.event->seq, 1);
    QCOMPARE(read(*m_a, id, 0).events.size(), 1);
}

void tst_RedisStore::databasesAreSeparate()
{
    m_a = makeStore();
    QString error;
    const auto other = RedisEndpoint::parse(m_redis.url(1), &error);
    QVERIFY2(other, qPrintable(error));
    RedisStore onOne(*other, RetentionPolicy {});
    QTRY_VERIFY_WITH_TIMEOUT(onOne.isAvailable(), 5000);
    QCOMPARE(onOne.description(), m_redis.url(1));
    QSignalSpy createdOnOne(&onOne, &SessionStore::sessionCreated);
    QSignalSpy createdOnA(m_a.get(), &SessionStore::sessionCreated);
    const QString id = nextId();
    QCOMPARE(create(*m_a, record(id)), CreateStatus::Created);
    QTRY_COMPARE_WITH_TIMEOUT(createdOnA.size(), 1, 5000);
    QVERIFY(!find(onOne, id));
    QCOMPARE(createdOnOne.size(), 0);
    QCOMPARE(m_redis.cli({QStringLiteral("-n"), QStringLiteral("0"), QStringLiteral("EXISTS"),
                          QStringLiteral("ssebuf:s:") + id}),
             QByteArray("1"));
}

void tst_RedisStore::passwordIsSentAndNeverShown()
{
    const QStringList auth {QStringLiteral("-a"), QStringLiteral("s3cret"),
                            QStringLiteral("--no-auth-warning")};
    QCOMPARE(m_redis.cli({QStringLiteral("CONFIG"), QStringLiteral("SET"),
                          QStringLiteral("requirepass"), QStringLiteral("s3cret")}),
             QByteArray("OK"));
    const auto resetPassword = qScopeGuard([this, auth] {
        m_redis.cli(auth
                    + QStringList {QStringLiteral("CONFIG"), QStringLiteral("SET"),
                                   QStringLiteral("requirepass"), QString()});
    });
    const auto endpoint = [this](const QString &password) {
        QString error;
        return *RedisEndpoint::parse(
            QStringLiteral("redis://:%1@127.0.0.1:%2").arg(password).arg(m_redis.port()), &error);
    };

    RedisStore wrong(endpoint(QStringLiteral("nope")), RetentionPolicy {});
    RedisStore none(m_endpoint, RetentionPolicy {});
    RedisStore right(endpoint(QStringLiteral("s3cret")), RetentionPolicy {});
    QTRY_VERIFY_WITH_TIMEOUT(right.isAvailable(), 5000);
    QCOMPARE(right.description(), QStringLiteral("redis://:***@127.0.0.1:%1").arg(m_redis.port()));
    const QString id = nextId();
    QCOMPARE(create(right, record(id)), CreateStatus::Created);
    QVERIFY(find(right, id));
    // Refused connections never come up; the log says why (without the password).
    QVERIFY(!wrong.isAvailable());
    QVERIFY(!none.isAvailable());
    QCOMPARE(create(wrong, record(nextId())), CreateStatus::Unavailable);
}

QTEST_GUILESS_MAIN(tst_RedisStore)
#include "tst_redisstore.moc"
