// Tokens and github_credentials never leave the service (contract sections 1 and 5): a unique
// marker sent as the token, inside github_credentials, in a wrong token and in a query string
// must appear in none of the service's output (stdout and stderr at --log-level debug, in
// both log formats), session streams, admin answers, the admin stream or /metrics; the exec
// pipeline's producer gets the credentials only with --exec-pass-credentials true.

#include "processtestkit.h"
#include "sessiontestkit.h"

#include <QTemporaryDir>
#include <QUuid>

using namespace testkit;

namespace {

QByteArray newMarker()
{
    return "MARKER" + QUuid::createUuid().toByteArray(QUuid::Id128);
}

} // namespace

class tst_Secrets : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void markerAppearsNowhere_data();
    void markerAppearsNowhere();
    void redisStoreNeverSeesSecrets();
    void execProducerStdin_data();
    void execProducerStdin();
    void execProducerEnvironmentHasNoToken();

private:
    QTemporaryDir m_dir;
    HttpTestClient m_http;
};

void tst_Secrets::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_Secrets::markerAppearsNowhere_data()
{
    QTest::addColumn<QString>("format");
    QTest::newRow("text logs") << QStringLiteral("text");
    QTest::newRow("json logs") << QStringLiteral("json");
}

void tst_Secrets::markerAppearsNowhere()
{
    QFETCH(QString, format);
    const QByteArray marker = newMarker();
    const QByteArray token = marker + "-token";
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SSEBUF_ADMIN_TOKEN"), QString::fromLatin1(token));
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--log-level"), QStringLiteral("debug"),
                            QStringLiteral("--log-format"), format, QStringLiteral("--pipeline"),
                            QStringLiteral("demo"), QStringLiteral("--demo-step-ms"),
                            QStringLiteral("20")},
                           environment),
             qPrintable(service.errorText()));
    const Headers auth = bearer(token);
    QByteArray seen; // everything the service answered, to search at the end

    RawSseClient admin;
    admin.open(service.url(QStringLiteral("/api/admin/stream")), auth);
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);

    const QJsonObject credentials {{QStringLiteral("token"), QString::fromLatin1(marker)},
                                   {QStringLiteral("username"), QString::fromLatin1(marker)}};
    // A refactoring session (progress events) and a greeting, both with credentials.
    QStringList ids;
    for (const QString &prompt :
         {QStringLiteral("refactor the payment module"), QStringLiteral("hello")}) {
        const HttpTestReply reply = m_http.postJson(
            service.url(QStringLiteral("/api/refactor")),
            startBody(prompt, {{QStringLiteral("github_credentials"), credentials}}));
        QCOMPARE(reply.status, 201);
        seen += reply.body;
        ids.append(reply.json().value("session_id").toString());
    }
    // A request refused for another field must not echo the credentials either.
    const HttpTestReply refused
        = m_http.postJson(service.url(QStringLiteral("/api/refactor")),
                          startBody(QStringLiteral("refactor"),
                                    {{QStringLiteral("github_credentials"), credentials},
                                     {QStringLiteral("mode"), QStringLiteral("bogus")}}));
    QCOMPARE(refused.status, 422);
    seen += refused.body;
    // Credentials of the wrong type: 422 naming the field, not its value.
    const HttpTestReply wrongType = m_http.postJson(
        service.url(QStringLiteral("/api/refactor")),
        startBody(QStringLiteral("refactor"),
                  {{QStringLiteral("github_credentials"), QString::fromLatin1(marker)}}));
    QCOMPARE(wrongType.status, 422);
    seen += wrongType.body;

    for (const QString &id : std::as_const(ids)) {
        RawSseClient stream;
        QVERIFY(readWholeStream(stream, sseUrl(service, id)));
        QVERIFY(stream.jsonEvents().size() >= 1);
        QVERIFY(stream.jsonEvents().last().value("final").toBool());
        seen += stream.rawBody();
        const HttpTestReply detail = m_http.get(service.url(adminSessionPath(id)), auth);
        QCOMPARE(detail.status, 200);
        seen += detail.body;
    }
    // A published event, a wrong token and a marker in a query string: none is logged.
    const HttpTestReply published = m_http.postJson(
        service.url(eventsPath(ids.first())),
        eventJson(QStringLiteral("progress"), QStringLiteral("running"), QStringLiteral("late")),
        auth);
    seen += published.body; // 409: the session ended
    const HttpTestReply wrong
        = m_http.get(service.url(QStringLiteral("/api/admin/sessions")), bearer(marker + "-wrong"));
    QCOMPARE(wrong.status, 403);
    seen += wrong.body;
    const HttpTestReply query
        = m_http.get(service.url(QStringLiteral("/api/admin/sessions?access_token=")
                                 + QString::fromLatin1(marker)),
                     auth);
    seen += query.body;
    const HttpTestReply list = m_http.get(service.url(QStringLiteral("/api/admin/sessions")), auth);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json().value("sessions").toArray().size(), 2);
    seen += list.body;
    const HttpTestReply metrics = m_http.get(service.url(QStringLiteral("/metrics")), auth);
    QCOMPARE(metrics.status, 200);
    seen += metrics.body;
    QCOMPARE(
        m_http.sendCustom("DELETE", service.url(adminSessionPath(ids.last())), {}, auth).status,
        204);
    QVERIFY(
        !waitForMessage(admin, kindIs(QStringLiteral("session_removed"), ids.last())).isEmpty());
    seen += admin.rawBody();

    QCOMPARE(terminateServing(service), 0);
    const QByteArray output = service.output();
    // The logs did record all of this (so the search below searched something).
    QVERIFY(output.contains(ids.first().toUtf8()));
    QVERIFY(output.contains("/api/admin/sessions"));
    QVERIFY(output.contains("403"));

    QVERIFY2(!output.contains(marker), output.constData());
    QVERIFY2(!seen.contains(marker), seen.constData());
    // Not even in another encoding.
    QVERIFY(!output.contains(marker.toBase64()));
    QVERIFY(!seen.contains(marker.toBase64()));
}

void tst_Secrets::redisStoreNeverSeesSecrets()
{
    // The store is searched twice: every command ssebufd sends (MONITOR) and every value
    // it left behind.
    if (!RedisProcess::isInstalled())
        QSKIP("redis-server and redis-cli are not installed");
    RedisProcess redis;
    QVERIFY2(redis.start(), qPrintable(redis.errorText()));
    // Line-buffered: redis-cli writes to a pipe in blocks otherwise.
    QProcess monitor;
    QByteArray commands;
    monitor.start(QStringLiteral("stdbuf"),
                  {QStringLiteral("-oL"), QStringLiteral("redis-cli"), QStringLiteral("-p"),
                   QString::number(redis.port()), QStringLiteral("MONITOR")});
    if (!monitor.waitForStarted(5000))
        QSKIP("stdbuf is not installed");
    QTRY_VERIFY_WITH_TIMEOUT((commands += monitor.readAllStandardOutput()).contains("OK"), 5000);

    const QByteArray marker = newMarker();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SSEBUF_ADMIN_TOKEN"),
                       QString::fromLatin1(marker + "-token"));
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--store"), redis.url(), QStringLiteral("--pipeline"),
                            QStringLiteral("demo"), QStringLiteral("--demo-step-ms"),
                            QStringLiteral("10")},
                           environment),
             qPrintable(service.errorText()));
    QTRY_COMPARE_WITH_TIMEOUT(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200,
                              10000);
    const QJsonObject credentials {{QStringLiteral("token"), QString::fromLatin1(marker)}};
    QString id;
    for (const QString &prompt : {QStringLiteral("refactor the store"), QStringLiteral("hello")}) {
        id = startSession(m_http, service,
                          startBody(prompt, {{QStringLiteral("github_credentials"), credentials}}));
        QVERIFY(!id.isEmpty());
        RawSseClient stream;
        QVERIFY(readWholeStream(stream, sseUrl(service, id)));
        QVERIFY(stream.jsonEvents().last().value("final").toBool());
        QVERIFY(!stream.rawBody().contains(marker));
    }
    QCOMPARE(
        m_http.get(service.url(QStringLiteral("/api/admin/sessions")), bearer(marker + "-token"))
            .status,
        200);

    QTRY_VERIFY_WITH_TIMEOUT((commands += monitor.readAllStandardOutput()).contains(id.toUtf8()),
                             5000);
    QVERIFY2(!commands.contains(marker), commands.right(4000).constData());

    QByteArray values;
    const QList<QByteArray> keys = redis.cli({QStringLiteral("--scan")}).split('\n');
    QVERIFY(keys.size() >= 2);
    for (const QByteArray &key : keys) {
        const QString name = QString::fromUtf8(key.trimmed());
        if (name.isEmpty())
            continue;
        const QByteArray type = redis.cli({QStringLiteral("TYPE"), name});
        QStringList read;
        if (type == "string")
            read = {QStringLiteral("GET"), name};
        else if (type == "hash")
            read = {QStringLiteral("HGETALL"), name};
        else if (type == "stream")
            read = {QStringLiteral("XRANGE"), name, QStringLiteral("-"), QStringLiteral("+")};
        else if (type == "list")
            read = {QStringLiteral("LRANGE"), name, QStringLiteral("0"), QStringLiteral("-1")};
        else if (type == "set")
            read = {QStringLiteral("SMEMBERS"), name};
        else if (type == "zset")
            read = {QStringLiteral("ZRANGE"), name, QStringLiteral("0"), QStringLiteral("-1")};
        QVERIFY2(!read.isEmpty(),
                 qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(type)));
        values += redis.cli(read) + '\n';
    }
    QVERIFY(values.contains(id.toUtf8()));
    QVERIFY2(!values.contains(marker), values.constData());
    QCOMPARE(terminateServing(service), 0);
    QVERIFY(!service.output().contains(marker));
    monitor.kill();
    monitor.waitForFinished(5000);
}

void tst_Secrets::execProducerStdin_data()
{
    QTest::addColumn<QString>("passCredentials");
    QTest::newRow("default") << QString();
    QTest::newRow("false") << QStringLiteral("false");
    QTest::newRow("true") << QStringLiteral("true");
}

void tst_Secrets::execProducerStdin()
{
    QFETCH(QString, passCredentials);
    const QByteArray marker = newMarker();
    const QString stdinCopy = m_dir.filePath(
        QStringLiteral("stdin-%1.json").arg(QString::fromLatin1(QTest::currentDataTag())));
    const QString script = m_dir.filePath(QStringLiteral("copy-stdin.sh"));
    QVERIFY(
        writeFile(script,
                  "cat > \"$1\"\n"
                  "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":\"ok\"}'\n"));
    QStringList args {QStringLiteral("--pipeline"),
                      QStringLiteral("exec:sh %1 %2").arg(script, stdinCopy),
                      QStringLiteral("--log-level"), QStringLiteral("debug")};
    if (!passCredentials.isEmpty())
        args << QStringLiteral("--exec-pass-credentials") << passCredentials;
    ServiceProcess service;
    QVERIFY2(service.start(args), qPrintable(service.errorText()));

    const QJsonObject credentials {{QStringLiteral("token"), QString::fromLatin1(marker)}};
    const QString id
        = startSession(m_http, service,
                       startBody(QStringLiteral("refactor"),
                                 {{QStringLiteral("github_credentials"), credentials}}));
    QVERIFY(!id.isEmpty());
    RawSseClient stream;
    QVERIFY(readWholeStream(stream, sseUrl(service, id)));
    QCOMPARE(stream.jsonEvents().size(), 1);
    QCOMPARE(stream.jsonEvents().first().value("status").toString(), QStringLiteral("completed"));

    const QJsonObject received = QJsonDocument::fromJson(readFile(stdinCopy).toUtf8()).object();
    QCOMPARE(received.value("session_id").toString(), id);
    if (passCredentials == QLatin1String("true")) {
        QCOMPARE(received.value("github_credentials").toObject(), credentials);
    } else {
        QVERIFY(!received.contains("github_credentials"));
        QVERIFY(!readFile(stdinCopy).contains(QString::fromLatin1(marker)));
    }
    QCOMPARE(terminateServing(service), 0);
    QVERIFY(!service.output().contains(marker));
    QVERIFY(!stream.rawBody().contains(marker));
}

void tst_Secrets::execProducerEnvironmentHasNoToken()
{
    // The admin token given as SSEBUF_ADMIN_TOKEN is ssebufd's secret: a producer (which may
    // run any code, or log its environment) does not inherit it, nor any other SSEBUF_*
    // setting (issue 15: SSEBUF_STORE may hold the Redis password). Other variables it does.
    const QByteArray marker = newMarker();
    const QString envCopy = m_dir.filePath(QStringLiteral("producer-environment.txt"));
    const QString script = m_dir.filePath(QStringLiteral("copy-environment.sh"));
    QVERIFY(
        writeFile(script,
                  "cat > /dev/null\n"
                  "env > \"$1\"\n"
                  "echo '{\"type\":\"result\",\"status\":\"completed\",\"message\":\"ok\"}'\n"));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SSEBUF_ADMIN_TOKEN"), QString::fromLatin1(marker));
    environment.insert(QStringLiteral("SSEBUF_TEST_PRODUCER_SETTING"), QStringLiteral("dropped"));
    environment.insert(QStringLiteral("TEST_PRODUCER_SETTING"), QStringLiteral("kept"));
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--pipeline"),
                            QStringLiteral("exec:sh %1 %2").arg(script, envCopy)},
                           environment),
             qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    RawSseClient stream;
    QVERIFY(readWholeStream(stream, sseUrl(service, id)));
    const QString seen = readFile(envCopy);
    QVERIFY(seen.contains(QLatin1String("TEST_PRODUCER_SETTING=kept")));
    QVERIFY(!seen.contains(QLatin1String("SSEBUF_")));
    QVERIFY(!seen.contains(QLatin1String("SSEBUF_ADMIN_TOKEN")));
    QVERIFY(!seen.contains(QString::fromLatin1(marker)));
    // The token still guards the service itself.
    QCOMPARE(m_http.get(service.url(QStringLiteral("/api/admin/sessions"))).status, 401);
    QCOMPARE(m_http.get(service.url(QStringLiteral("/api/admin/sessions")), bearer(marker)).status,
             200);
}

QTEST_GUILESS_MAIN(tst_Secrets)
#include "tst_secrets.moc"
