// The cluster store against a real Redis Cluster (issue 14, contract section 17,
// docs/redis.md): three masters with a replica each, started by the harness on free
// loopback ports, and three ssebufd instances on it. Nothing is mocked: masters are
// killed with SIGKILL and slots moved with `redis-cli --cluster reshard`.

#include "clustertestkit.h"
#include "httptestclient.h"
#include "liveinputtestkit.h"
#include "redisclusterprocess.h"
#include "redisprocess.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace clustertest;
using testkit::range;

namespace {

QString ssePath(const QString &id)
{
    return QStringLiteral("/api/refactor/%1/sse").arg(id);
}

QString eventsPath(const QString &id)
{
    return QStringLiteral("/api/sessions/%1/events").arg(id);
}

QByteArray metaKey(const QString &id)
{
    return "ssebuf:{" + id.toUtf8() + "}:s";
}

} // namespace

class tst_RedisCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void sessionsSpreadOverMastersWithOneLimit();
    void liveAcrossInstances();
    void noEventTrafficWithoutSubscribers();
    void storeResetGap();
    void batchAndIdempotencyOnCluster();
    void expiryAcrossMasters();
    void slotMovedWhilePublishing();
    void masterKilledMidStream();

private:
    bool startInstance(ServiceProcess &service, const QStringList &extra = {});
    QString startSession(ServiceProcess &service);
    int publish(ServiceProcess &service, const QString &id, const QJsonObject &json);
    int slotOf(const QString &id) const { return m_cluster.keySlot(metaKey(id)); }

    RedisClusterProcess m_cluster;
    HttpTestClient m_http;
    std::unique_ptr<ServiceProcess> m_a;
    std::unique_ptr<ServiceProcess> m_b;
    std::unique_ptr<ServiceProcess> m_c;
};

void tst_RedisCluster::initTestCase()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    QVERIFY2(m_cluster.start(3, 1), qPrintable(m_cluster.errorText()));
}

void tst_RedisCluster::init()
{
    QVERIFY(m_cluster.waitUntilHealthy(20000));
    QVERIFY(m_cluster.flushAll());
    m_a = std::make_unique<ServiceProcess>();
    m_b = std::make_unique<ServiceProcess>();
    m_c = std::make_unique<ServiceProcess>();
}

void tst_RedisCluster::cleanup()
{
    testkit::stopInstances({&m_a, &m_b, &m_c}, 6000);
}

bool tst_RedisCluster::startInstance(ServiceProcess &service, const QStringList &extra)
{
    return testkit::startStoreInstance(m_http, service, m_cluster.url(), extra);
}

QString tst_RedisCluster::startSession(ServiceProcess &service)
{
    const HttpTestReply reply = m_http.postJson(
        service.url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("cluster_user")},
                     {QStringLiteral("user_prompt"), QStringLiteral("refactor my code")}});
    return reply.status == 201 ? reply.json().value(QLatin1String("session_id")).toString()
                               : QString();
}

int tst_RedisCluster::publish(ServiceProcess &service, const QString &id, const QJsonObject &json)
{
    const HttpTestReply reply = m_http.postJson(service.url(eventsPath(id)), json);
    return reply.status == 201 ? int(reply.json().value("seq").toInteger()) : -reply.status;
}

// Each session's keys share one slot; sessions land on every master; --max-sessions and
// the admin list count the sessions of all masters, whichever instance asks.
void tst_RedisCluster::sessionsSpreadOverMastersWithOneLimit()
{
    const QStringList limit {QStringLiteral("--max-sessions"), QStringLiteral("30")};
    QVERIFY(startInstance(*m_a, limit));
    QVERIFY(startInstance(*m_b, limit));
    QVERIFY(startInstance(*m_c, limit));
    ServiceProcess *instances[] = {m_a.get(), m_b.get(), m_c.get()};
    QSet<QString> ids;
    QHash<quint16, int> perMaster;
    for (int i = 0; i < 30; ++i) {
        const QString id = startSession(*instances[i % 3]);
        QVERIFY2(!id.isEmpty(), qPrintable(QString::number(i)));
        ids.insert(id);
        const int slot = slotOf(id);
        QCOMPARE(m_cluster.keySlot("ssebuf:{" + id.toUtf8() + "}:e"), slot);
        QCOMPARE(m_cluster.keySlot("ssebuf:{" + id.toUtf8() + "}:live"), slot);
        const quint16 master = m_cluster.masterOfSlot(slot);
        QCOMPARE(m_cluster.cli(master, {QStringLiteral("EXISTS"), QString::fromUtf8(metaKey(id))}),
                 QByteArray("1"));
        ++perMaster[master];
    }
    // 30 random ids over 3 masters: each gets some (all on two: p < 2e-5).
    QCOMPARE(perMaster.size(), 3);
    qInfo() << "sessions per master:" << perMaster.values();

    // One limit for the whole cluster.
    const HttpTestReply full = m_http.postJson(
        m_b->url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("u")},
                     {QStringLiteral("user_prompt"), QStringLiteral("one too many")}});
    QCOMPARE(full.status, 503);
    QCOMPARE(full.json().value("error").toString(), QStringLiteral("too_many_sessions"));
    QVERIFY(!full.header("Retry-After").isEmpty());

    // The admin list of any instance has the sessions of every master.
    const QJsonArray listed = m_http.get(m_c->url(QStringLiteral("/api/admin/sessions")))
                                  .json()
                                  .value("sessions")
                                  .toArray();
    QSet<QString> listedIds;
    for (const QJsonValue &summary : listed)
        listedIds.insert(summary.toObject().value("session_id").toString());
    QCOMPARE(listedIds, ids);

    // A deleted session gives its place back, on every instance.
    const QString gone = *ids.cbegin();
    QCOMPARE(
        m_http.sendCustom("DELETE", m_a->url(QStringLiteral("/api/admin/sessions/%1").arg(gone)))
            .status,
        204);
    QCOMPARE(m_http.get(m_b->url(ssePath(gone))).status, 404);
    QVERIFY(!startSession(*m_c).isEmpty());
    QCOMPARE(m_cluster.cli(m_cluster.masterOfSlot(m_cluster.keySlot("ssebuf:{ssebuf}:sessions")),
                           {QStringLiteral("ZCARD"), QStringLiteral("ssebuf:{ssebuf}:sessions")}),
             QByteArray("30"));
}

// A session started on A streams live from B and C; events published through any
// instance reach all streams in seq order, once, as the very same bytes.
void tst_RedisCluster::liveAcrossInstances()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    QVERIFY(startInstance(*m_c));
    const QString id = startSession(*m_a);
    QVERIFY(!id.isEmpty());
    RawSseClient onB;
    RawSseClient onC;
    QVERIFY(testkit::openStreams({{&onB, m_b->url(ssePath(id))}, {&onC, m_c->url(ssePath(id))}}));
    QCOMPARE(onB.status(), 200);
    ServiceProcess *instances[] = {m_a.get(), m_b.get(), m_c.get()};
    for (int i = 1; i <= 9; ++i) {
        QCOMPARE(publish(*instances[i % 3], id, eventJson(QStringLiteral("e%1").arg(i))), i);
        QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), range(1, i), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(onC.sequence(), range(1, i), 5000);
    }
    QCOMPARE(onB.jsonEvents().at(4).value("message").toString(), QStringLiteral("e5"));
    QCOMPARE(onB.rawBody(), onC.rawBody());
    QCOMPARE(publish(*m_c, id, eventJson(QStringLiteral("done"), QStringLiteral("completed"))), 10);
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(onC.isFinished(), 5000);
    QCOMPARE(onB.sequence(), range(1, 10));
    const QJsonObject summary
        = m_http.get(m_a->url(QStringLiteral("/api/admin/sessions/%1").arg(id))).json();
    QCOMPARE(summary.value("state").toString(), QStringLiteral("completed"));
    QCOMPARE(summary.value("event_count").toInteger(), 10);
    QCOMPARE(publish(*m_b, id, eventJson(QStringLiteral("late"))), -409);
    QCOMPARE(m_http.get(m_c->url(ssePath(id)), {{"Last-Event-ID", "10"}}).status, 204);
}

// An instance receives the events of the sessions it streams and nothing of the others':
// its Redis input (bytes read on its subscriber connections) stays flat while other
// instances' sessions carry traffic, and grows with a session once it streams it.
void tst_RedisCluster::noEventTrafficWithoutSubscribers()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_c));
    const QString id = startSession(*m_a);
    QVERIFY(!id.isEmpty());
    RawSseClient onA;
    onA.open(m_a->url(ssePath(id)));
    const QString padding(240, QLatin1Char('x')); // events of about 300 bytes as SSE frames
    QCOMPARE(publish(*m_a, id, eventJson(QStringLiteral("first ") + padding)), 1);
    QTRY_COMPARE_WITH_TIMEOUT(onA.sequence(), QList<qint64> {1}, 5000);

    constexpr int events = 200;
    testkit::LiveInput input;
    QVERIFY(testkit::measureLiveInput(m_http, *m_a, *m_a, *m_c, onA, id, 2, events, &input));
    const qint64 frameBytes = input.frameBytes;
    QVERIFY2(input.streaming >= events * frameBytes, qPrintable(QString::number(input.streaming)));
    // Only heartbeat answers (a PONG per master and second): nothing per event.
    QVERIFY2(input.idle < 2000, qPrintable(QString::number(input.idle)));

    // Once C streams the session, it receives its events (and only those).
    RawSseClient onC;
    onC.open(m_c->url(ssePath(id)));
    QTRY_COMPARE_WITH_TIMEOUT(onC.sequence().size(), events + 1, 10000);
    const QString other = startSession(*m_a); // traffic C must not see
    QVERIFY(!other.isEmpty());
    const qint64 cWatching = testkit::subscriberBytes(m_http, *m_c);
    for (int i = 1; i <= 50; ++i) {
        QCOMPARE(publish(*m_a, id, eventJson(padding)), events + 1 + i);
        QCOMPARE(publish(*m_a, other, eventJson(padding)), i);
    }
    QTRY_COMPARE_WITH_TIMEOUT(onC.sequence().size(), events + 51, 10000);
    const qint64 cInputWatching = testkit::subscriberBytes(m_http, *m_c) - cWatching;
    qInfo().noquote() << QStringLiteral("streaming one of two sessions: %1 B for 50 of its events")
                             .arg(cInputWatching);
    QVERIFY2(cInputWatching >= 50 * frameBytes, qPrintable(QString::number(cInputWatching)));
    QVERIFY2(cInputWatching < 100 * frameBytes, qPrintable(QString::number(cInputWatching)));
}

// The store holds less than a client saw (as after a failover to a replica that missed
// writes): the client gets the store_reset gap, then what the store has and new events.
void tst_RedisCluster::storeResetGap()
{
    QVERIFY(startInstance(*m_a));
    const QString id = startSession(*m_a);
    QVERIFY(!id.isEmpty());
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(publish(*m_a, id, eventJson(QStringLiteral("old%1").arg(i))), i);
    // Events 4 and 5 are lost, as a replica that missed them would have lost them.
    const quint16 master = m_cluster.masterOfSlot(slotOf(id));
    const QString stream = QStringLiteral("ssebuf:{%1}:e").arg(id);
    QCOMPARE(
        m_cluster.cli(
            master, {QStringLiteral("XDEL"), stream, QStringLiteral("4-0"), QStringLiteral("5-0")}),
        QByteArray("2"));
    QCOMPARE(m_cluster.cli(master, {QStringLiteral("XSETID"), stream, QStringLiteral("3-0")}),
             QByteArray("OK"));
    QCOMPARE(m_cluster.cli(master,
                           {QStringLiteral("HSET"), QString::fromUtf8(metaKey(id)),
                            QStringLiteral("last_seq"), QStringLiteral("3"),
                            QStringLiteral("count"), QStringLiteral("3")}),
             QByteArray("0"));

    RawSseClient resumed;
    resumed.open(m_a->url(ssePath(id)), {{"Last-Event-ID", "5"}});
    QTRY_COMPARE_WITH_TIMEOUT(resumed.jsonEvents().size(), 1, 5000);
    const QJsonObject gap = resumed.jsonEvents().first();
    QCOMPARE(gap.value("type").toString(), QStringLiteral("gap"));
    QCOMPARE(gap.value("reason").toString(), QStringLiteral("store_reset"));
    QCOMPARE(gap.value("missed_from").toInteger(), 4);
    QCOMPARE(gap.value("missed_to").toInteger(), 5);
    QVERIFY(!resumed.events().first().hasId);
    // The stream goes on from what the store has: the next event is seq 4, new content.
    QCOMPARE(publish(*m_a, id, eventJson(QStringLiteral("new4"))), 4);
    QTRY_COMPARE_WITH_TIMEOUT(resumed.sequence(), QList<qint64> {4}, 5000);
    QCOMPARE(resumed.jsonEvents().last().value("message").toString(), QStringLiteral("new4"));
}

// Batches and idempotency keys (contract sections 10, 11) on the cluster: the keys live in
// the session's slot, so a retry through another instance is a duplicate.
void tst_RedisCluster::batchAndIdempotencyOnCluster()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(*m_a);
    QVERIFY(!id.isEmpty());
    RawSseClient onB;
    onB.open(m_b->url(ssePath(id)));
    QTRY_VERIFY_WITH_TIMEOUT(onB.headersDone(), 5000);
    const QByteArray batch = QJsonDocument(QJsonArray {eventJson(QStringLiteral("b1")),
                                                       eventJson(QStringLiteral("b2")),
                                                       eventJson(QStringLiteral("b3"))})
                                 .toJson(QJsonDocument::Compact);
    const QList<QPair<QByteArray, QByteArray>> key {{"Idempotency-Key", "batch-1"}};
    const HttpTestReply first
        = m_http.post(m_a->url(eventsPath(id)), batch, "application/json", key);
    QCOMPARE(first.status, 201);
    QCOMPARE(first.json().value("first_seq").toInteger(), 1);
    QCOMPARE(first.json().value("last_seq").toInteger(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), range(1, 3), 5000);
    // The retry, through the other instance: nothing appended.
    const HttpTestReply retry
        = m_http.post(m_b->url(eventsPath(id)), batch, "application/json", key);
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.json().value("duplicate").toBool(), true);
    QCOMPARE(publish(*m_b, id, eventJson(QStringLiteral("after"))), 4);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), range(1, 4), 5000);
    const quint16 master = m_cluster.masterOfSlot(slotOf(id));
    QCOMPARE(m_cluster.cli(master,
                           {QStringLiteral("HEXISTS"), QStringLiteral("ssebuf:{%1}:k").arg(id),
                            QStringLiteral("batch-1")}),
             QByteArray("1"));
}

// The sweep: a session whose index entry is due but whose keys an event kept alive gets
// its real expiry back; one whose keys expired is removed everywhere, and its streams end.
void tst_RedisCluster::expiryAcrossMasters()
{
    const QStringList shortLived {QStringLiteral("--session-ttl"), QStringLiteral("2"),
                                  QStringLiteral("--sweep-interval"), QStringLiteral("1")};
    QVERIFY(startInstance(*m_a, shortLived));
    QVERIFY(startInstance(*m_b, shortLived));
    const QString kept = startSession(*m_a);
    const QString expiring = startSession(*m_a);
    QVERIFY(!kept.isEmpty() && !expiring.isEmpty());
    RawSseClient onB;
    onB.open(m_b->url(ssePath(expiring)));
    QTRY_VERIFY_WITH_TIMEOUT(onB.headersDone(), 5000);
    const QByteArray index = "ssebuf:{ssebuf}:sessions";
    const quint16 indexMaster = m_cluster.masterOfSlot(m_cluster.keySlot(index));
    // Events keep one session alive past the expiry its index entry was given.
    const double createdScore
        = m_cluster.cli(indexMaster, {QStringLiteral("ZSCORE"), QString::fromUtf8(index), kept})
              .toDouble();
    QVERIFY(createdScore > 0);
    QElapsedTimer clock;
    clock.start();
    int seq = 0;
    while (clock.elapsed() < 3500) {
        QCOMPARE(publish(*m_b, kept, eventJson(QStringLiteral("alive"))), ++seq);
        QTest::qWait(500);
    }
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 5000);
    QCOMPARE(m_http.get(m_a->url(ssePath(expiring))).status, 404);
    QCOMPARE(m_http.get(m_b->url(QStringLiteral("/api/admin/sessions/%1").arg(kept)))
                 .json()
                 .value("last_seq")
                 .toInteger(),
             seq);
    const double score
        = m_cluster.cli(indexMaster, {QStringLiteral("ZSCORE"), QString::fromUtf8(index), kept})
              .toDouble();
    // Still indexed, with a later expiry than its creation gave it (a sweep re-scored it).
    QVERIFY2(score > createdScore + 1000,
             qPrintable(QString::number(score - createdScore, 'f', 0)));
    QCOMPARE(
        m_cluster.cli(indexMaster, {QStringLiteral("ZSCORE"), QString::fromUtf8(index), expiring}),
        QByteArray());
    // Left alone, it goes too, from every instance and from the index.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_http.get(m_b->url(QStringLiteral("/api/admin/sessions/%1").arg(kept))).status, 404,
        10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_cluster.cli(indexMaster, {QStringLiteral("ZCARD"), QString::fromUtf8(index)}),
        QByteArray("0"), 5000);
}

// A producer publishes through two instances while `redis-cli --cluster reshard` moves the
// session's slot to another master: nothing acknowledged is lost, both streams carry
// 1..N in order, and the keys end up on the new master.
void tst_RedisCluster::slotMovedWhilePublishing()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    // reshard moves the lowest slots of its source: find a session among the first 300.
    QString id;
    int slot = -1;
    quint16 source = 0;
    int first = -1;
    for (int attempt = 0; attempt < 600 && id.isEmpty(); ++attempt) {
        const QString candidate = startSession(*m_a);
        QVERIFY(!candidate.isEmpty());
        const int candidateSlot = slotOf(candidate);
        const quint16 owner = m_cluster.masterOfSlot(candidateSlot);
        const int ownerFirst = m_cluster.firstSlotOf(owner);
        if (candidateSlot - ownerFirst < 300) {
            id = candidate;
            slot = candidateSlot;
            source = owner;
            first = ownerFirst;
        }
    }
    QVERIFY(!id.isEmpty());
    quint16 target = 0;
    for (quint16 master : m_cluster.masterPorts())
        target = master != source ? master : target;
    QVERIFY(target != 0);

    RawSseClient onA;
    RawSseClient onB;
    onA.open(m_a->url(ssePath(id)));
    onB.open(m_b->url(ssePath(id)));
    Producer producer({m_a->url(eventsPath(id)), m_b->url(eventsPath(id))}, 5);
    producer.start();
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= 20, 10000);

    QProcess reshard;
    reshard.setProcessChannelMode(QProcess::MergedChannels);
    reshard.start(QStringLiteral("redis-cli"),
                  {QStringLiteral("--cluster"), QStringLiteral("reshard"),
                   QStringLiteral("127.0.0.1:%1").arg(source), QStringLiteral("--cluster-from"),
                   QString::fromUtf8(m_cluster.nodeId(source)), QStringLiteral("--cluster-to"),
                   QString::fromUtf8(m_cluster.nodeId(target)), QStringLiteral("--cluster-slots"),
                   QString::number(slot - first + 1), QStringLiteral("--cluster-yes")});
    QTRY_VERIFY_WITH_TIMEOUT(reshard.state() == QProcess::NotRunning, 60000);
    QVERIFY2(reshard.exitCode() == 0, reshard.readAll().right(2000).constData());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.masterOfSlot(slot), target, 10000);
    const int before = int(producer.acknowledged.size());
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= before + 20, 10000);
    producer.stop();
    QTRY_VERIFY_WITH_TIMEOUT(producer.idle(), 15000);
    const qint64 last = producer.acknowledged.lastKey() + 1;
    QCOMPARE(publish(*m_b, id, eventJson(QStringLiteral("end"), QStringLiteral("completed"))),
             last);
    QCOMPARE(m_cluster.cli(target, {QStringLiteral("EXISTS"), QString::fromUtf8(metaKey(id))}),
             QByteArray("1"));

    QTRY_VERIFY_WITH_TIMEOUT(onA.isFinished(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 10000);
    QCOMPARE(onA.sequence(), range(1, last));
    QCOMPARE(onB.sequence(), range(1, last));
    QCOMPARE(onA.rawBody(), onB.rawBody());
    const QList<QJsonObject> seen = onA.jsonEvents();
    for (auto it = producer.acknowledged.cbegin(); it != producer.acknowledged.cend(); ++it)
        QCOMPARE(seen.at(it.key() - 1).value("message").toString(), it.value());
    qInfo() << "reshard moved" << slot - first + 1 << "slots;" << last << "events,"
            << producer.refused << "publishes refused and retried";
}

// The master of a streamed session is SIGKILLed while a producer publishes with
// --redis-wait-replicas 1: its replica takes over, the instances follow without a
// restart, the streams carry every acknowledged event (and no seq twice), and the
// killed node comes back as a replica.
void tst_RedisCluster::masterKilledMidStream()
{
    const QStringList wait {QStringLiteral("--redis-wait-replicas"), QStringLiteral("1")};
    QVERIFY(startInstance(*m_a, wait));
    QVERIFY(startInstance(*m_b, wait));
    QVERIFY(startInstance(*m_c, wait));
    const QString id = startSession(*m_a);
    QVERIFY(!id.isEmpty());
    const int slot = slotOf(id);
    const quint16 victim = m_cluster.masterOfSlot(slot);
    QVERIFY(victim != 0);

    ResumingClient onA(m_a->url(ssePath(id)));
    ResumingClient onB(m_b->url(ssePath(id)));
    onA.open();
    onB.open();
    Producer producer({m_c->url(eventsPath(id)), m_a->url(eventsPath(id))}, 10);
    producer.start();
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= 20, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(onA.sequence().size() >= 20, 10000);

    m_cluster.kill(victim);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster.masterOfSlot(slot) != victim && m_cluster.masterOfSlot(slot) != 0, 20000);
    const quint16 promoted = m_cluster.masterOfSlot(slot);
    // Back as a replica of the promoted one, so that WAIT 1 can be satisfied again.
    QVERIFY(m_cluster.restart(victim));
    const int before = int(producer.acknowledged.size());
    QTRY_VERIFY_WITH_TIMEOUT(producer.acknowledged.size() >= before + 20, 30000);
    producer.stop();
    QTRY_VERIFY_WITH_TIMEOUT(producer.idle(), 15000);
    // Both publishing instances logged the slot map with the promoted master in it.
    const auto loggedMapWith = [](ServiceProcess &service, quint16 master) {
        const QByteArray owner = "127.0.0.1:" + QByteArray::number(master) + ' ';
        for (const QByteArray &line : service.output().split('\n')) {
            if (line.contains("cluster slot map from") && line.contains(owner))
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(loggedMapWith(*m_a, promoted), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(loggedMapWith(*m_c, promoted), 5000);

    // The promoted master has its replica back (WAIT 1 can be met), then the terminal event.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_cluster.cli(promoted, {QStringLiteral("INFO"), QStringLiteral("replication")})
            .contains(QStringLiteral("port=%1,state=online").arg(victim).toUtf8()),
        20000);
    const qint64 last
        = publish(*m_b, id, eventJson(QStringLiteral("end"), QStringLiteral("completed")));
    QVERIFY2(last > 0, qPrintable(QString::number(last)));
    QTRY_VERIFY_WITH_TIMEOUT(onA.isFinished(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 15000);
    QCOMPARE(onA.sequence(), range(1, last));
    QCOMPARE(onB.sequence(), range(1, last));
    QList<QJsonObject> seen;
    for (const QJsonObject &event : onA.events()) {
        QVERIFY2(event.value("type").toString() != QLatin1String("gap"),
                 QJsonDocument(event).toJson().constData());
        seen.append(event);
    }
    // Nothing acknowledged is lost: each acknowledged seq carries its message.
    for (auto it = producer.acknowledged.cbegin(); it != producer.acknowledged.cend(); ++it)
        QCOMPARE(seen.at(it.key() - 1).value("message").toString(), it.value());
    qInfo() << "master" << victim << "->" << promoted << ":" << producer.acknowledged.size()
            << "acknowledged," << producer.refused << "refused during the failover; streams on A"
            << onA.connections() << "and B" << onB.connections() << "connections";
}

QTEST_GUILESS_MAIN(tst_RedisCluster)
#include "tst_rediscluster.moc"
