// The exec:COMMAND pipeline against the real ssebufd (docs/exec-pipeline.md): small
// producer scripts written at test time get the request on stdin and print events; the
// service turns lines into events, bad lines into "error" events, exit codes into the
// terminal event, and kills producers that fall silent, whose session is deleted, or when
// the service stops.

#include "processtestkit.h"
#include "sessiontestkit.h"

#include <QDir>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>

using namespace testkit;

namespace {

// A producer's script line that prints one running progress event, "started".
const QByteArray kStartedLine
    = "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":\"started\"}'\n";

qint64 residentKb(qint64 pid, const char *field)
{
    const QString status = readFile(QStringLiteral("/proc/%1/status").arg(pid));
    const QRegularExpression line(QStringLiteral("%1:\\s+(\\d+) kB").arg(QLatin1String(field)));
    return line.match(status).captured(1).toLongLong();
}

QList<qint64> pidsIn(const QString &path)
{
    QList<qint64> pids;
    for (const QString &line : readFile(path).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        pids.append(line.trimmed().toLongLong());
    return pids;
}

} // namespace

class tst_ExecPipeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void stdinCarriesTheRequest();
    void linesBecomeEventsInOrder();
    void invalidLinesBecomeErrorEvents();
    void overlongLineBecomesErrorEvent();
    void oversizedEventIsReplacedNotDropped();
    void nonZeroExitFailsWithStderrTail();
    void exitAfterFinalKeepsTheFinal();
    void producerNotReadingStdin();
    void crashFails();
    void unstartableProgramFails();
    void silentProducerIsKilled();
    void deleteKillsTheProducer();
    void sigtermKillsProducers();
    void producerChildrenDieToo_data();
    void producerChildrenDieToo();
    void producerInheritsNoDescriptors();
    void floodStaysBounded();
    void exampleProducerRunsEndToEnd();

private:
    // Writes a sh script and starts ssebufd with --pipeline "exec:sh SCRIPT ARGS...".
    bool startWithScript(ServiceProcess &service, const QByteArray &script,
                         const QStringList &scriptArgs = {}, const QStringList &extra = {});
    // Starts a session and opens its stream; the session id, empty when none was started.
    QString startStreaming(ServiceProcess &service, RawSseClient &stream);
    // Starts a session and reads its whole stream; returns the JSON events.
    QList<QJsonObject> runSession(ServiceProcess &service, QString *sessionId = nullptr,
                                  const QJsonObject &request = startBody());

    QTemporaryDir m_dir;
    HttpTestClient m_http;
};

void tst_ExecPipeline::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(!QStandardPaths::findExecutable(QStringLiteral("sh")).isEmpty());
}

bool tst_ExecPipeline::startWithScript(ServiceProcess &service, const QByteArray &script,
                                       const QStringList &scriptArgs, const QStringList &extra)
{
    const QString path
        = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()) + QStringLiteral(".sh"));
    if (!writeFile(path, script))
        return false;
    QStringList command {QStringLiteral("sh"), path};
    command += scriptArgs;
    QStringList args {QStringLiteral("--pipeline"),
                      QStringLiteral("exec:") + command.join(QLatin1Char(' '))};
    args += extra;
    if (!service.start(args)) {
        qWarning("%s", qPrintable(service.errorText()));
        return false;
    }
    return true;
}

QString tst_ExecPipeline::startStreaming(ServiceProcess &service, RawSseClient &stream)
{
    const QString id = startSession(m_http, service);
    if (!id.isEmpty())
        stream.open(sseUrl(service, id));
    return id;
}

QList<QJsonObject> tst_ExecPipeline::runSession(ServiceProcess &service, QString *sessionId,
                                                const QJsonObject &request)
{
    const QString id = startSession(m_http, service, request);
    if (sessionId)
        *sessionId = id;
    if (id.isEmpty())
        return {};
    RawSseClient stream;
    if (!readWholeStream(stream, sseUrl(service, id)))
        return {};
    return stream.jsonEvents();
}

void tst_ExecPipeline::stdinCarriesTheRequest()
{
    const QString copy = m_dir.filePath(QStringLiteral("stdin.json"));
    ServiceProcess service;
    QVERIFY(
        startWithScript(service,
                        "cat > \"$1\"\n"
                        "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":\"read "
                        "it\"}'\n"
                        "exit 0\n",
                        {copy}));
    QString id;
    const QJsonObject request = startBody(
        QStringLiteral("refactor the parser"),
        {{QStringLiteral("mode"), QStringLiteral("interactive")},
         {QStringLiteral("extra"), QJsonObject {{QStringLiteral("k"), 1}}},
         {QStringLiteral("github_credentials"),
          QJsonObject {{QStringLiteral("token"), QStringLiteral("ghp_not_for_the_producer")}}}});
    const QList<QJsonObject> events = runSession(service, &id, request);
    QCOMPARE(events.size(), 2);

    // One JSON line, then end of file (cat returned).
    const QString received = readFile(copy);
    QVERIFY(received.endsWith(QLatin1Char('\n')));
    QCOMPARE(received.count(QLatin1Char('\n')), 1);
    const QJsonObject json = QJsonDocument::fromJson(received.toUtf8()).object();
    QCOMPARE(json.value("session_id").toString(), id);
    QCOMPARE(json.value("user_id").toString(), QStringLiteral("admin_test_user"));
    QCOMPARE(json.value("user_prompt").toString(), QStringLiteral("refactor the parser"));
    QCOMPARE(json.value("mode").toString(), QStringLiteral("interactive"));
    QCOMPARE(json.value("extra").toObject().value("k").toInt(), 1);
    QVERIFY(!json.contains("github_credentials"));
    QVERIFY(!received.contains(QLatin1String("ghp_not_for_the_producer")));

    QCOMPARE(events.at(0).value("message").toString(), QStringLiteral("read it"));
    QCOMPARE(events.at(0).value("seq").toInteger(), 1);
    // Exit 0 without a terminal event: the service ends the session "completed".
    QCOMPARE(events.at(1).value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(events.at(1).value("final").toBool(), true);
    QCOMPARE(events.at(1).value("type").toString(), QStringLiteral("result"));
    QCOMPARE(events.at(1).value("seq").toInteger(), 2);
    QCOMPARE(m_http.get(service.url(adminSessionPath(id))).json().value("state").toString(),
             QStringLiteral("completed"));
}

void tst_ExecPipeline::linesBecomeEventsInOrder()
{
    ServiceProcess service;
    QVERIFY(startWithScript(
        service,
        "cat > /dev/null\n"
        "cat <<'EOF'\n"
        "{\"type\":\"progress\",\"status\":\"running\",\"message\":\"m1\",\"stage\":\"a\","
        "\"progress\":10}\n"
        "\n"
        "{\"type\":\"progress\",\"status\":\"running\",\"message\":\"m2\",\"stage\":\"b\","
        "\"progress\":20,\"data\":{\"files\":[\"x.py\",\"y.py\"]}}\n"
        "   {\"type\":\"note\",\"status\":\"running\",\"message\":\"m3 — ünïcode\"}   \n"
        "EOF\n"
        "printf '{\"type\":\"progress\",\"status\":\"running\",\"message\":\"m4\"}\\r\\n'\n"
        "printf '{\"type\":\"progress\",\"status\":\"running\",'\n"
        "printf '\"message\":\"m5 split across writes\"}\\n'\n"
        "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":\"m6\",\"final\":true,"
        "\"progress\":100,\"data\":{\"ok\":true}}'\n"));
    QString id;
    const QList<QJsonObject> events = runSession(service, &id);
    QCOMPARE(events.size(), 6);
    for (int i = 0; i < events.size(); ++i) {
        QCOMPARE(events.at(i).value("seq").toInteger(), i + 1);
        QCOMPARE(events.at(i).value("session_id").toString(), id);
        QVERIFY(
            events.at(i).value("message").toString().startsWith(QStringLiteral("m%1").arg(i + 1)));
    }
    QCOMPARE(events.at(0).value("stage").toString(), QStringLiteral("a"));
    QCOMPARE(events.at(0).value("progress").toInt(), 10);
    QCOMPARE(events.at(1).value("data").toObject().value("files").toArray().size(), 2);
    QCOMPARE(events.at(2).value("message").toString(), QStringLiteral("m3 — ünïcode"));
    QCOMPARE(events.at(2).value("type").toString(), QStringLiteral("note"));
    QCOMPARE(events.at(5).value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(events.at(5).value("final").toBool(), true);
    QCOMPARE(events.at(5).value("data").toObject().value("ok").toBool(), true);
    // The producer's own terminal event ends the session: no second one is added.
    QCOMPARE(m_http.get(service.url(adminSessionPath(id))).json().value("event_count").toInteger(),
             6);
}

void tst_ExecPipeline::invalidLinesBecomeErrorEvents()
{
    ServiceProcess service;
    QVERIFY(startWithScript(
        service,
        "cat > /dev/null\n"
        "cat <<'EOF'\n"
        "not json at all\n"
        "[1, 2, 3]\n"
        "{\"type\":\"x\"}\n"
        "{\"type\":\"p\",\"status\":\"running\",\"message\":\"m\",\"progress\":150}\n"
        "{\"type\":\"p\",\"status\":\"running\",\"message\":\"m\",\"final\":true}\n"
        "{\"type\":\"p\",\"status\":\"done\",\"message\":\"m\"}\n"
        "{\"type\":\"progress\",\"status\":\"running\",\"message\":\"still going\"}\n"
        "{\"type\":\"result\",\"status\":\"failed\",\"message\":\"gave up\"}\n"
        "EOF\n"));
    QString id;
    const QList<QJsonObject> events = runSession(service, &id);
    QCOMPARE(events.size(), 8);
    const QStringList reasons {
        "not a JSON object", "not a JSON object", "status", "progress", "final", "status"};
    for (int i = 0; i < reasons.size(); ++i) {
        const QJsonObject e = events.at(i);
        QCOMPARE(e.value("type").toString(), QStringLiteral("error"));
        QCOMPARE(e.value("status").toString(), QStringLiteral("running"));
        QVERIFY(!e.contains("final"));
        QVERIFY2(e.value("message").toString().contains(QLatin1String("invalid event line")),
                 qPrintable(e.value("message").toString()));
        QVERIFY2(e.value("message").toString().contains(reasons.at(i)),
                 qPrintable(e.value("message").toString()));
    }
    QCOMPARE(events.at(6).value("message").toString(), QStringLiteral("still going"));
    QCOMPARE(events.at(7).value("status").toString(), QStringLiteral("failed"));
    QCOMPARE(events.at(7).value("message").toString(), QStringLiteral("gave up"));
    QCOMPARE(events.at(7).value("final").toBool(), true);
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_ExecPipeline::overlongLineBecomesErrorEvent()
{
    // A line over 1 MiB is dropped (an error event says so) and the next line is read.
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "head -c 1200000 /dev/zero | tr '\\0' 'a'\n"
                            "echo\n"
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"after\"}'\n"));
    const QList<QJsonObject> events = runSession(service);
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.at(0).value("type").toString(), QStringLiteral("error"));
    QVERIFY(events.at(0).value("message").toString().contains(QLatin1String("1048576")));
    QCOMPARE(events.at(1).value("message").toString(), QStringLiteral("after"));
    QCOMPARE(events.at(2).value("status").toString(), QStringLiteral("completed"));
}

void tst_ExecPipeline::oversizedEventIsReplacedNotDropped()
{
    // Events too large for the session buffer (1024 bytes here) keep their place, type and
    // status; only their content is replaced. The terminal one still ends the session.
    ServiceProcess service;
    QVERIFY(startWithScript(
        service,
        "cat > /dev/null\n"
        "big=$(head -c 3000 /dev/zero | tr '\\0' 'b')\n"
        "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":\"small\"}'\n"
        "echo "
        "'{\"type\":\"progress\",\"status\":\"running\",\"stage\":\"s\",\"message\":\"'$big'\"}'\n"
        "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":\"'$big'\"}'\n",
        {}, {QStringLiteral("--max-buffer-bytes"), QStringLiteral("1024")}));
    QString id;
    const QList<QJsonObject> events = runSession(service, &id);
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.at(0).value("message").toString(), QStringLiteral("small"));
    QCOMPARE(events.at(1).value("type").toString(), QStringLiteral("progress"));
    QCOMPARE(events.at(1).value("stage").toString(), QStringLiteral("s"));
    QVERIFY(events.at(1).value("message").toString().contains(QLatin1String("larger than")));
    QCOMPARE(events.at(2).value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(events.at(2).value("final").toBool(), true);
    QVERIFY(events.at(2).value("message").toString().contains(QLatin1String("larger than")));
    QCOMPARE(m_http.get(service.url(adminSessionPath(id))).json().value("state").toString(),
             QStringLiteral("completed"));
}

// With --exec-stderr-in-event (issue 15: by default the tail is only logged, see
// tests/hardening/tst_hardening_exec.cpp stderrTailIsLoggedNotPublished).
void tst_ExecPipeline::nonZeroExitFailsWithStderrTail()
{
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"working\"}'\n"
                            "echo 'EARLY-STDERR-LINE' >&2\n"
                            "head -c 5000 /dev/zero | tr '\\0' 'e' >&2\n"
                            "echo >&2\n"
                            "echo 'boom: the backend broke' >&2\n"
                            "exit 3\n",
                            {},
                            {QStringLiteral("--exec-stderr-in-event"), QStringLiteral("true")}));
    QString id;
    const QList<QJsonObject> events = runSession(service, &id);
    QCOMPARE(events.size(), 2);
    const QJsonObject last = events.last();
    QCOMPARE(last.value("status").toString(), QStringLiteral("failed"));
    QCOMPARE(last.value("type").toString(), QStringLiteral("error"));
    QCOMPARE(last.value("final").toBool(), true);
    const QString message = last.value("message").toString();
    QVERIFY2(message.contains(QLatin1String("exited with code 3")), qPrintable(message));
    QVERIFY2(message.endsWith(QLatin1String("boom: the backend broke")), qPrintable(message));
    // Only the tail of stderr.
    QVERIFY(!message.contains(QLatin1String("EARLY-STDERR-LINE")));
    QVERIFY(message.size() < 2200);
    QCOMPARE(m_http.get(service.url(adminSessionPath(id))).json().value("state").toString(),
             QStringLiteral("failed"));
}

void tst_ExecPipeline::exitAfterFinalKeepsTheFinal()
{
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":"
                            "\"done\"}'\n"
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"ignored after the final\"}'\n"
                            "echo 'oops' >&2\n"
                            "exit 1\n"));
    QString id;
    const QList<QJsonObject> events = runSession(service, &id);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().value("status").toString(), QStringLiteral("completed"));
    const QJsonObject summary = m_http.get(service.url(adminSessionPath(id))).json();
    QCOMPARE(summary.value("state").toString(), QStringLiteral("completed"));
    QCOMPARE(summary.value("event_count").toInteger(), 1);
}

void tst_ExecPipeline::producerNotReadingStdin()
{
    // A request larger than a pipe buffer, and a producer that never reads it: the write
    // fails (EPIPE), the service does not die of it and the session still ends.
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"not reading\"}'\n"
                            "exit 0\n"));
    const QJsonObject request
        = startBody(QString(60000, QLatin1Char('r')),
                    {{QStringLiteral("padding"), QString(400000, QLatin1Char('p'))}});
    for (int i = 0; i < 3; ++i) {
        const QList<QJsonObject> events = runSession(service, nullptr, request);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.last().value("status").toString(), QStringLiteral("completed"));
    }
    QCOMPARE(service.process().state(), QProcess::Running);
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_ExecPipeline::crashFails()
{
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"about to crash\"}'\n"
                            "kill -SEGV $$\n"));
    const QList<QJsonObject> events = runSession(service);
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.last().value("status").toString(), QStringLiteral("failed"));
    QVERIFY2(events.last().value("message").toString().contains(QLatin1String("crashed")),
             qPrintable(events.last().value("message").toString()));
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_ExecPipeline::unstartableProgramFails()
{
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--pipeline"),
                            QStringLiteral("exec:/nonexistent/dir/producer --flag")}),
             qPrintable(service.errorText()));
    const QList<QJsonObject> events = runSession(service);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().value("status").toString(), QStringLiteral("failed"));
    QVERIFY2(
        events.first().value("message").toString().contains(QLatin1String("could not be started")),
        qPrintable(events.first().value("message").toString()));
}

void tst_ExecPipeline::silentProducerIsKilled()
{
    const QString pidFile = m_dir.filePath(QStringLiteral("silent.pid"));
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "echo $$ > \"$1\"\n"
                            "echo '{\"type\":\"progress\",\"status\":\"running\",\"message\":"
                            "\"then silence\"}'\n"
                            "exec sleep 60\n",
                            {pidFile}, {QStringLiteral("--exec-timeout"), QStringLiteral("1")}));
    RawSseClient stream;
    const QString id = startStreaming(service, stream);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(stream.jsonEvents().size(), 1, 10000);
    QElapsedTimer sinceLastLine;
    sinceLastLine.start();
    const QList<qint64> pids = pidsIn(pidFile);
    QCOMPARE(pids.size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), 5000);
    QVERIFY(sinceLastLine.elapsed() >= 700);
    const QList<QJsonObject> events = stream.jsonEvents();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.last().value("status").toString(), QStringLiteral("failed"));
    QVERIFY2(events.last().value("message").toString().contains(QLatin1String("silent for 1 s")),
             qPrintable(events.last().value("message").toString()));
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pids.first()), 5000);
}

void tst_ExecPipeline::deleteKillsTheProducer()
{
    const QString pidFile = m_dir.filePath(QStringLiteral("delete.pid"));
    ServiceProcess service;
    QVERIFY(startWithScript(
        service, QByteArray("echo $$ > \"$1\"\n") + kStartedLine + "exec sleep 60\n", {pidFile}));
    RawSseClient stream;
    const QString id = startStreaming(service, stream);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(stream.jsonEvents().size(), 1, 10000);
    const QList<qint64> pids = pidsIn(pidFile);
    QCOMPARE(pids.size(), 1);
    QVERIFY(processAlive(pids.first()));
    // The shell has replaced itself with sleep (exec) by now, or does so in a moment.
    QTRY_VERIFY_WITH_TIMEOUT(readFile(QStringLiteral("/proc/%1/cmdline").arg(pids.first()))
                                 .contains(QLatin1String("sleep")),
                             5000);

    QCOMPARE(m_http.sendCustom("DELETE", service.url(adminSessionPath(id))).status, 204);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pids.first()), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), 5000);
    // Nothing more was appended for the deleted session, and the service is fine.
    QCOMPARE(stream.jsonEvents().size(), 1);
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
}

void tst_ExecPipeline::sigtermKillsProducers()
{
    const QString pidFile = m_dir.filePath(QStringLiteral("sigterm.pids"));
    ServiceProcess service;
    QVERIFY(startWithScript(
        service, QByteArray("echo $$ >> \"$1\"\n") + kStartedLine + "exec sleep 60\n", {pidFile}));
    QVERIFY(!startSession(m_http, service).isEmpty());
    const QString watched = startSession(m_http, service);
    QVERIFY(!watched.isEmpty());
    RawSseClient stream;
    stream.open(sseUrl(service, watched));
    QTRY_COMPARE_WITH_TIMEOUT(pidsIn(pidFile).size(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(stream.jsonEvents().size(), 1, 10000);
    const QList<qint64> pids = pidsIn(pidFile);
    for (qint64 pid : pids)
        QVERIFY(processAlive(pid));

    QElapsedTimer stopping;
    stopping.start();
    QCOMPARE(terminateServing(service), 0);
    QVERIFY(stopping.elapsed() < 5000);
    for (qint64 pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), 5000);
}

void tst_ExecPipeline::producerChildrenDieToo_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("delete") << QStringLiteral("delete");
    QTest::newRow("timeout") << QStringLiteral("timeout");
    QTest::newRow("sigterm") << QStringLiteral("sigterm");
}

void tst_ExecPipeline::producerChildrenDieToo()
{
    // A producer that is a shell wrapper: what it started must not outlive it.
    QFETCH(QString, how);
    const QString pidFile = m_dir.filePath(QStringLiteral("children-%1.pids").arg(how));
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            QByteArray("sleep 60 &\n"
                                       "echo $! > \"$1\"\n"
                                       "echo $$ >> \"$1\"\n")
                                + kStartedLine + "wait\n",
                            {pidFile}, {QStringLiteral("--exec-timeout"), QStringLiteral("1")}));
    RawSseClient stream;
    const QString id = startStreaming(service, stream);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(stream.jsonEvents().size(), 1, 10000);
    const QList<qint64> pids = pidsIn(pidFile);
    QCOMPARE(pids.size(), 2);
    QVERIFY(processAlive(pids.at(0)));
    if (how == QLatin1String("delete")) {
        QCOMPARE(m_http.sendCustom("DELETE", service.url(adminSessionPath(id))).status, 204);
    } else if (how == QLatin1String("sigterm")) {
        QCOMPARE(terminateServing(service), 0);
    } // timeout: the producer writes nothing more and is killed after 1 s
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pids.at(1)), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pids.at(0)), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), 5000);
}

void tst_ExecPipeline::producerInheritsNoDescriptors()
{
    // Besides its stdin, stdout and stderr, a producer holds none of the service's
    // descriptors: not its listening socket, client streams, or a store's connections (a
    // client library may open those without close-on-exec). A Redis store makes the test
    // meaningful; without redis-server it runs over memory.
    RedisProcess redis;
    QStringList extra;
    if (RedisProcess::isInstalled()) {
        QVERIFY2(redis.start(), qPrintable(redis.errorText()));
        extra << QStringLiteral("--store") << redis.url();
    }
    const QString listing = m_dir.filePath(QStringLiteral("producer-fds.txt"));
    ServiceProcess service;
    QVERIFY(startWithScript(service,
                            "cat > /dev/null\n"
                            "ls -l /proc/$$/fd > \"$1\"\n"
                            "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":"
                            "\"listed\"}'\n",
                            {listing}, extra));
    QTRY_COMPARE_WITH_TIMEOUT(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200,
                              10000);
    RawSseClient admin; // one more open stream the producer must not hold
    admin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    const QList<QJsonObject> events = runSession(service);
    QCOMPARE(events.size(), 1);
    const QString fds = readFile(listing);
    QVERIFY(fds.contains(QLatin1String(" 0 -> ")));
    QVERIFY2(!fds.contains(QLatin1String("socket:")), qPrintable(fds));
    QVERIFY2(!fds.contains(QLatin1String("anon_inode:")), qPrintable(fds));
}

void tst_ExecPipeline::floodStaysBounded()
{
    // 100,000 lines of about 600 bytes (60 MB) as fast as awk writes them, into buffers of
    // 100 events / 64 KiB: the service keeps up, and its memory does not grow with the flood.
    ServiceProcess service;
    QVERIFY(startWithScript(
        service,
        "cat > /dev/null\n"
        "exec awk 'BEGIN { pad = sprintf(\"%0500d\", 0); for (i = 1; i <= 100000; i++) "
        "printf \"{\\\"type\\\":\\\"progress\\\",\\\"status\\\":\\\"running\\\","
        "\\\"message\\\":\\\"line %d %s\\\"}\\n\", i, pad }'\n",
        {},
        {QStringLiteral("--max-events"), QStringLiteral("100"),
         QStringLiteral("--max-buffer-bytes"), QStringLiteral("65536")}));
    const qint64 pid = service.process().processId();
    const qint64 before = residentKb(pid, "VmRSS");
    QVERIFY(before > 0);

    // An admin stream client that stops reading: it is cut off, not buffered without end.
    RawSseClient stalledAdmin;
    stalledAdmin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(stalledAdmin.events().size() >= 1, 10000);
    stalledAdmin.stopReading();

    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    // A live follower too: it must keep up or be cut off, never make the service grow.
    RawSseClient follower;
    follower.open(sseUrl(service, id));
    QTRY_COMPARE_WITH_TIMEOUT(
        m_http.get(service.url(adminSessionPath(id) + QStringLiteral("?limit=1")))
            .json()
            .value("state")
            .toString(),
        QStringLiteral("completed"), 45000);
    // The follower received events all along (with gap notices where it fell behind the
    // buffer). It is let go here: parsing its 60 MB backlog would only load this process.
    QVERIFY(follower.events().size() > 0);
    follower.close();
    const QJsonObject summary = m_http.get(service.url(adminSessionPath(id))).json();
    QCOMPARE(summary.value("event_count").toInteger(), 100001);
    QCOMPARE(summary.value("last_seq").toInteger(), 100001);
    QVERIFY(summary.value("buffered_bytes").toInteger() <= 65536);
    QVERIFY(summary.value("last_seq").toInteger() - summary.value("first_seq").toInteger() + 1
            <= 100);
    QCOMPARE(summary.value("dropped_events").toInteger(),
             100001 - summary.value("events").toArray().size());

    // The service closed its side (the client, not reading, cannot see that yet).
    QVERIFY(service.output().contains("cutting off a slow admin stream client"));
    const qint64 peak = residentKb(pid, "VmHWM");
    QVERIFY2(peak - before < 32 * 1024,
             qPrintable(QStringLiteral("resident memory grew from %1 kB to a peak of %2 kB")
                            .arg(before)
                            .arg(peak)));
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);

    // A late reader gets a gap notice, then the retained events up to the terminal one.
    RawSseClient late;
    QVERIFY2(readWholeStream(late, sseUrl(service, id), {}, 30000),
             qPrintable(QStringLiteral("status %1, %2 events, last bytes: %3")
                            .arg(late.status())
                            .arg(late.events().size())
                            .arg(QString::fromUtf8(late.rawBody().right(300)))));
    const QList<QJsonObject> events = late.jsonEvents();
    QVERIFY(events.size() >= 2);
    QCOMPARE(events.first().value("type").toString(), QStringLiteral("gap"));
    QCOMPARE(events.first().value("missed_from").toInteger(), 1);
    QCOMPARE(events.last().value("seq").toInteger(), 100001);
    QCOMPARE(events.last().value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(terminateServing(service), 0);
}

void tst_ExecPipeline::exampleProducerRunsEndToEnd()
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty())
        QSKIP("python3 is not installed");
    const QString script
        = QStringLiteral(SSEBUF_SOURCE_DIR "/resources/producers/example_producer.py");
    QVERIFY(QFile::exists(script));
    ServiceProcess service;
    QVERIFY2(service.start(
                 {QStringLiteral("--pipeline"), QStringLiteral("exec:%1 %2").arg(python, script)}),
             qPrintable(service.errorText()));

    const QString prompt = QStringLiteral("refactor the billing service");
    const QList<QJsonObject> events
        = runSession(service, nullptr, startBody(prompt, {{QStringLiteral("step_seconds"), 0.01}}));
    QCOMPARE(events.size(), 5);
    const QStringList stages {"analyzing", "planning", "refactoring", "testing"};
    const QList<int> progress {20, 40, 70, 90};
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(events.at(i).value("type").toString(), QStringLiteral("progress"));
        QCOMPARE(events.at(i).value("status").toString(), QStringLiteral("running"));
        QCOMPARE(events.at(i).value("stage").toString(), stages.at(i));
        QCOMPARE(events.at(i).value("progress").toInt(), progress.at(i));
    }
    QCOMPARE(events.at(4).value("type").toString(), QStringLiteral("result"));
    QCOMPARE(events.at(4).value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(events.at(4).value("final").toBool(), true);
    QCOMPARE(events.at(4).value("progress").toInt(), 100);
    QCOMPARE(events.at(4).value("data").toObject().value("prompt_chars").toInt(), prompt.size());

    const QList<QJsonObject> greeting = runSession(service, nullptr, startBody("hello there"));
    QCOMPARE(greeting.size(), 1);
    QCOMPARE(greeting.first().value("type").toString(), QStringLiteral("greeting"));
    QCOMPARE(greeting.first().value("status").toString(), QStringLiteral("completed"));
    QVERIFY(
        greeting.first().value("message").toString().contains(QLatin1String("admin_test_user")));

    // A client-supplied pace it cannot use does not break it (it falls back to 0.2 s).
    const QList<QJsonObject> odd = runSession(
        service, nullptr,
        startBody(QStringLiteral("refactor"), {{QStringLiteral("step_seconds"), "fast"}}));
    QCOMPARE(odd.size(), 5);
    QCOMPARE(odd.last().value("status").toString(), QStringLiteral("completed"));
}

QTEST_GUILESS_MAIN(tst_ExecPipeline)
#include "tst_execpipeline.moc"
