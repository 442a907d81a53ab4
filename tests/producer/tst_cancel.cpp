// Contract section 13 (cancel) over real ssebufd processes: memory store, and two instances
// on one Redis, where the cancel reaches the other instance's producer.

#include "processtestkit.h"
#include "producertest.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <csignal>

using namespace producertest;
using testkit::processAlive;

namespace {

// An exec producer that writes its pid, one event, then waits; on SIGTERM it notes it in
// DIR/term and exits, or, with "ignore", ignores it (and so needs the SIGKILL).
const char producerScript[] = R"sh(
dir="$1"
if [ "$2" = ignore ]; then
    trap '' TERM
else
    trap 'echo TERM >> "$dir/term"; exit 3' TERM
fi
echo $$ > "$dir/pid.tmp" && mv "$dir/pid.tmp" "$dir/pid"
echo '{"type":"progress","status":"running","message":"started"}'
while :; do sleep 0.05; done
)sh";

} // namespace

class tst_Cancel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void cancelEndsSessionAndStreams();
    void cancelWithoutBodySaysCancelled();
    void externalProducerGets409Cancelled();
    void cancelledSessionIsToldApart();
    void alreadyEndedIs409();
    void unknownIs404();
    void badBodyLeavesSessionRunning_data();
    void badBodyLeavesSessionRunning();
    void cancelNeedsPublishAccess();
    void execProducerGetsSigterm();
    void execProducerIgnoringSigtermIsKilledAfterGrace();
    void demoProducerStops();
    void cancelsAreCounted();

private:
    bool startExec(const QString &mode);
    qint64 producerPid();
    struct ExecRun
    {
        QString id;
        qint64 pid = 0;
        QElapsedTimer elapsed; // from the first event on
    };
    void startRunningExec(const QString &mode, ExecRun *run);

    Cluster m_cluster;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Cancel::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_Cancel::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
    m_dir.reset();
}

bool tst_Cancel::startExec(const QString &mode)
{
    m_dir = std::make_unique<QTemporaryDir>();
    QFile script(m_dir->filePath(QStringLiteral("producer.sh")));
    if (!script.open(QIODevice::WriteOnly) || script.write(producerScript) < 0)
        return false;
    script.close();
    return m_cluster.start(
        {QStringLiteral("--pipeline"),
         QStringLiteral("exec:/bin/sh %1 %2 %3").arg(script.fileName(), m_dir->path(), mode),
         QStringLiteral("--exec-kill-grace"), QStringLiteral("1")});
}

// Starts the exec cluster and a session whose producer has published its first event.
void tst_Cancel::startRunningExec(const QString &mode, ExecRun *run)
{
    QVERIFY(startExec(mode));
    run->id = m_cluster.startSession(m_cluster.a());
    run->pid = producerPid();
    QVERIFY(run->pid > 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.seqs(m_cluster.a(), run->id), QList<qint64> {1}, 5000);
    run->elapsed.start();
}

qint64 tst_Cancel::producerPid()
{
    QFile file(m_dir->filePath(QStringLiteral("pid")));
    if (!QTest::qWaitFor([&] { return file.exists(); }, 10000) || !file.open(QIODevice::ReadOnly))
        return -1;
    return file.readAll().trimmed().toLongLong();
}

// The service appends the terminal "cancelled" event itself; every open stream, on either
// instance, delivers it and ends.
void tst_Cancel::cancelEndsSessionAndStreams()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("working"))).status,
             201);
    RawSseClient onA;
    RawSseClient onB;
    QSignalSpy endA(&onA, &RawSseClient::finished);
    QSignalSpy endB(&onB, &RawSseClient::finished);
    onA.open(m_cluster.sseUrl(m_cluster.a(), id));
    onB.open(m_cluster.sseUrl(m_cluster.b(), id));
    QTRY_COMPARE_WITH_TIMEOUT(onB.sequence(), QList<qint64> {1}, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(onA.sequence(), QList<qint64> {1}, 5000);

    const HttpTestReply reply
        = m_cluster.cancel(m_cluster.b(), id, R"({"reason": "user pressed stop"})");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json(), (QJsonObject {{QStringLiteral("seq"), 2}}));
    QVERIFY(endA.count() > 0 || endA.wait(5000));
    QVERIFY(endB.count() > 0 || endB.wait(5000));
    for (RawSseClient *client : {&onA, &onB}) {
        QCOMPARE(client->sequence(), (QList<qint64> {1, 2}));
        const QJsonObject last = client->jsonEvents().last();
        QCOMPARE(last.value("type").toString(), QStringLiteral("cancelled"));
        QCOMPARE(last.value("status").toString(), QStringLiteral("failed"));
        QCOMPARE(last.value("final").toBool(), true);
        QCOMPARE(last.value("message").toString(), QStringLiteral("user pressed stop"));
        QCOMPARE(last.value("session_id").toString(), id);
    }
}

void tst_Cancel::cancelWithoutBodySaysCancelled()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.a(), id).json().value("seq").toInteger(), 1);
    const QJsonArray events = m_cluster.events(m_cluster.b(), id).json().value("events").toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value("message").toString(), QStringLiteral("cancelled"));
    // "{}" is an empty body too.
    const QString other = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.b(), other, "{}").status, 200);
}

void tst_Cancel::externalProducerGets409Cancelled()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.a(), id).status, 200);
    for (const QByteArray &body : {compact(eventJson(QStringLiteral("late"))),
                                   compact(QJsonArray {eventJson(QStringLiteral("late"))})}) {
        const HttpTestReply reply = m_cluster.publish(m_cluster.b(), id, body);
        QCOMPARE(reply.status, 409);
        QCOMPARE(reply.json().value("error").toString(), QStringLiteral("session_ended"));
        QCOMPARE(reply.json().value("reason").toString(), QStringLiteral("cancelled"));
    }
    // A session that ended by its own final event has no "reason": "cancelled".
    const QString other = m_cluster.startSession(m_cluster.a());
    QCOMPARE(
        m_cluster
            .publish(m_cluster.a(), other, eventJson(QStringLiteral("x"), QStringLiteral("failed")))
            .status,
        201);
    const HttpTestReply ended
        = m_cluster.publish(m_cluster.b(), other, eventJson(QStringLiteral("late")));
    QCOMPARE(ended.status, 409);
    QVERIFY(ended.json().value("reason").toString() != QLatin1String("cancelled"));
}

// Summaries and the admin stream say "cancelled"; the state stays one of the contract's.
void tst_Cancel::cancelledSessionIsToldApart()
{
    QVERIFY(m_cluster.start());
    RawSseClient admin;
    QSignalSpy adminHeaders(&admin, &RawSseClient::headersReceived);
    admin.open(m_cluster.b().url(ApiPaths::adminStream()));
    QVERIFY(adminHeaders.wait(5000));
    // Live messages follow the snapshot.
    QTRY_VERIFY_WITH_TIMEOUT(!admin.jsonEvents().isEmpty(), 5000);
    QCOMPARE(admin.jsonEvents().first().value("kind").toString(), QStringLiteral("snapshot"));
    const QString cancelled = m_cluster.startSession(m_cluster.a());
    const QString failed = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.a(), cancelled).status, 200);
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), failed,
                          eventJson(QStringLiteral("x"), QStringLiteral("failed")))
                 .status,
             201);
    const QJsonObject one = m_cluster.summary(m_cluster.b(), cancelled);
    QCOMPARE(one.value("state").toString(), QStringLiteral("failed"));
    QCOMPARE(one.value("cancelled").toBool(), true);
    QCOMPARE(one.value("ended_reason").toString(), QStringLiteral("cancelled"));
    const QJsonObject two = m_cluster.summary(m_cluster.b(), failed);
    QCOMPARE(two.value("state").toString(), QStringLiteral("failed"));
    QCOMPARE(two.value("cancelled").toBool(), false);
    QCOMPARE(two.value("ended_reason").toString(), QStringLiteral("failed"));

    auto endedReasons = [&admin] {
        QHash<QString, QString> reasons;
        for (const QJsonObject &message : admin.jsonEvents()) {
            if (message.value("kind").toString() == QLatin1String("session_ended"))
                reasons.insert(message.value("session").toObject().value("session_id").toString(),
                               message.value("reason").toString());
        }
        return reasons;
    };
    QTRY_COMPARE_WITH_TIMEOUT(endedReasons().size(), 2, 5000);
    QCOMPARE(endedReasons().value(cancelled), QStringLiteral("cancelled"));
    QCOMPARE(endedReasons().value(failed), QStringLiteral("failed"));
}

void tst_Cancel::alreadyEndedIs409()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.a(), id).status, 200);
    const HttpTestReply again = m_cluster.cancel(m_cluster.b(), id);
    QCOMPARE(again.status, 409);
    QCOMPARE(again.json().value("error").toString(), QStringLiteral("session_ended"));
    const QString completed = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), completed,
                          eventJson(QStringLiteral("done"), QStringLiteral("completed")))
                 .status,
             201);
    QCOMPARE(m_cluster.cancel(m_cluster.b(), completed).status, 409);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), completed), QList<qint64> {1});
}

void tst_Cancel::unknownIs404()
{
    QVERIFY(m_cluster.start());
    const HttpTestReply reply
        = m_cluster.cancel(m_cluster.a(), QStringLiteral("session_20260101_000000_unknown"));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("session_not_found"));
}

void tst_Cancel::badBodyLeavesSessionRunning_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field");
    QTest::newRow("reason 257 characters")
        << compact(QJsonObject {{"reason", QString(257, QLatin1Char('r'))}}) << 422
        << QStringLiteral("reason");
    QTest::newRow("reason a number")
        << QByteArray(R"({"reason": 5})") << 422 << QStringLiteral("reason");
    QTest::newRow("reason null") << QByteArray(R"({"reason": null})") << 422
                                 << QStringLiteral("reason");
    QTest::newRow("not JSON") << QByteArray("stop!") << 400 << QString();
    QTest::newRow("an array") << QByteArray(R"(["stop"])") << 400 << QString();
}

void tst_Cancel::badBodyLeavesSessionRunning()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, field);
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const HttpTestReply reply = m_cluster.cancel(m_cluster.a(), id, body);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.json().value("field").toString(), field);
    QCOMPARE(m_cluster.summary(m_cluster.b(), id).value("state").toString(),
             QStringLiteral("running"));
    // 256 characters are fine.
    QCOMPARE(m_cluster
                 .cancel(m_cluster.b(), id,
                         compact(QJsonObject {{"reason", QString(256, QLatin1Char('r'))}}))
                 .status,
             200);
}

void tst_Cancel::cancelNeedsPublishAccess()
{
    QTemporaryDir dir;
    const QString token = dir.filePath(QStringLiteral("token"));
    QVERIFY(testkit::writeFile(token, "s3cret\n"));
    QVERIFY(m_cluster.start({QStringLiteral("--admin-token-file"), token}));
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.cancel(m_cluster.a(), id).status, 401);
    QCOMPARE(m_cluster.cancel(m_cluster.a(), id, {}, {{"Authorization", "Bearer wrong"}}).status,
             403);
    QCOMPARE(m_cluster.cancel(m_cluster.b(), id, {}, {{"Authorization", "Bearer s3cret"}}).status,
             200);
}

// exec: the process group gets SIGTERM; a producer that exits on it is gone well within
// the grace. On Redis the cancel goes to the other instance than the one running it.
void tst_Cancel::execProducerGetsSigterm()
{
    ExecRun run;
    startRunningExec(QStringLiteral("exit"), &run);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_cluster.cancel(m_cluster.b(), run.id).json().value("seq").toInteger(), 2);
    QFile term(m_dir->filePath(QStringLiteral("term")));
    QTRY_VERIFY_WITH_TIMEOUT(term.exists(), 1000);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(run.pid), 1000);
    QVERIFY2(run.elapsed.elapsed() < 1000, qPrintable(QString::number(run.elapsed.elapsed())));
    // Its exit did not add a terminal event of its own.
    QCOMPARE(m_cluster.seqs(m_cluster.a(), run.id), (QList<qint64> {1, 2}));
    QCOMPARE(m_cluster.summary(m_cluster.a(), run.id).value("cancelled").toBool(), true);
}

void tst_Cancel::execProducerIgnoringSigtermIsKilledAfterGrace()
{
    ExecRun run;
    startRunningExec(QStringLiteral("ignore"), &run);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_cluster.cancel(m_cluster.b(), run.id).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(run.pid), 5000);
    // --exec-kill-grace 1: not before the grace, not long after it.
    QVERIFY2(run.elapsed.elapsed() >= 900, qPrintable(QString::number(run.elapsed.elapsed())));
    QVERIFY2(run.elapsed.elapsed() < 2500, qPrintable(QString::number(run.elapsed.elapsed())));
}

void tst_Cancel::demoProducerStops()
{
    QVERIFY(m_cluster.start({QStringLiteral("--pipeline"), QStringLiteral("demo"),
                             QStringLiteral("--demo-step-ms"), QStringLiteral("100")}));
    const QString id = m_cluster.startSession(m_cluster.a());
    QTRY_VERIFY_WITH_TIMEOUT(!m_cluster.seqs(m_cluster.a(), id).isEmpty(), 5000);
    const qint64 seq = m_cluster.cancel(m_cluster.b(), id).json().value("seq").toInteger();
    QVERIFY(seq > 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster.a().output().contains("stopping its producer"), 1000);
    QCOMPARE(m_cluster.summary(m_cluster.a(), id).value("last_seq").toInteger(), seq);
    // In one process the producer stops in the same pass as the cancel; across instances a
    // step may still be refused (409) before the notification arrives.
    if (!Cluster::onRedis())
        QVERIFY(!m_cluster.a().output().contains("not appended"));
}

void tst_Cancel::cancelsAreCounted()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.metric(m_cluster.a(), "ssebuf_sessions_cancelled_total"), 0);
    QCOMPARE(m_cluster.cancel(m_cluster.b(), id).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.metric(m_cluster.a(), "ssebuf_sessions_cancelled_total"), 1,
                              5000);
    QCOMPARE(m_cluster.metric(m_cluster.b(), "ssebuf_sessions_cancelled_total"), 1);
}

QTEST_GUILESS_MAIN(tst_Cancel)
#include "tst_cancel.moc"
