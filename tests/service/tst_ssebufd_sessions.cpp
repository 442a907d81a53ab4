// Contract sections 1, 3, 6 and 8 against the real ssebufd: starting sessions, the seed's
// three scenarios, publishing, session limits, expiry and the command line.

#include "sessiontestkit.h"

#include <isotime.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QScopedValueRollback>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

using namespace testkit;

namespace {

// Arguments of an external-pipeline ssebufd whose sessions expire 1 s after their last event.
QStringList oneSecondTtl(const QString &sweepInterval, const QStringList &more = {})
{
    return QStringList {"--session-ttl", "1",          "--sweep-interval",
                        sweepInterval,   "--pipeline", "external"}
    + more;
}

} // namespace

class tst_SsebufdSessions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void startSession();
    void startSessionErrors_data();
    void startSessionErrors();
    void unknownSession();

    void greetingBufferedForLateClient(); // seed Test 1
    void pipelineEventsBufferedForLateClient(); // seed Test 2 of the automated tests
    void immediateConnection(); // seed "Test 2: Immediate Connection"
    void unpacedPipeline();

    void publishSeq();
    void maxSessions();
    void sessionExpires();
    void activeSessionDoesNotExpire();
    void expiredSessionsFreeTheirPlace();
    void eventLargerThanBuffer();
    void unknownRouteAndMethod();

    void helpAndUsageErrors_data();
    void helpAndUsageErrors();
    void configFile();
    void listenAddress_data();
    void listenAddress();

private:
    // Streams the session to the end (bounded) and returns the client.
    std::unique_ptr<RawSseClient> streamToEnd(const ServiceProcess &service,
                                              const QString &sessionId, int timeoutMs = 5000);

    ServiceProcess m_demo; // demo pipeline, 20 ms steps
    ServiceProcess m_external; // external pipeline: only the publish API produces events
    HttpTestClient m_http;
};

void tst_SsebufdSessions::initTestCase()
{
    QVERIFY2(m_demo.start({"--demo-step-ms", "20"}), qPrintable(m_demo.errorText()));
    QVERIFY2(m_external.start({"--pipeline", "external"}), qPrintable(m_external.errorText()));
}

std::unique_ptr<RawSseClient> tst_SsebufdSessions::streamToEnd(const ServiceProcess &service,
                                                               const QString &sessionId,
                                                               int timeoutMs)
{
    auto client = std::make_unique<RawSseClient>();
    QSignalSpy finished(client.get(), &RawSseClient::finished);
    client->open(sseUrl(service, sessionId));
    if (!client->isFinished())
        finished.wait(timeoutMs);
    return client;
}

void tst_SsebufdSessions::startSession()
{
    const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1000);
    const HttpTestReply reply = m_http.postJson(
        m_demo.url("/api/refactor"),
        QJsonObject {{"user_id", "demo_user"},
                     {"user_prompt", "hello"},
                     {"github_credentials", QJsonObject {{"token", "ghp_not_echoed"}}},
                     {"mode", "autonomous"}});
    const QDateTime after = QDateTime::currentDateTimeUtc().addMSecs(1000);
    QCOMPARE(reply.status, 201);
    QVERIFY(reply.header("Content-Type").startsWith("application/json"));
    const QJsonObject body = reply.json();
    const QString id = body.value("session_id").toString();
    static const QRegularExpression idPattern(
        QStringLiteral("^session_([0-9]{8})_([0-9]{6})_[0-9a-f]{32}$"));
    const auto match = idPattern.match(id);
    QVERIFY2(match.hasMatch(), qPrintable(id));
    QCOMPARE(body.value("status").toString(), QStringLiteral("started"));
    const QString sse = ssePath(id);
    QCOMPARE(body.value("sse_url").toString(), sse);
    QCOMPARE(reply.header("Location"), sse.toUtf8());
    QVERIFY(!reply.body.contains("ghp_not_echoed"));
    // Nor streamed, nor logged.
    const auto stream = streamToEnd(m_demo, id);
    QCOMPARE(stream->sequence(), QList<qint64> {1});
    QVERIFY(!stream->rawBody().contains("ghp_not_echoed"));
    QVERIFY(!m_demo.output().contains("ghp_not_echoed"));

    const QString createdText = body.value("created_at").toString();
    static const QRegularExpression iso(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$"));
    QVERIFY2(iso.match(createdText).hasMatch(), qPrintable(createdText));
    const QDateTime created = QDateTime::fromString(createdText, Qt::ISODateWithMs);
    QVERIFY(created.isValid());
    QVERIFY(created >= before && created <= after);
    // The id carries the UTC date and time of creation.
    QCOMPARE(match.captured(1) + '_' + match.captured(2),
             created.toUTC().toString("yyyyMMdd_HHmmss"));

    // Ids are random: two sessions never share one, even in the same second.
    const QString other = testkit::startSession(m_http, m_demo, startBody("hello"));
    QVERIFY(!other.isEmpty());
    QVERIFY(other != id);
    QVERIFY(other.right(32) != id.right(32));
}

void tst_SsebufdSessions::startSessionErrors_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field");

    QTest::newRow("415 text/plain")
        << QByteArray("text/plain") << QByteArray(R"({"user_id":"u","user_prompt":"p"})") << 415
        << QString();
    QTest::newRow("400 not json") << QByteArray("application/json") << QByteArray("user_id=u")
                                  << 400 << QString();
    QTest::newRow("400 array") << QByteArray("application/json") << QByteArray("[1]") << 400
                               << QString();
    QTest::newRow("422 user_id missing")
        << QByteArray("application/json") << QByteArray(R"({"user_prompt":"p"})") << 422
        << "user_id";
    QTest::newRow("422 user_id too long")
        << QByteArray("application/json")
        << QByteArray(R"({"user_id":")" + QByteArray(129, 'u') + R"(","user_prompt":"p"})") << 422
        << "user_id";
    QTest::newRow("422 prompt empty")
        << QByteArray("application/json") << QByteArray(R"({"user_id":"u","user_prompt":""})")
        << 422 << "user_prompt";
    QTest::newRow("422 mode") << QByteArray("application/json")
                              << QByteArray(R"({"user_id":"u","user_prompt":"p","mode":"x"})")
                              << 422 << "mode";
    QTest::newRow("422 credentials")
        << QByteArray("application/json")
        << QByteArray(R"({"user_id":"u","user_prompt":"p","github_credentials":"t"})") << 422
        << "github_credentials";
}

void tst_SsebufdSessions::startSessionErrors()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, field);
    const HttpTestReply reply = m_http.post(m_demo.url("/api/refactor"), body, contentType);
    QCOMPARE(reply.status, status);
    QVERIFY(reply.header("Content-Type").startsWith("application/json"));
    const QJsonObject json = reply.json();
    QVERIFY(!json.value("error").toString().isEmpty());
    QVERIFY(!json.value("message").toString().isEmpty());
    QCOMPARE(json.value("field").toString(), field);
    QVERIFY(!json.contains("session_id"));
}

void tst_SsebufdSessions::unknownSession()
{
    const QString unknown = "session_20250101_000000_" + QString(32, '0');
    const HttpTestReply stream = m_http.get(sseUrl(m_demo, unknown));
    QCOMPARE(stream.status, 404);
    QVERIFY(!stream.json().value("error").toString().isEmpty());
    QVERIFY(!stream.json().value("message").toString().isEmpty());
    QCOMPARE(m_http.get(sseUrl(m_demo, "not-even-an-id")).status, 404);
    QCOMPARE(m_http.get(sseUrl(m_demo, "a%20b")).status, 404);
    QCOMPARE(testkit::publishSeq(m_http, m_external, unknown, progressEvent(1)), -404);
}

void tst_SsebufdSessions::greetingBufferedForLateClient()
{
    const HttpTestReply started = m_http.postJson(m_demo.url("/api/refactor"), startBody("hello"));
    QCOMPARE(started.status, 201);
    const QString id = started.json().value("session_id").toString();
    // A first client sees the greeting come; the greeting is then surely produced...
    const auto first = streamToEnd(m_demo, id);
    QVERIFY(first->isFinished());
    QCOMPARE(first->sequence(), QList<qint64> {1});
    // ...and a client that connects only now still receives it.
    const auto late = streamToEnd(m_demo, id);
    QVERIFY(late->isFinished());
    QCOMPARE(late->status(), 200);
    QCOMPARE(late->sequence(), QList<qint64> {1});
    QCOMPARE(late->events().value(0).data, first->events().value(0).data);
    QCOMPARE(late->rawBody(), first->rawBody());

    const QJsonObject greeting = late->jsonEvents().value(0);
    QCOMPARE(greeting.value("type").toString(), QStringLiteral("greeting"));
    QCOMPARE(greeting.value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(greeting.value("final").toBool(), true);
    QCOMPARE(greeting.value("session_id").toString(), id);
    QCOMPARE(greeting.value("seq").toInteger(), 1);
    QVERIFY(!greeting.value("message").toString().isEmpty());
    // Produced within 300 ms of the POST (contract section 2).
    const qint64 createdMs = ssebuf::msFromIso(started.json().value("created_at").toString());
    const qint64 producedMs = ssebuf::msFromIso(greeting.value("timestamp").toString());
    QVERIFY2(producedMs - createdMs >= 0 && producedMs - createdMs <= 300,
             qPrintable(QString::number(producedMs - createdMs)));
    // No "event:" line: a browser's onmessage fires.
    QVERIFY(late->events().value(0).type.isEmpty());
    QVERIFY(!late->rawBody().contains("\nevent:"));
}

void tst_SsebufdSessions::pipelineEventsBufferedForLateClient()
{
    const HttpTestReply started
        = m_http.postJson(m_demo.url("/api/refactor"), startBody("Refactor the payment module"));
    QCOMPARE(started.status, 201);
    const QString id = started.json().value("session_id").toString();
    const qint64 createdMs = ssebuf::msFromIso(started.json().value("created_at").toString());
    const auto first = streamToEnd(m_demo, id);
    QVERIFY(first->isFinished());
    const auto late = streamToEnd(m_demo, id);
    QVERIFY(late->isFinished());

    const QList<QJsonObject> events = late->jsonEvents();
    QCOMPARE(late->sequence(), range(1, events.size()));
    QVERIFY2(events.size() >= 3, "progress events, then the terminal one");
    QCOMPARE(late->rawBody(), first->rawBody());
    int lastProgress = -1;
    qint64 lastTime = createdMs - 1000;
    for (int i = 0; i < events.size(); ++i) {
        const QJsonObject &event = events.at(i);
        for (const char *key : {"session_id", "seq", "type", "status", "message", "timestamp"})
            QVERIFY2(event.contains(QLatin1String(key)), key);
        QCOMPARE(event.value("session_id").toString(), id);
        const qint64 time = ssebuf::msFromIso(event.value("timestamp").toString());
        QVERIFY(time >= lastTime);
        lastTime = time;
        const int progress = event.value("progress").toInt(-1);
        QVERIFY(progress >= lastProgress && progress <= 100);
        lastProgress = progress;
        const bool last = i == events.size() - 1;
        QCOMPARE(event.value("final").toBool(), last);
        if (!last) {
            QCOMPARE(event.value("type").toString(), QStringLiteral("progress"));
            QCOMPARE(event.value("status").toString(), QStringLiteral("running"));
            QVERIFY(!event.value("stage").toString().isEmpty());
        } else {
            QCOMPARE(event.value("status").toString(), QStringLiteral("completed"));
        }
    }
    // The response ends right after the terminal event: nothing follows its frame.
    QVERIFY(late->rawBody().endsWith(late->events().last().data + "\n\n"));
}

void tst_SsebufdSessions::immediateConnection()
{
    for (const QString prompt : {QStringLiteral("hello"), QStringLiteral("rename the helpers")}) {
        auto client = std::make_unique<RawSseClient>();
        QSignalSpy finished(client.get(), &RawSseClient::finished);
        const QString id = testkit::startSession(m_http, m_demo, startBody(prompt));
        client->open(sseUrl(m_demo, id)); // right after the 201
        QVERIFY(finished.wait(5000));
        QCOMPARE(client->status(), 200);
        const QList<qint64> sequence = client->sequence();
        QVERIFY(!sequence.isEmpty());
        QCOMPARE(sequence, range(1, sequence.size()));
        QCOMPARE(client->jsonEvents().last().value("final").toBool(), true);
        // Identical to what a late client gets.
        const auto late = streamToEnd(m_demo, id);
        QCOMPARE(late->rawBody(), client->rawBody());
    }
}

void tst_SsebufdSessions::unpacedPipeline()
{
    // With no pacing, the whole session is produced while the first client connects: the
    // immediate and the late client still get identical, complete streams.
    ServiceProcess service;
    QVERIFY2(service.start({"--demo-step-ms", "0"}), qPrintable(service.errorText()));
    HttpTestClient http;
    for (int i = 0; i < 10; ++i) {
        auto immediate = std::make_unique<RawSseClient>();
        const QString id = testkit::startSession(http, service, startBody("split the module"));
        immediate->open(sseUrl(service, id));
        QTRY_VERIFY_WITH_TIMEOUT(immediate->isFinished(), 5000);
        const QList<qint64> sequence = immediate->sequence();
        QVERIFY(sequence.size() >= 2);
        QCOMPARE(sequence, range(1, sequence.size()));
        QCOMPARE(immediate->jsonEvents().last().value("final").toBool(), true);
        const auto late = streamToEnd(service, id);
        QCOMPARE(late->rawBody(), immediate->rawBody());
    }
}

void tst_SsebufdSessions::publishSeq()
{
    const QString id = testkit::startSession(m_http, m_external);
    QVERIFY(!id.isEmpty());
    const QUrl url = eventsUrl(m_external, id);

    HttpTestReply reply = m_http.postJson(url, progressEvent(1));
    QCOMPARE(reply.status, 201);
    QCOMPARE(reply.json(), QJsonObject({{"seq", 1}}));
    QCOMPARE(testkit::publishSeq(m_http, m_external, id, progressEvent(2)), 2);

    reply = m_http.postJson(url, QJsonObject {{"status", "running"}, {"message", "m"}});
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("type"));
    reply = m_http.postJson(url, QJsonObject {{"type", "t"}, {"status", "??"}, {"message", "m"}});
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("status"));
    reply = m_http.postJson(
        url,
        QJsonObject {{"type", "t"}, {"status", "running"}, {"message", "m"}, {"progress", 150}});
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("progress"));
    reply = m_http.post(url, R"({"type":"t","status":"running","message":"m"})", "text/plain");
    QCOMPARE(reply.status, 415);
    reply = m_http.post(url, "{not json", "application/json");
    QCOMPARE(reply.status, 400);

    // The service assigns seq, session_id and timestamp; a producer's own are ignored.
    QJsonObject spoofed = progressEvent(3);
    spoofed.insert("seq", 99);
    spoofed.insert("session_id", "session_other");
    QCOMPARE(testkit::publishSeq(m_http, m_external, id, spoofed), 3);
    QCOMPARE(testkit::publishSeq(m_http, m_external, id, finalEvent()), 4);
    // 409 once the terminal event is in.
    reply = m_http.postJson(url, progressEvent(5));
    QCOMPARE(reply.status, 409);
    QVERIFY(!reply.json().value("error").toString().isEmpty());

    const auto client = streamToEnd(m_external, id);
    QCOMPARE(client->sequence(), range(1, 4));
    const QJsonObject third = client->jsonEvents().value(2);
    QCOMPARE(third.value("seq").toInteger(), 3);
    QCOMPARE(third.value("session_id").toString(), id);
    QCOMPARE(third.value("message").toString(), QStringLiteral("step 3"));
}

void tst_SsebufdSessions::maxSessions()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--max-sessions", "2", "--retry-after", "7", "--pipeline", "external"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    QVERIFY(!testkit::startSession(http, service).isEmpty());
    const QString second = testkit::startSession(http, service);
    QVERIFY(!second.isEmpty());
    // Finished sessions count as well until they expire.
    QCOMPARE(testkit::publishSeq(http, service, second, finalEvent()), 1);
    const HttpTestReply full = http.postJson(service.url("/api/refactor"), startBody("p"));
    QCOMPARE(full.status, 503);
    QCOMPARE(full.header("Retry-After"), QByteArray("7"));
    QVERIFY(!full.json().value("error").toString().isEmpty());
    // The sessions held keep working.
    QCOMPARE(http.get(sseUrl(service, second, "last_event_id=1")).status, 204);
}

void tst_SsebufdSessions::sessionExpires()
{
    ServiceProcess service;
    QVERIFY2(service.start(oneSecondTtl("1", {"--max-sessions", "1"})),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = testkit::startSession(http, service);
    QVERIFY(!id.isEmpty());
    QCOMPARE(testkit::publishSeq(http, service, id, progressEvent(1)), 1);
    // An open stream of the session ends when the session expires (1 s after its last event).
    RawSseClient client;
    client.open(sseUrl(service, id));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), QList<qint64> {1}, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(http.get(sseUrl(service, id)).status, 404, 5000);
    QCOMPARE(testkit::publishSeq(http, service, id, progressEvent(2)), -404);
    // Its place is free again (--max-sessions 1).
    QVERIFY(!testkit::startSession(http, service).isEmpty());
}

void tst_SsebufdSessions::activeSessionDoesNotExpire()
{
    // The time-to-live runs from a session's last event: one that keeps producing lives on.
    ServiceProcess service;
    QVERIFY2(service.start(oneSecondTtl("1")), qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = testkit::startSession(http, service);
    QVERIFY(!id.isEmpty());
    QList<qint64> answers;
    QTimer pacer;
    pacer.setInterval(300);
    bool busy = false; // publishSeq() runs a nested event loop in which the timer may fire
    QObject::connect(&pacer, &QTimer::timeout, &pacer, [&] {
        if (busy || answers.size() >= 8)
            return;
        const QScopedValueRollback<bool> guard(busy, true);
        answers.append(testkit::publishSeq(http, service, id, progressEvent(answers.size() + 1)));
    });
    pacer.start();
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 8, 10000); // about 2.4 s, more than the TTL
    pacer.stop();
    QCOMPARE(answers, range(1, 8));
}

void tst_SsebufdSessions::expiredSessionsFreeTheirPlace()
{
    // --max-sessions counts sessions until they expire, not until the next sweep.
    ServiceProcess service;
    QVERIFY2(service.start(oneSecondTtl("3600", {"--max-sessions", "1"})),
             qPrintable(service.errorText()));
    HttpTestClient http;
    QElapsedTimer elapsed;
    elapsed.start();
    QVERIFY(!testkit::startSession(http, service).isEmpty());
    QCOMPARE(http.postJson(service.url("/api/refactor"), startBody("p")).status, 503);
    QTRY_VERIFY_WITH_TIMEOUT(elapsed.elapsed() > 1200, 5000); // the first one expires
    const HttpTestReply again = http.postJson(service.url("/api/refactor"), startBody("p"));
    QCOMPARE(again.status, 201);
}

void tst_SsebufdSessions::eventLargerThanBuffer()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--max-buffer-bytes", "2048"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = testkit::startSession(http, service);
    const HttpTestReply tooLarge
        = http.postJson(eventsUrl(service, id), progressEvent(1, QString(3000, 'x')));
    QCOMPARE(tooLarge.status, 422);
    QVERIFY(!tooLarge.json().value("error").toString().isEmpty());
    QCOMPARE(tooLarge.json().value("field").toString(), QStringLiteral("message"));
    // Nothing was appended: the next event is still seq 1.
    QCOMPARE(testkit::publishSeq(http, service, id, progressEvent(1, QString(1500, 'x'))), 1);
}

void tst_SsebufdSessions::unknownRouteAndMethod()
{
    const HttpTestReply unknown = m_http.get(m_demo.url("/api/nothing"));
    QCOMPARE(unknown.status, 404);
    QVERIFY(!unknown.json().value("error").toString().isEmpty());
    const HttpTestReply wrongMethod = m_http.get(m_demo.url("/api/refactor"));
    QCOMPARE(wrongMethod.status, 405);
    QCOMPARE(wrongMethod.header("Allow"), QByteArray("POST"));
    QVERIFY(!wrongMethod.json().value("error").toString().isEmpty());
    QCOMPARE(m_http.get(m_demo.url("/api/refactor/")).status, 404);
}

void tst_SsebufdSessions::helpAndUsageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output"); // a fragment of stdout (exit 0) or stderr (exit 2)

    QTest::newRow("--help") << QStringList {"--help"} << 0 << "--session-ttl";
    QTest::newRow("-h") << QStringList {"-h"} << 0 << "SSEBUF_MAX_EVENTS";
    QTest::newRow("--version") << QStringList {"--version"} << 0 << SSEBUF_VERSION;
    QTest::newRow("unknown option") << QStringList {"--no-such-option"} << 2 << "no-such-option";
    QTest::newRow("bad value") << QStringList {"--max-events", "many"} << 2 << "max-events";
    QTest::newRow("bad listen") << QStringList {"--listen", "localhost"} << 2 << "listen";
}

void tst_SsebufdSessions::helpAndUsageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, output);
    QProcess process;
    process.start(ServiceProcess::binaryPath(), arguments);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), exitCode);
    const QString out = QString::fromLocal8Bit(process.readAllStandardOutput());
    const QString err = QString::fromLocal8Bit(process.readAllStandardError());
    QVERIFY2((exitCode == 0 ? out : err).contains(output), qPrintable(out + err));
    if (arguments.first() == QLatin1String("--help")) {
        for (const char *name : {"--listen",
                                 "SSEBUF_LISTEN",
                                 "--pipeline",
                                 "SSEBUF_PIPELINE",
                                 "--store",
                                 "SSEBUF_STORE",
                                 "--admin-token-file",
                                 "SSEBUF_ADMIN_TOKEN",
                                 "--session-ttl",
                                 "SSEBUF_SESSION_TTL",
                                 "--max-events",
                                 "SSEBUF_MAX_EVENTS",
                                 "--max-buffer-bytes",
                                 "SSEBUF_MAX_BUFFER_BYTES",
                                 "--max-sessions",
                                 "SSEBUF_MAX_SESSIONS",
                                 "--sweep-interval",
                                 "SSEBUF_SWEEP_INTERVAL",
                                 "--keepalive",
                                 "SSEBUF_KEEPALIVE",
                                 "--demo-step-ms",
                                 "SSEBUF_DEMO_STEP_MS",
                                 "--config"})
            QVERIFY2(out.contains(QLatin1String(name)), name);
    }
}

void tst_SsebufdSessions::configFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile ini(dir.filePath("ssebufd.ini"));
    QVERIFY(ini.open(QIODevice::WriteOnly));
    ini.write("[ssebufd]\npipeline = external\nmax-sessions = 1\nretry-ms = 1234\n");
    ini.close();
    ServiceProcess service;
    QVERIFY2(service.start({"--config", ini.fileName()}), qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = testkit::startSession(http, service);
    QVERIFY(!id.isEmpty());
    // external: nothing but the publish API produces events, so this is event 1.
    QCOMPARE(testkit::publishSeq(http, service, id, finalEvent()), 1);
    QCOMPARE(http.postJson(service.url("/api/refactor"), startBody("p")).status, 503);
    const auto client = streamToEnd(service, id);
    QVERIFY(client->rawBody().startsWith("retry: 1234\n\n"));
    // The variable beats the file.
    ServiceProcess overridden;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SSEBUF_MAX_SESSIONS", "2");
    QVERIFY2(overridden.start({"--config", ini.fileName()}, env),
             qPrintable(overridden.errorText()));
    QVERIFY(!testkit::startSession(http, overridden).isEmpty());
    QVERIFY(!testkit::startSession(http, overridden).isEmpty());
    QCOMPARE(http.postJson(overridden.url("/api/refactor"), startBody("p")).status, 503);
}

void tst_SsebufdSessions::listenAddress_data()
{
    QTest::addColumn<QString>("listen");
    QTest::addColumn<QString>("host"); // in the "listening on" line
    QTest::newRow("IPv4") << "127.0.0.1:0"
                          << "127.0.0.1";
    QTest::newRow("IPv6") << "[::1]:0"
                          << "::1";
    QTest::newRow("localhost") << "localhost:0"
                               << "127.0.0.1";
}

void tst_SsebufdSessions::listenAddress()
{
    if (!QFile::exists("/proc/net/if_inet6") && QTest::currentDataTag() == QLatin1String("IPv6"))
        QSKIP("no IPv6 on this machine");
    QFETCH(QString, listen);
    QFETCH(QString, host);
    ServiceProcess service;
    // The last --listen wins over the one ServiceProcess puts first.
    QVERIFY2(service.start({"--listen", listen}), qPrintable(service.errorText()));
    QCOMPARE(service.baseUrl().host(), host);
    QVERIFY(service.port() > 0); // port 0 was replaced by the real one
    HttpTestClient http;
    QCOMPARE(http.get(service.url("/healthz")).status, 200);
    QVERIFY(!testkit::startSession(http, service, startBody("hello")).isEmpty());
}

QTEST_GUILESS_MAIN(tst_SsebufdSessions)
#include "tst_ssebufd_sessions.moc"
