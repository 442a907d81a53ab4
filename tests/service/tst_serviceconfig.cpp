#include "config/serviceconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ssebuf;

namespace {

// The value of one setting, as text, so one table can cover every setting.
QString valueOf(const ServiceConfig &config, const QString &name)
{
    if (name == "listen")
        return config.listenText();
    if (name == "pipeline")
        return config.pipeline;
    if (name == "store")
        return config.store;
    if (name == "admin-token-file")
        return QString::fromUtf8(config.adminToken);
    if (name == "session-ttl")
        return QString::number(config.sessionTtlSeconds);
    if (name == "max-events")
        return QString::number(config.maxEvents);
    if (name == "max-buffer-bytes")
        return QString::number(config.maxBufferBytes);
    if (name == "max-sessions")
        return QString::number(config.maxSessions);
    if (name == "sweep-interval")
        return QString::number(config.sweepIntervalSeconds);
    if (name == "keepalive")
        return QString::number(config.keepaliveSeconds);
    if (name == "demo-step-ms")
        return QString::number(config.demoStepMs);
    if (name == "max-body-bytes")
        return QString::number(config.maxBodyBytes);
    if (name == "max-unsent-bytes")
        return QString::number(config.maxUnsentBytes);
    if (name == "publish-idle-timeout")
        return QString::number(config.publishIdleTimeoutSeconds);
    return QStringLiteral("<unknown setting %1>").arg(name);
}

QProcessEnvironment environment(const QList<QPair<QString, QString>> &variables = {})
{
    QProcessEnvironment env; // empty: the test's own environment must not leak in
    for (const auto &variable : variables)
        env.insert(variable.first, variable.second);
    return env;
}

ConfigLoader::Result load(const QStringList &options, const QProcessEnvironment &env = {})
{
    return ConfigLoader::load(QStringList {QStringLiteral("ssebufd")} + options, env);
}

} // namespace

class tst_ServiceConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void defaults();
    void precedence_data();
    void precedence();
    void equalsForm();
    void iniValues_data();
    void iniValues();
    void invalid_data();
    void invalid();
    void help();
    void version();

private:
    QString writeFile(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

void tst_ServiceConfig::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString tst_ServiceConfig::writeFile(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(content);
    return path;
}

void tst_ServiceConfig::defaults()
{
    const auto result = load({}, environment());
    QVERIFY2(result.config, qPrintable(result.message));
    const ServiceConfig &config = *result.config;
    // Contract section 8 defaults.
    QCOMPARE(config.listenText(), QStringLiteral("127.0.0.1:8000"));
    QCOMPARE(config.pipeline, QStringLiteral("demo"));
    QCOMPARE(config.store, QStringLiteral("memory"));
    QCOMPARE(config.publishIdleTimeoutSeconds, 300);
    QVERIFY(config.adminToken.isEmpty());
    QCOMPARE(config.sessionTtlSeconds, 300);
    QCOMPARE(config.maxEvents, 1000);
    QCOMPARE(config.maxBufferBytes, 1048576);
    QCOMPARE(config.maxSessions, 10000);
    QCOMPARE(config.sweepIntervalSeconds, 60);
    QCOMPARE(config.keepaliveSeconds, 15);
    QCOMPARE(config.demoStepMs, 200);
    // Contract sections 1, 2 and 6.
    QCOMPARE(config.maxBodyBytes, 1048576);
    QCOMPARE(config.maxUnsentBytes, 1048576);
    QCOMPARE(config.retryMs, 3000);
}

void tst_ServiceConfig::precedence_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("fromOption");
    QTest::addColumn<QString>("fromVariable");
    QTest::addColumn<QString>("fromFile");

    // Every name of contract section 8 (admin-token-file has its own rules, below).
    QTest::newRow("listen") << "listen"
                            << "SSEBUF_LISTEN"
                            << "127.0.0.1:1001"
                            << "127.0.0.1:1002"
                            << "127.0.0.1:1003";
    QTest::newRow("pipeline") << "pipeline"
                              << "SSEBUF_PIPELINE"
                              << "external"
                              << "exec:/bin/cat"
                              << "demo";
    QTest::newRow("store") << "store"
                           << "SSEBUF_STORE"
                           << "redis://127.0.0.1:6379"
                           << "memory"
                           << "redis://localhost:6380/2";
    QTest::newRow("session-ttl") << "session-ttl"
                                 << "SSEBUF_SESSION_TTL"
                                 << "11"
                                 << "12"
                                 << "13";
    QTest::newRow("max-events") << "max-events"
                                << "SSEBUF_MAX_EVENTS"
                                << "21"
                                << "22"
                                << "23";
    QTest::newRow("max-buffer-bytes") << "max-buffer-bytes"
                                      << "SSEBUF_MAX_BUFFER_BYTES"
                                      << "20001"
                                      << "20002"
                                      << "20003";
    QTest::newRow("max-sessions") << "max-sessions"
                                  << "SSEBUF_MAX_SESSIONS"
                                  << "31"
                                  << "32"
                                  << "33";
    QTest::newRow("sweep-interval") << "sweep-interval"
                                    << "SSEBUF_SWEEP_INTERVAL"
                                    << "41"
                                    << "42"
                                    << "43";
    QTest::newRow("keepalive") << "keepalive"
                               << "SSEBUF_KEEPALIVE"
                               << "51"
                               << "52"
                               << "53";
    QTest::newRow("demo-step-ms") << "demo-step-ms"
                                  << "SSEBUF_DEMO_STEP_MS"
                                  << "61"
                                  << "62"
                                  << "63";
    QTest::newRow("max-body-bytes") << "max-body-bytes"
                                    << "SSEBUF_MAX_BODY_BYTES"
                                    << "70001"
                                    << "70002"
                                    << "70003";
    QTest::newRow("max-unsent-bytes") << "max-unsent-bytes"
                                      << "SSEBUF_MAX_UNSENT_BYTES"
                                      << "80001"
                                      << "80002"
                                      << "80003";
    QTest::newRow("publish-idle-timeout") << "publish-idle-timeout"
                                          << "SSEBUF_PUBLISH_IDLE_TIMEOUT"
                                          << "91"
                                          << "92"
                                          << "93";
    // For the token, the option and the file name a token file; the variable holds the token.
    QTest::newRow("admin-token-file") << "admin-token-file"
                                      << "SSEBUF_ADMIN_TOKEN"
                                      << "token-from-option"
                                      << "token-from-variable"
                                      << "token-from-ini";
}

void tst_ServiceConfig::precedence()
{
    QFETCH(QString, name);
    QFETCH(QString, variable);
    QFETCH(QString, fromOption);
    QFETCH(QString, fromVariable);
    QFETCH(QString, fromFile);

    QString optionValue = fromOption;
    QString fileValue = fromFile;
    if (name == QLatin1String("admin-token-file")) {
        // A trailing newline in a token file is not part of the token.
        optionValue = writeFile("option.token", fromOption.toUtf8() + "\n");
        fileValue = writeFile("ini.token", fromFile.toUtf8() + "\r\n");
    }
    const QString ini = writeFile(
        name + ".ini", "[ssebufd]\n" + name.toUtf8() + " = " + fileValue.toUtf8() + "\n");
    const QProcessEnvironment env = environment({{variable, fromVariable}});
    const QStringList option {"--" + name, optionValue};
    const QStringList config {"--config", ini};

    auto resolved = [&](const QStringList &args, const QProcessEnvironment &e) {
        const auto result = load(args, e);
        if (!result.config)
            return QStringLiteral("error: ") + result.message;
        return valueOf(*result.config, name);
    };
    QCOMPARE(resolved(option + config, env), fromOption); // option > variable > file
    QCOMPARE(resolved(config + option, env), fromOption); // order of options does not matter
    QCOMPARE(resolved(config, env), fromVariable); // variable > file
    QCOMPARE(resolved(config, environment()), fromFile);
    QCOMPARE(resolved(option, environment()), fromOption);
    QCOMPARE(resolved({}, env), fromVariable);
    // SSEBUF_CONFIG names the file when --config is not given.
    QCOMPARE(resolved({}, environment({{"SSEBUF_CONFIG", ini}})), fromFile);
}

void tst_ServiceConfig::equalsForm()
{
    const auto result = load({"--max-events=7", "--listen=[::1]:0"}, environment());
    QVERIFY2(result.config, qPrintable(result.message));
    QCOMPARE(result.config->maxEvents, 7);
    QCOMPARE(result.config->listenAddress, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(result.config->listenPort, quint16(0));
}

void tst_ServiceConfig::iniValues_data()
{
    QTest::addColumn<QByteArray>("line"); // as written in the file
    QTest::addColumn<QString>("pipeline"); // as the service must see it

    QTest::newRow("plain") << QByteArray("pipeline = exec:/usr/bin/producer --fast")
                           << "exec:/usr/bin/producer --fast";
    QTest::newRow("comma") << QByteArray("pipeline = exec:/bin/producer --tags=a,b")
                           << "exec:/bin/producer --tags=a,b";
    QTest::newRow("comma and space")
        << QByteArray("pipeline = exec:/bin/producer a, b") << "exec:/bin/producer a, b";
    QTest::newRow("single quotes")
        << QByteArray("pipeline = exec:/bin/sh -c 'exit 0'") << "exec:/bin/sh -c 'exit 0'";
    QTest::newRow("semicolon") << QByteArray("pipeline = exec:/bin/sh -c 'echo x; exit 0'")
                               << "exec:/bin/sh -c 'echo x; exit 0'";
    QTest::newRow("quoted whole") << QByteArray("pipeline = \"exec:/bin/producer a, b\"")
                                  << "exec:/bin/producer a, b";
}

void tst_ServiceConfig::iniValues()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, pipeline);
    // A file of its own per row: the line sits among comments and other sections.
    const QString ini = writeFile(QStringLiteral("values-%1.ini").arg(QTest::currentDataTag()),
                                  "; ssebufd settings\n# written by the test\n[other]\n"
                                  "pipeline = demo\n\n[ssebufd]\n"
                                      + line + "\nkeepalive = 7\n");
    const auto result = load({"--config", ini}, environment());
    QVERIFY2(result.config, qPrintable(result.message));
    QCOMPARE(result.config->pipeline, pipeline);
    QCOMPARE(result.config->keepaliveSeconds, 7);
}

void tst_ServiceConfig::invalid_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("variables"); // NAME=value
    QTest::addColumn<QByteArray>("ini"); // [ssebufd] content; empty: no file
    QTest::addColumn<QString>("mentions"); // the message names what is wrong

    const QStringList none;
    QTest::newRow("unknown option")
        << QStringList {"--bogus", "1"} << none << QByteArray() << "bogus";
    QTest::newRow("positional argument")
        << QStringList {"serve"} << none << QByteArray() << "serve";
    QTest::newRow("single dash") << QStringList {"-x"} << none << QByteArray() << "-x";
    QTest::newRow("missing value")
        << QStringList {"--max-events"} << none << QByteArray() << "max-events";
    QTest::newRow("ttl zero") << QStringList {"--session-ttl", "0"} << none << QByteArray()
                              << "session-ttl";
    QTest::newRow("ttl text") << QStringList {"--session-ttl", "5m"} << none << QByteArray()
                              << "session-ttl";
    QTest::newRow("max-events negative")
        << QStringList {"--max-events", "-1"} << none << QByteArray() << "max-events";
    QTest::newRow("max-sessions zero")
        << QStringList {"--max-sessions", "0"} << none << QByteArray() << "max-sessions";
    QTest::newRow("keepalive zero")
        << QStringList {"--keepalive", "0"} << none << QByteArray() << "keepalive";
    QTest::newRow("sweep text") << QStringList {"--sweep-interval", "often"} << none << QByteArray()
                                << "sweep-interval";
    QTest::newRow("demo-step negative")
        << QStringList {"--demo-step-ms", "-5"} << none << QByteArray() << "demo-step-ms";
    QTest::newRow("buffer bytes huge")
        << QStringList {"--max-buffer-bytes", "1e9"} << none << QByteArray() << "max-buffer-bytes";
    QTest::newRow("listen without port")
        << QStringList {"--listen", "127.0.0.1"} << none << QByteArray() << "listen";
    QTest::newRow("listen port too big")
        << QStringList {"--listen", "127.0.0.1:70000"} << none << QByteArray() << "listen";
    QTest::newRow("listen bad host")
        << QStringList {"--listen", "no such host:80"} << none << QByteArray() << "listen";
    QTest::newRow("pipeline unknown")
        << QStringList {"--pipeline", "magic"} << none << QByteArray() << "pipeline";
    QTest::newRow("pipeline empty exec")
        << QStringList {"--pipeline", "exec:"} << none << QByteArray() << "pipeline";
    QTest::newRow("store unknown")
        << QStringList {"--store", "mysql://db"} << none << QByteArray() << "store";
    QTest::newRow("token file missing") << QStringList {"--admin-token-file", "/nonexistent/token"}
                                        << none << QByteArray() << "/nonexistent/token";
    QTest::newRow("config missing") << QStringList {"--config", "/nonexistent/ssebufd.ini"} << none
                                    << QByteArray() << "/nonexistent/ssebufd.ini";
    QTest::newRow("bad variable") << none << QStringList {"SSEBUF_MAX_SESSIONS=lots"}
                                  << QByteArray() << "SSEBUF_MAX_SESSIONS";
    QTest::newRow("bad listen variable")
        << none << QStringList {"SSEBUF_LISTEN=:::"} << QByteArray() << "SSEBUF_LISTEN";
    QTest::newRow("bad INI value")
        << none << none << QByteArray("keepalive = never\n") << "keepalive";
    QTest::newRow("unknown INI key")
        << none << none << QByteArray("listne = 127.0.0.1:1\n") << "listne";
    QTest::newRow("not INI") << none << none << QByteArray("listen 127.0.0.1:1\n") << "line 2";
}

void tst_ServiceConfig::invalid()
{
    QFETCH(QStringList, options);
    QFETCH(QStringList, variables);
    QFETCH(QByteArray, ini);
    QFETCH(QString, mentions);
    QProcessEnvironment env;
    for (const QString &variable : variables)
        env.insert(variable.section('=', 0, 0), variable.section('=', 1));
    if (!ini.isEmpty())
        options += {"--config", writeFile("invalid.ini", "[ssebufd]\n" + ini)};
    const auto result = load(options, env);
    QVERIFY(!result.config);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.message.contains(mentions), qPrintable(result.message));
}

void tst_ServiceConfig::help()
{
    for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("-h")}) {
        // --help wins even after an option that would be invalid on its own.
        const auto result = load({"--max-events", "5", flag}, environment());
        QVERIFY(!result.config);
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.message, ConfigLoader::helpText());
    }
    const QString text = ConfigLoader::helpText();
    const QStringList names {"listen",
                             "pipeline",
                             "store",
                             "admin-token-file",
                             "session-ttl",
                             "max-events",
                             "max-buffer-bytes",
                             "max-sessions",
                             "sweep-interval",
                             "keepalive",
                             "demo-step-ms",
                             "max-body-bytes",
                             "max-header-bytes",
                             "max-unsent-bytes",
                             "retry-ms",
                             "publish-idle-timeout",
                             "config"};
    for (const QString &name : names)
        QVERIFY2(text.contains("--" + name + ' '), qPrintable(name));
    for (const QString &name : names) {
        QString variable = "SSEBUF_" + name.toUpper().replace('-', '_');
        if (name == "admin-token-file")
            variable = "SSEBUF_ADMIN_TOKEN";
        QVERIFY2(text.contains(variable), qPrintable(variable));
    }
    for (const char *fragment :
         {"127.0.0.1:8000", "default: 300", "default: 1000", "default: 1048576", "default: 10000",
          "default: 60", "default: 15", "default: 200", "[ssebufd]"})
        QVERIFY2(text.contains(QLatin1String(fragment)), fragment);
}

void tst_ServiceConfig::version()
{
    const auto result = load({"--version"}, environment());
    QVERIFY(!result.config);
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.message.contains(QStringLiteral(SSEBUF_VERSION)));
}

QTEST_GUILESS_MAIN(tst_ServiceConfig)
#include "tst_serviceconfig.moc"
