// SessionManager in-process over a MemoryStore: session ids, the answer before the
// producer, publishing, the session limit, the demo producer running a session to its end,
// oversized producer events replaced by a note, and producers stopped when their session
// goes or the service stops.
#include "pipeline/demopipeline.h"
#include "pipeline/externalpipeline.h"
#include "session/sessionmanager.h"
#include "store/memorystore.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <optional>

using namespace ssebuf;

namespace {

StartRequest request(const QString &prompt)
{
    StartRequest request;
    request.userId = QStringLiteral("u1");
    request.prompt = prompt;
    request.mode = QStringLiteral("autonomous");
    return request;
}

EventDraft draft(const QString &message, SessionState status = SessionState::Running)
{
    EventDraft draft;
    draft.type = QStringLiteral("progress");
    draft.status = status;
    draft.message = message;
    draft.final = isTerminal(status);
    return draft;
}

// A producer the test drives: it emits what the test tells it to.
class ScriptedProducer : public SessionProducer
{
    Q_OBJECT
public:
    using SessionProducer::SessionProducer;
    void start() override { started = true; }
    void stop() override { stopped = true; }
    bool started = false;
    bool stopped = false;
};

class ScriptedPipeline : public Pipeline
{
public:
    QString name() const override { return QStringLiteral("scripted"); }
    SessionProducer *createProducer(const QString &, const StartRequest &, QObject *parent) override
    {
        last = new ScriptedProducer(parent);
        return last;
    }
    QPointer<ScriptedProducer> last;
};

// A manager over a memory store with these limits and a scripted pipeline.
struct ScriptedRig
{
    explicit ScriptedRig(const RetentionPolicy &policy)
        : store(policy)
        , manager(&store, &pipeline)
    {
    }
    MemoryStore store;
    ScriptedPipeline pipeline;
    SessionManager manager;
};

} // namespace

class tst_SessionManager : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sessionIdFormat();
    void startCreatesTheSession();
    void answerComesBeforeTheFirstEvent();
    void publishAppends();
    void fullStoreStartsNothing();
    void demoSessionRunsToCompletion();
    void oversizedProducerEventIsReplaced();
    void deletingTheSessionStopsItsProducer();
    void stopAllStopsEveryProducer();

private:
    static StartOutcome start(SessionManager &manager, const StartRequest &request);
};

StartOutcome tst_SessionManager::start(SessionManager &manager, const StartRequest &request)
{
    std::optional<StartOutcome> outcome;
    manager.startSession(request, [&outcome](const StartOutcome &o) { outcome = o; });
    // The memory store answers at once.
    return outcome.value_or(StartOutcome {});
}

void tst_SessionManager::sessionIdFormat()
{
    // 2026-11-25T06:22:56.413Z
    const QString id = SessionManager::newSessionId(1795587776413);
    const QRegularExpression format(QStringLiteral("^session_20261125_062256_[0-9a-f]{32}$"));
    QVERIFY2(format.match(id).hasMatch(), qPrintable(id));
    QVERIFY(SessionManager::newSessionId(1795587776413) != id);
}

void tst_SessionManager::startCreatesTheSession()
{
    MemoryStore store(RetentionPolicy {});
    ExternalPipeline pipeline;
    SessionManager manager(&store, &pipeline);
    QSignalSpy created(&store, &SessionStore::sessionCreated);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const StartOutcome outcome = start(manager, request(QStringLiteral("refactor it")));
    QCOMPARE(outcome.status, CreateStatus::Created);
    QVERIFY(outcome.createdAtMs >= before);
    QVERIFY(outcome.sessionId.startsWith(QStringLiteral("session_")));
    QCOMPARE(created.count(), 1);
    const auto summary = created.at(0).at(0).value<SessionSummary>();
    QCOMPARE(summary.sessionId, outcome.sessionId);
    QCOMPARE(summary.userId, QStringLiteral("u1"));
    QCOMPARE(summary.mode, QStringLiteral("autonomous"));
    QCOMPARE(sessionStateName(summary.state), QStringLiteral("running"));
    QCOMPARE(summary.createdAtMs, outcome.createdAtMs);
    // External: no producer, events come from the publish API only.
    QCOMPARE(manager.runningProducers(), 0);
}

void tst_SessionManager::answerComesBeforeTheFirstEvent()
{
    MemoryStore store(RetentionPolicy {});
    ScriptedPipeline pipeline;
    SessionManager manager(&store, &pipeline);
    QStringList order;
    connect(&store, &SessionStore::eventAppended, this,
            [&order] { order.append(QStringLiteral("event")); });
    manager.startSession(request(QStringLiteral("p")), [&order, &pipeline](const StartOutcome &) {
        order.append(QStringLiteral("answer"));
        QVERIFY(!pipeline.last); // the producer is created after the answer
    });
    QVERIFY(pipeline.last);
    QVERIFY(pipeline.last->started);
    Q_EMIT pipeline.last->eventProduced(draft(QStringLiteral("first")));
    QCOMPARE(order, (QStringList {QStringLiteral("answer"), QStringLiteral("event")}));
    QCOMPARE(manager.runningProducers(), 1);
}

void tst_SessionManager::publishAppends()
{
    MemoryStore store(RetentionPolicy {});
    ExternalPipeline pipeline;
    SessionManager manager(&store, &pipeline);
    const StartOutcome outcome = start(manager, request(QStringLiteral("p")));
    QList<AppendResult> results;
    auto collect = [&results](const AppendResult &result) { results.append(result); };
    manager.publish(outcome.sessionId, draft(QStringLiteral("one")), collect);
    manager.publish(outcome.sessionId, draft(QStringLiteral("two"), SessionState::Completed),
                    collect);
    manager.publish(outcome.sessionId, draft(QStringLiteral("three")), collect);
    manager.publish(QStringLiteral("session_unknown"), draft(QStringLiteral("x")), collect);
    QCOMPARE(results.size(), 4);
    QCOMPARE(results.at(0).status, AppendStatus::Appended);
    QCOMPARE(results.at(0).event->seq, 1);
    QCOMPARE(results.at(1).status, AppendStatus::Appended);
    QCOMPARE(results.at(1).event->seq, 2);
    QVERIFY(results.at(1).event->final);
    QCOMPARE(results.at(2).status, AppendStatus::Ended);
    QCOMPARE(results.at(3).status, AppendStatus::NotFound);
}

void tst_SessionManager::fullStoreStartsNothing()
{
    RetentionPolicy policy;
    policy.maxSessions = 1;
    ScriptedRig rig(policy);
    QCOMPARE(start(rig.manager, request(QStringLiteral("p"))).status, CreateStatus::Created);
    QPointer<ScriptedProducer> first = rig.pipeline.last;
    rig.pipeline.last.clear();
    const StartOutcome second = start(rig.manager, request(QStringLiteral("p")));
    QCOMPARE(second.status, CreateStatus::Full);
    QVERIFY(!rig.pipeline.last);
    QCOMPARE(rig.manager.runningProducers(), 1);
    QVERIFY(first);
}

void tst_SessionManager::demoSessionRunsToCompletion()
{
    MemoryStore store(RetentionPolicy {});
    DemoPipeline pipeline(5);
    SessionManager manager(&store, &pipeline);
    QSignalSpy ended(&store, &SessionStore::sessionEnded);
    QSignalSpy appended(&store, &SessionStore::eventAppended);
    const StartOutcome outcome = start(manager, request(QStringLiteral("refactor the parser")));
    QCOMPARE(outcome.status, CreateStatus::Created);
    QCOMPARE(manager.runningProducers(), 1);
    QVERIFY(ended.wait(10000));
    const auto summary = ended.at(0).at(0).value<SessionSummary>();
    QCOMPARE(summary.sessionId, outcome.sessionId);
    QCOMPARE(sessionStateName(summary.state), QStringLiteral("completed"));
    QCOMPARE(summary.lastSeq, qint64(appended.count()));
    QVERIFY(appended.count() >= 2);
    const auto last = appended.last().at(1).value<EventPtr>();
    QVERIFY(last->final);
    QCOMPARE(sessionStateName(last->status), QStringLiteral("completed"));
    QTRY_COMPARE_WITH_TIMEOUT(manager.runningProducers(), 0, 5000);
}

void tst_SessionManager::oversizedProducerEventIsReplaced()
{
    RetentionPolicy policy;
    policy.maxBufferBytes = 4096;
    ScriptedRig rig(policy);
    QSignalSpy appended(&rig.store, &SessionStore::eventAppended);
    const StartOutcome outcome = start(rig.manager, request(QStringLiteral("p")));
    QVERIFY(rig.pipeline.last);
    EventDraft big = draft(QString(8000, QLatin1Char('m')), SessionState::Failed);
    big.data = QJsonObject {{QStringLiteral("k"), QStringLiteral("v")}};
    Q_EMIT rig.pipeline.last->eventProduced(big);
    QCOMPARE(appended.count(), 1);
    const auto event = appended.at(0).at(1).value<EventPtr>();
    QCOMPARE(sessionStateName(event->status), QStringLiteral("failed"));
    QVERIFY(event->final);
    QVERIFY(event->json.contains("--max-buffer-bytes"));
    QVERIFY(!event->json.contains("\"data\""));
    // The terminal event still ended the session.
    std::optional<SessionSummary> summary;
    rig.store.findSession(outcome.sessionId,
                          [&summary](const std::optional<SessionSummary> &s) { summary = s; });
    QVERIFY(summary);
    QCOMPARE(sessionStateName(summary->state), QStringLiteral("failed"));
}

void tst_SessionManager::deletingTheSessionStopsItsProducer()
{
    MemoryStore store(RetentionPolicy {});
    ScriptedPipeline pipeline;
    SessionManager manager(&store, &pipeline);
    const StartOutcome outcome = start(manager, request(QStringLiteral("p")));
    QPointer<ScriptedProducer> producer = pipeline.last;
    QVERIFY(producer);
    bool found = false;
    store.deleteSession(outcome.sessionId, [&found](bool f) { found = f; });
    QVERIFY(found);
    QVERIFY(producer->stopped);
    QCOMPARE(manager.runningProducers(), 0);
    // Deleted later, never inside the signal that removed it.
    QTRY_VERIFY_WITH_TIMEOUT(!producer, 5000);
}

void tst_SessionManager::stopAllStopsEveryProducer()
{
    MemoryStore store(RetentionPolicy {});
    ScriptedPipeline pipeline;
    SessionManager manager(&store, &pipeline);
    start(manager, request(QStringLiteral("a")));
    QPointer<ScriptedProducer> a = pipeline.last;
    start(manager, request(QStringLiteral("b")));
    QPointer<ScriptedProducer> b = pipeline.last;
    QCOMPARE(manager.runningProducers(), 2);
    manager.stopAll();
    QCOMPARE(manager.runningProducers(), 0);
    QVERIFY(a && a->stopped);
    QVERIFY(b && b->stopped);
    QTRY_VERIFY_WITH_TIMEOUT(!a && !b, 5000);
}

QTEST_GUILESS_MAIN(tst_SessionManager)
#include "tst_sessionmanager.moc"
