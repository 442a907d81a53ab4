// The Redis store against real processes: one redis-server on a free loopback port and two
// ssebufd instances pointed at it (issue 4, contract section 7, docs/redis.md). Every
// producer is the publish API (--pipeline external), so each test decides exactly which
// instance appends which event.

#include "httptestclient.h"
#include "liveinputtestkit.h"
#include "rawsseclient.h"
#include "redisprocess.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace testkit;

namespace {

// Every session of these tests is started by this user.
const QJsonObject kStartBody
    = startBody(QStringLiteral("refactor my code"),
                {{QStringLiteral("user_id"), QStringLiteral("redis_test_user")}});

// calls=N of one command in INFO commandstats (commands run by scripts count too).
qint64 commandCalls(const QByteArray &commandStats, const QByteArray &command)
{
    const QByteArray prefix = "cmdstat_" + command + ":calls=";
    const qsizetype at = commandStats.indexOf(prefix);
    if (at < 0)
        return 0;
    const qsizetype start = at + prefix.size();
    return commandStats.mid(start, commandStats.indexOf(',', start) - start).toLongLong();
}

} // namespace

class tst_RedisInstances : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void liveAcrossInstances();
    void noEventTrafficWithoutSubscribers();
    void adminFeedListsAgainAfterLostSubscription();
    void concurrentAppendsKeepSeqContiguous();
    void liveDeliveryReadsNothingPerEvent();
    void sigkilledInstanceFailover();
    void restartedInstanceFindsSessions();
    void limitsHoldAcrossInstances();
    void removalReachesEveryInstance();
    void invalidUrlRefusesToStart();
    void redisOutageAndRecovery();

private:
    // Starts ssebufd on the test's Redis with --pipeline external plus extra, and waits
    // until its /healthz says the store is reachable.
    bool startInstance(ServiceProcess &service, const QStringList &extra = {});
    int health(ServiceProcess &service);
    // PUBSUB NUMSUB of a session's live channel: the instances that stream it.
    int liveSubscribers(const QString &id) const;

    RedisProcess m_redis;
    HttpTestClient m_http;
    // Instances of the running test; fresh for each test.
    std::unique_ptr<ServiceProcess> m_a;
    std::unique_ptr<ServiceProcess> m_b;
};

void tst_RedisInstances::initTestCase()
{
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed (apt-get install redis-server)");
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
}

void tst_RedisInstances::init()
{
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QCOMPARE(m_redis.cli({QStringLiteral("FLUSHALL")}), QByteArray("OK"));
    m_a = std::make_unique<ServiceProcess>();
    m_b = std::make_unique<ServiceProcess>();
}

void tst_RedisInstances::cleanup()
{
    stopInstances({&m_a, &m_b});
}

bool tst_RedisInstances::startInstance(ServiceProcess &service, const QStringList &extra)
{
    return startStoreInstance(m_http, service, m_redis.url(), extra);
}

int tst_RedisInstances::health(ServiceProcess &service)
{
    return m_http.get(service.url(QStringLiteral("/healthz"))).status;
}

// A session started on A is streamed, live, from B; events appended on either instance
// reach subscribers of both, in seq order, once each.
void tst_RedisInstances::liveAcrossInstances()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());

    RawSseClient onB;
    RawSseClient onA;
    QVERIFY(openStreams({{&onB, m_b->url(ssePath(id))}, {&onA, m_a->url(ssePath(id))}}));
    QCOMPARE(onB.status(), 200);
    QCOMPARE(onB.header("content-type"), QByteArray("text/event-stream"));
    QCOMPARE(onB.sequence(), QList<qint64> {});

    // Appended on A after B's client connected: only the live path can bring it to B.
    QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("one")))
                 .json()
                 .value("seq")
                 .toInteger(),
             1);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), QList<qint64> {1}, 5000);
    QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("two")))
                 .json()
                 .value("seq")
                 .toInteger(),
             2);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), (QList<qint64> {1, 2}), 5000);
    // And the other way round.
    QCOMPARE(postEvent(m_http, *m_b, id, messageEvent(QStringLiteral("three")))
                 .json()
                 .value("seq")
                 .toInteger(),
             3);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), range(1, 3), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(onA.sequence(), range(1, 3), 5000);

    const QJsonObject third = onB.jsonEvents().at(2);
    QCOMPARE(third.value("session_id").toString(), id);
    QCOMPARE(third.value("seq").toInteger(), 3);
    QCOMPARE(third.value("message").toString(), QStringLiteral("three"));
    QCOMPARE(third.value("type").toString(), QStringLiteral("progress"));
    QCOMPARE(onA.rawBody(), onB.rawBody()); // the very same bytes from both instances

    // The terminal event, appended on A, ends the streams of both instances.
    QCOMPARE(postEvent(m_http, *m_a, id,
                       messageEvent(QStringLiteral("done"), QStringLiteral("completed")))
                 .status,
             201);
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(onA.isFinished(), 5000);
    QCOMPARE(onB.sequence(), range(1, 4));
    QCOMPARE(onB.jsonEvents().last().value("final").toBool(), true);

    // Both instances see the same summary; B learnt the session ended from A's append.
    const QJsonObject onBSummary = fetchSummary(m_http, *m_b, id);
    QCOMPARE(onBSummary.value("state").toString(), QStringLiteral("completed"));
    QCOMPARE(onBSummary.value("event_count").toInteger(), 4);
    QCOMPARE(onBSummary.value("first_seq").toInteger(), 1);
    QCOMPARE(onBSummary.value("user_id").toString(), QStringLiteral("redis_test_user"));
    // buffered_bytes counts the encoded SSE frames: exactly what a full replay carries.
    QCOMPARE(onBSummary.value("buffered_bytes").toInteger(),
             qint64(onB.rawBody().size() - QByteArrayLiteral("retry: 3000\n\n").size()));
    QCOMPARE(fetchSummary(m_http, *m_a, id).value("updated_at"), onBSummary.value("updated_at"));

    // Appending to the ended session is refused by either instance.
    QCOMPARE(postEvent(m_http, *m_b, id, messageEvent(QStringLiteral("late"))).status, 409);
    // Resuming from the last id of a finished session: 204 (browsers stop reconnecting).
    QCOMPARE(m_http.get(m_b->url(ssePath(id)), {{"Last-Event-ID", "4"}}).status, 204);
}

// Two instances appending to one session at the same time: the store hands out seq 1..N
// exactly once each, and every subscriber receives them in order.
int tst_RedisInstances::liveSubscribers(const QString &id) const
{
    const QList<QByteArray> answer = m_redis
                                         .cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"),
                                               QStringLiteral("ssebuf:live:0:") + id})
                                         .split('\n');
    return answer.size() == 2 ? answer.at(1).toInt() : -1;
}

// Contract section 17 on a single node: an instance subscribes to a session's own channel
// only while it streams the session (first stream to last), so an instance that streams
// nothing receives none of the events of another instance's session.
void tst_RedisInstances::noEventTrafficWithoutSubscribers()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    QCOMPARE(liveSubscribers(id), 0);
    RawSseClient onA;
    QVERIFY(openStream(onA, sseUrl(*m_a, id)));
    QTRY_COMPARE_WITH_TIMEOUT(liveSubscribers(id), 1, 5000);
    const QString padding(240, QLatin1Char('x')); // events of about 300 bytes as SSE frames
    QCOMPARE(publishSeq(m_http, *m_a, id, messageEvent(QStringLiteral("first ") + padding)), 1);
    QTRY_COMPARE_WITH_TIMEOUT(onA.sequence(), QList<qint64> {1}, 5000);

    constexpr int events = 200;
    LiveInput input;
    QVERIFY(measureLiveInput(m_http, *m_a, *m_a, *m_b, onA, id, 2, events, &input));
    QVERIFY2(input.streaming >= events * input.frameBytes,
             qPrintable(QString::number(input.streaming)));
    // Only heartbeat answers (a PONG a second): nothing per event.
    QVERIFY2(input.idle < 1000, qPrintable(QString::number(input.idle)));

    // B streams it too: both subscribe, and B gets the next events live.
    RawSseClient onB;
    QVERIFY(openStream(onB, sseUrl(*m_b, id)));
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence().size(), events + 1, 10000);
    QCOMPARE(liveSubscribers(id), 2);
    QCOMPARE(publishSeq(m_http, *m_a, id, messageEvent(QStringLiteral("both"))), events + 2);
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence().size(), events + 2, 5000);
    // Their last streams end: each instance unsubscribes.
    onB.close();
    QTRY_COMPARE_WITH_TIMEOUT(liveSubscribers(id), 1, 5000);
    onA.close();
    QTRY_COMPARE_WITH_TIMEOUT(liveSubscribers(id), 0, 5000);
}

// Lifecycle messages published while an instance's subscription was down are lost to it:
// once subscribed again, its admin stream gets a fresh snapshot, which lists them.
void tst_RedisInstances::adminFeedListsAgainAfterLostSubscription()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    RawSseClient admin;
    QVERIFY(openStream(admin, m_b->url(QStringLiteral("/api/admin/stream"))));
    int cursor = 0;
    QVERIFY(!waitForMessage(admin, kindIs(QStringLiteral("snapshot")), &cursor).isEmpty());
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    QVERIFY(
        !waitForMessage(admin, kindIs(QStringLiteral("session_created"), id), &cursor).isEmpty());
    QVERIFY(!m_redis
                 .cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"), QStringLiteral("TYPE"),
                       QStringLiteral("pubsub")})
                 .isEmpty());
    const QJsonObject snapshot = waitForMessage(admin, kindIs(QStringLiteral("snapshot")), &cursor);
    QVERIFY2(!snapshot.isEmpty(), admin.rawBody().constData());
    QCOMPARE(findSummary(snapshot.value("sessions").toArray(), id).value("state").toString(),
             QStringLiteral("running"));
    QVERIFY(!admin.isFinished());
}

void tst_RedisInstances::concurrentAppendsKeepSeqContiguous()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    RawSseClient onB;
    onB.open(m_b->url(ssePath(id)));

    constexpr int perInstance = 100;
    QNetworkAccessManager managerA;
    QNetworkAccessManager managerB;
    QList<QNetworkReply *> replies;
    for (int i = 0; i < perInstance; ++i) {
        for (auto [manager, service] :
             {std::pair {&managerA, m_a.get()}, std::pair {&managerB, m_b.get()}}) {
            QNetworkRequest request(service->url(eventsPath(id)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
            replies.append(manager->post(
                request, QJsonDocument(messageEvent(QStringLiteral("m%1").arg(i))).toJson()));
        }
    }
    const auto allFinished = [&replies] {
        return std::all_of(replies.cbegin(), replies.cend(),
                           [](QNetworkReply *reply) { return reply->isFinished(); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(), 30000);
    QList<qint64> seqs;
    for (QNetworkReply *reply : std::as_const(replies)) {
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
        seqs.append(QJsonDocument::fromJson(reply->readAll()).object().value("seq").toInteger());
        reply->deleteLater();
    }
    std::sort(seqs.begin(), seqs.end());
    QCOMPARE(seqs, range(1, 2 * perInstance)); // no seq twice, none skipped

    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence().size(), 2 * perInstance, 10000);
    QCOMPARE(onB.sequence(), range(1, 2 * perInstance));
    QCOMPARE(fetchSummary(m_http, *m_a, id).value("last_seq").toInteger(), 2 * perInstance);
}

// The live path fans out locally: N subscribers of a session on an instance cost Redis
// nothing per event beyond the append itself (no read per subscriber, none per instance).
void tst_RedisInstances::liveDeliveryReadsNothingPerEvent()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    constexpr int subscribers = 5;
    constexpr int events = 20;
    std::vector<std::unique_ptr<RawSseClient>> clients;
    for (int i = 0; i < subscribers; ++i) {
        clients.push_back(std::make_unique<RawSseClient>());
        QSignalSpy headers(clients.back().get(), &RawSseClient::headersReceived);
        clients.back()->open((i % 2 ? m_a : m_b)->url(ssePath(id)));
        QVERIFY(headers.wait(5000));
    }
    // A first event brings every subscriber past its initial replay read into the live
    // state; count from there.
    QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("e1"))).status, 201);
    for (const auto &client : clients)
        QTRY_COMPARE_WITH_TIMEOUT(client->sequence(), QList<qint64> {1}, 5000);
    QCOMPARE(m_redis.cli({QStringLiteral("CONFIG"), QStringLiteral("RESETSTAT")}),
             QByteArray("OK"));
    for (int i = 2; i <= events + 1; ++i)
        QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("e%1").arg(i))).status,
                 201);
    for (const auto &client : clients)
        QTRY_COMPARE_WITH_TIMEOUT(client->sequence(), range(1, events + 1), 5000);
    const QByteArray stats = m_redis.cli({QStringLiteral("INFO"), QStringLiteral("commandstats")});
    QCOMPARE(commandCalls(stats, "xadd"), qint64(events));
    QCOMPARE(commandCalls(stats, "publish"), qint64(events));
    QVERIFY2(commandCalls(stats, "xrange") == 0, stats.constData());
    QVERIFY2(commandCalls(stats, "hgetall") <= events, stats.constData()); // the append's own
}

// The instance a client streams from is SIGKILLed mid-session; the producer goes on through
// the other one, and the client, resuming there with Last-Event-ID, misses nothing.
void tst_RedisInstances::sigkilledInstanceFailover()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());

    RawSseClient first;
    first.open(m_a->url(ssePath(id)));
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("a%1").arg(i))).status,
                 201);
    QTRY_COMPARE_WITH_TIMEOUT(first.sequence(), range(1, 5), 5000);

    QSignalSpy firstFinished(&first, &RawSseClient::finished);
    m_a->kill(); // SIGKILL: no goodbye, no flush
    QVERIFY(first.isFinished() || firstFinished.wait(5000));

    // The producer carries on through B while the client is away...
    for (int i = 6; i <= 8; ++i)
        QCOMPARE(postEvent(m_http, *m_b, id, messageEvent(QStringLiteral("b%1").arg(i)))
                     .json()
                     .value("seq"),
                 QJsonValue(i));
    // ...and the client resumes on B from the last id it saw.
    const QByteArray lastSeen = QByteArray::number(first.sequence().last());
    RawSseClient resumed;
    resumed.open(m_b->url(ssePath(id)), {{"Last-Event-ID", lastSeen}});
    QTRY_COMPARE_WITH_TIMEOUT(resumed.sequence(), range(6, 8), 5000);
    QCOMPARE(resumed.status(), 200);
    // Live again, through B.
    QCOMPARE(postEvent(m_http, *m_b, id, messageEvent(QStringLiteral("b9"))).status, 201);
    QCOMPARE(postEvent(m_http, *m_b, id,
                       messageEvent(QStringLiteral("end"), QStringLiteral("completed")))
                 .status,
             201);
    QTRY_VERIFY_WITH_TIMEOUT(resumed.isFinished(), 5000);

    const QList<qint64> seen = first.sequence() + resumed.sequence();
    QCOMPARE(seen, range(1, 10)); // contiguous, nothing twice
    QStringList messages;
    for (const QJsonObject &json : first.jsonEvents() + resumed.jsonEvents())
        messages.append(json.value("message").toString());
    QCOMPARE(messages, QStringList({"a1", "a2", "a3", "a4", "a5", "b6", "b7", "b8", "b9", "end"}));
}

// An instance restarted (gracefully or not) finds its sessions where it left them.
void tst_RedisInstances::restartedInstanceFindsSessions()
{
    QVERIFY(startInstance(*m_a));
    const QString running = startSession(m_http, *m_a, kStartBody);
    const QString finished = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!running.isEmpty() && !finished.isEmpty());
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(
            postEvent(m_http, *m_a, running, messageEvent(QStringLiteral("r%1").arg(i))).status,
            201);
    QCOMPARE(postEvent(m_http, *m_a, finished,
                       messageEvent(QStringLiteral("bye"), QStringLiteral("failed")))
                 .status,
             201);
    QCOMPARE(m_a->terminate(), 0);

    m_a = std::make_unique<ServiceProcess>();
    QVERIFY(startInstance(*m_a));
    QJsonObject found = fetchSummary(m_http, *m_a, running);
    QCOMPARE(found.value("state").toString(), QStringLiteral("running"));
    QCOMPARE(found.value("event_count").toInteger(), 3);
    QCOMPARE(fetchSummary(m_http, *m_a, finished).value("state").toString(),
             QStringLiteral("failed"));

    RawSseClient client;
    client.open(m_a->url(ssePath(running)));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), range(1, 3), 5000);
    QCOMPARE(
        postEvent(m_http, *m_a, running, messageEvent(QStringLiteral("r4"))).json().value("seq"),
        QJsonValue(4));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), range(1, 4), 5000);

    // Same after SIGKILL.
    m_a->kill();
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    m_a = std::make_unique<ServiceProcess>();
    QVERIFY(startInstance(*m_a));
    QCOMPARE(fetchSummary(m_http, *m_a, running).value("event_count").toInteger(), 4);
    QCOMPARE(
        postEvent(m_http, *m_a, running, messageEvent(QStringLiteral("r5"))).json().value("seq"),
        QJsonValue(5));
}

// The retention limits of contract section 6 hold for the session as a whole, whichever
// instance appends: events, bytes, sessions.
void tst_RedisInstances::limitsHoldAcrossInstances()
{
    const QStringList limits {QStringLiteral("--max-events"),       QStringLiteral("5"),
                              QStringLiteral("--max-buffer-bytes"), QStringLiteral("2000"),
                              QStringLiteral("--max-sessions"),     QStringLiteral("3")};
    QVERIFY(startInstance(*m_a, limits));
    QVERIFY(startInstance(*m_b, limits));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    for (int i = 1; i <= 8; ++i) {
        ServiceProcess &via = i % 2 ? *m_a : *m_b;
        QCOMPARE(postEvent(m_http, via, id, messageEvent(QStringLiteral("e%1").arg(i))).status,
                 201);
    }
    QJsonObject state = fetchSummary(m_http, *m_b, id);
    QCOMPARE(state.value("event_count").toInteger(), 8);
    QCOMPARE(state.value("first_seq").toInteger(), 4);
    QCOMPARE(state.value("last_seq").toInteger(), 8);
    QCOMPARE(state.value("dropped_events").toInteger(), 3);
    // In Redis: one stream of the retained events, ids encoding seq, keys expiring with the
    // TTL counted from the last event.
    QCOMPARE(m_redis.cli({QStringLiteral("XLEN"), QStringLiteral("ssebuf:e:") + id}),
             QByteArray("5"));
    const QList<QByteArray> ids
        = m_redis
              .cli({QStringLiteral("XRANGE"), QStringLiteral("ssebuf:e:") + id, QStringLiteral("-"),
                    QStringLiteral("+")})
              .split('\n');
    QCOMPARE(ids.value(0), QByteArray("4-0"));
    const qint64 pttl
        = m_redis.cli({QStringLiteral("PTTL"), QStringLiteral("ssebuf:s:") + id}).toLongLong();
    QVERIFY2(pttl > 590000 && pttl <= 600000, QByteArray::number(pttl).constData());
    QCOMPARE(m_redis.cli({QStringLiteral("HGET"), QStringLiteral("ssebuf:s:") + id,
                          QStringLiteral("state")}),
             QByteArray("running"));

    // A replay from the start says what was evicted, then carries what is left.
    RawSseClient replay;
    replay.open(m_b->url(ssePath(id)));
    QTRY_COMPARE_WITH_TIMEOUT(replay.sequence(), range(4, 8), 5000);
    const QJsonObject gap = replay.jsonEvents().first();
    QCOMPARE(gap.value("type").toString(), QStringLiteral("gap"));
    QCOMPARE(gap.value("missed_from").toInteger(), 1);
    QCOMPARE(gap.value("missed_to").toInteger(), 3);
    const QByteArray body = replay.rawBody();
    QCOMPARE(state.value("buffered_bytes").toInteger(),
             qint64(body.size() - body.indexOf("id: 4\n")));

    // A big event makes room by evicting old ones until the bytes fit.
    const QString big(1500, QLatin1Char('x'));
    QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(big)).json().value("seq"), QJsonValue(9));
    state = fetchSummary(m_http, *m_a, id);
    QVERIFY2(state.value("buffered_bytes").toInteger() <= 2000,
             QJsonDocument(state).toJson().constData());
    QVERIFY(state.value("buffered_bytes").toInteger() > 1500);
    QCOMPARE(state.value("last_seq").toInteger(), 9);
    const qint64 firstKept = state.value("first_seq").toInteger();
    QVERIFY(firstKept > 4 && firstKept <= 9);
    QCOMPARE(state.value("dropped_events").toInteger(), firstKept - 1);
    QTRY_COMPARE_WITH_TIMEOUT(replay.sequence().last(), 9, 5000);

    // An event larger than the whole byte limit is refused and changes nothing.
    const HttpTestReply tooLarge
        = postEvent(m_http, *m_b, id, messageEvent(QString(2100, QLatin1Char('y'))));
    QCOMPARE(tooLarge.status, 422);
    QCOMPARE(tooLarge.json().value("error").toString(), QStringLiteral("event_too_large"));
    QCOMPARE(fetchSummary(m_http, *m_b, id).value("last_seq").toInteger(), 9);

    // --max-sessions counts the sessions of every instance.
    QVERIFY(!startSession(m_http, *m_b, kStartBody).isEmpty());
    QVERIFY(!startSession(m_http, *m_a, kStartBody).isEmpty());
    const HttpTestReply full = m_http.postJson(
        m_b->url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("u")},
                     {QStringLiteral("user_prompt"), QStringLiteral("one too many")}});
    QCOMPARE(full.status, 503);
    QCOMPARE(full.json().value("error").toString(), QStringLiteral("too_many_sessions"));
    QVERIFY(!full.header("Retry-After").isEmpty());
}

// Deletion on one instance and expiry end the streams of every instance.
void tst_RedisInstances::removalReachesEveryInstance()
{
    const QStringList shortLived {QStringLiteral("--session-ttl"), QStringLiteral("2"),
                                  QStringLiteral("--sweep-interval"), QStringLiteral("1")};
    QVERIFY(startInstance(*m_a, shortLived));
    QVERIFY(startInstance(*m_b, shortLived));

    const QString deleted = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!deleted.isEmpty());
    RawSseClient onB;
    QSignalSpy headers(&onB, &RawSseClient::headersReceived);
    onB.open(m_b->url(ssePath(deleted)));
    QVERIFY(headers.wait(5000));
    QCOMPARE(onB.status(), 200);
    QCOMPARE(m_http.sendCustom("DELETE", m_a->url(adminSessionPath(deleted))).status, 204);
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 5000);
    QCOMPARE(m_http.get(m_b->url(ssePath(deleted))).status, 404);
    QCOMPARE(postEvent(m_http, *m_b, deleted, messageEvent(QStringLiteral("late"))).status, 404);

    // Expiry: 2 s after its last event the session is gone everywhere, and the streams of
    // both instances end.
    const QString expiring = startSession(m_http, *m_b, kStartBody);
    QVERIFY(!expiring.isEmpty());
    QCOMPARE(postEvent(m_http, *m_b, expiring, messageEvent(QStringLiteral("only"))).status, 201);
    RawSseClient expiringOnA;
    expiringOnA.open(m_a->url(ssePath(expiring)));
    QTRY_COMPARE_WITH_TIMEOUT(expiringOnA.sequence(), QList<qint64> {1}, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(expiringOnA.isFinished(), 10000);
    QCOMPARE(m_http.get(m_a->url(ssePath(expiring))).status, 404);
    QCOMPARE(m_http.get(m_b->url(ssePath(expiring))).status, 404);
    QCOMPARE(m_redis.cli({QStringLiteral("ZCARD"), QStringLiteral("ssebuf:sessions")}),
             QByteArray("0"));
}

void tst_RedisInstances::invalidUrlRefusesToStart()
{
    ServiceProcess bad;
    QVERIFY(!bad.start({QStringLiteral("--store"), QStringLiteral("redis://127.0.0.1:6379/zero")}));
    QTRY_VERIFY_WITH_TIMEOUT(bad.process().state() == QProcess::NotRunning, 5000);
    QVERIFY2(bad.output().contains("invalid Redis URL"), bad.output().constData());
    QVERIFY(bad.process().exitCode() != 0);
}

// Redis goes away: /healthz 503, POST 503 with a clear error, open streams end. It comes
// back on the same address: the instances recover on their own.
void tst_RedisInstances::redisOutageAndRecovery()
{
    QVERIFY(startInstance(*m_a));
    QVERIFY(startInstance(*m_b));
    const QString id = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!id.isEmpty());
    QCOMPARE(postEvent(m_http, *m_a, id, messageEvent(QStringLiteral("before"))).status, 201);
    RawSseClient onB;
    onB.open(m_b->url(ssePath(id)));
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), QList<qint64> {1}, 5000);

    m_redis.kill();
    QTRY_COMPARE_WITH_TIMEOUT(health(*m_a), 503, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(health(*m_b), 503, 5000);
    QCOMPARE(m_http.get(m_b->url(QStringLiteral("/healthz"))).json().value("status").toString(),
             QStringLiteral("unavailable"));
    // The open stream ended cleanly: a normal end of the response after its last event.
    QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 5000);
    QCOMPARE(onB.sequence(), QList<qint64> {1});
    QCOMPARE(onB.socket()->error(), QAbstractSocket::RemoteHostClosedError);

    const HttpTestReply start = m_http.postJson(
        m_a->url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("u")},
                     {QStringLiteral("user_prompt"), QStringLiteral("refactor")}});
    QCOMPARE(start.status, 503);
    QCOMPARE(start.json().value("error").toString(), QStringLiteral("store_unavailable"));
    QVERIFY(start.json().value("message").toString().contains(QLatin1String("unreachable")));
    QVERIFY(!start.header("Retry-After").isEmpty());
    const HttpTestReply append
        = postEvent(m_http, *m_b, id, messageEvent(QStringLiteral("during")));
    QCOMPARE(append.status, 503);
    QCOMPARE(append.json().value("error").toString(), QStringLiteral("store_unavailable"));
    QCOMPARE(m_http.get(m_b->url(ssePath(id))).status, 503);

    // An instance started during the outage serves too, and reports the store missing.
    ServiceProcess late;
    QVERIFY2(late.start({QStringLiteral("--store"), m_redis.url(), QStringLiteral("--pipeline"),
                         QStringLiteral("external")}),
             qPrintable(late.errorText()));
    QCOMPARE(health(late), 503);

    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(health(*m_a), 200, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(health(*m_b), 200, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(health(late), 200, 15000);

    // Fully working again, across instances. (This Redis keeps nothing on disk, so the
    // session of before the outage is gone: see docs/redis.md on persistence.)
    const QString after = startSession(m_http, *m_a, kStartBody);
    QVERIFY(!after.isEmpty());
    RawSseClient live;
    live.open(m_b->url(ssePath(after)));
    QCOMPARE(
        postEvent(m_http, late, after, messageEvent(QStringLiteral("back"))).json().value("seq"),
        QJsonValue(1));
    QTRY_COMPARE_WITH_TIMEOUT(live.sequence(), QList<qint64> {1}, 5000);
    QVERIFY(m_a->output().contains("ssebuf.store: lost redis://127.0.0.1:"));
}

QTEST_GUILESS_MAIN(tst_RedisInstances)
#include "tst_redisinstances.moc"
