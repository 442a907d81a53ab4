// Issue 15, configuration: the options of contract 1.1 section 16 that belong to hardening
// (option, variable and INI key), the exec producer cap and stderr options, and empty
// tokens (set but empty: exit 2 with a message, never token-less mode).

#include "config/serviceconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ssebuf;

namespace {

ConfigLoader::Result load(const QStringList &options, const QProcessEnvironment &env = {})
{
    return ConfigLoader::load(QStringList {QStringLiteral("ssebufd")} + options, env);
}

QProcessEnvironment env(const QString &name, const QString &value)
{
    QProcessEnvironment environment;
    environment.insert(name, value);
    return environment;
}

} // namespace

class tst_HardeningConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void defaults();
    void optionsVariablesAndKeys();
    void emptyTokenIsAnError_data();
    void emptyTokenIsAnError();
    void publishToken();
    void helpListsEveryOption();

private:
    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write(content);
        return path;
    }
    QTemporaryDir m_dir;
};

void tst_HardeningConfig::defaults()
{
    const auto result = load({});
    QVERIFY2(result.config, qPrintable(result.message));
    const ServiceConfig &config = *result.config;
    QCOMPARE(config.requestTimeoutSeconds, 30);
    QCOMPARE(config.maxConnections, 20000);
    QCOMPARE(config.maxConnectionsPerIp, 2000);
    QVERIFY(config.trustedProxies.isEmpty());
    QVERIFY(config.publishToken.isEmpty());
    QCOMPARE(config.execMaxProducers, 100);
    QCOMPARE(config.execStderrInEvent, false);
    QCOMPARE(config.effectiveAllowedHosts(),
             QStringList({"localhost", "127.0.0.1", "[::1]"})); // the listen host is 127.0.0.1
    const auto other = load({"--listen", "10.1.2.3:8000"});
    QVERIFY(other.config);
    QCOMPARE(other.config->effectiveAllowedHosts(),
             QStringList({"localhost", "127.0.0.1", "[::1]", "10.1.2.3"}));
}

void tst_HardeningConfig::optionsVariablesAndKeys()
{
    const auto options = load({"--request-timeout", "7", "--max-connections", "50",
                               "--max-connections-per-ip", "9", "--trusted-proxy",
                               "127.0.0.1, 10.0.0.0/8", "--allowed-hosts", "Example.COM,ssebuf",
                               "--exec-max-producers", "3", "--exec-stderr-in-event", "true"});
    QVERIFY2(options.config, qPrintable(options.message));
    QCOMPARE(options.config->requestTimeoutSeconds, 7);
    QCOMPARE(options.config->maxConnections, 50);
    QCOMPARE(options.config->maxConnectionsPerIp, 9);
    QCOMPARE(options.config->trustedProxies.size(), 2);
    QCOMPARE(options.config->trustedProxies.at(1).second, 8);
    QCOMPARE(options.config->effectiveAllowedHosts(), QStringList({"example.com", "ssebuf"}));
    QCOMPARE(options.config->execMaxProducers, 3);
    QCOMPARE(options.config->execStderrInEvent, true);

    QProcessEnvironment variables;
    variables.insert("SSEBUF_REQUEST_TIMEOUT", "8");
    variables.insert("SSEBUF_MAX_CONNECTIONS", "51");
    variables.insert("SSEBUF_MAX_CONNECTIONS_PER_IP", "10");
    variables.insert("SSEBUF_TRUSTED_PROXY", "::1");
    variables.insert("SSEBUF_ALLOWED_HOSTS", "a.example");
    variables.insert("SSEBUF_EXEC_MAX_PRODUCERS", "4");
    variables.insert("SSEBUF_EXEC_STDERR_IN_EVENT", "yes");
    const auto fromVariables = load({}, variables);
    QVERIFY2(fromVariables.config, qPrintable(fromVariables.message));
    QCOMPARE(fromVariables.config->requestTimeoutSeconds, 8);
    QCOMPARE(fromVariables.config->maxConnections, 51);
    QCOMPARE(fromVariables.config->maxConnectionsPerIp, 10);
    QCOMPARE(fromVariables.config->trustedProxies.value(0).second, 128);
    QCOMPARE(fromVariables.config->effectiveAllowedHosts(), QStringList({"a.example"}));
    QCOMPARE(fromVariables.config->execMaxProducers, 4);
    QCOMPARE(fromVariables.config->execStderrInEvent, true);

    const QString token = writeFile("publish.token", "p-token\n");
    const QString ini = writeFile(
        "hardening.ini",
        "[ssebufd]\nrequest-timeout = 9\nmax-connections = 52\nmax-connections-per-ip = 11\n"
        "trusted-proxy = 192.0.2.1\nallowed-hosts = b.example\nexec-max-producers = 5\n"
        "exec-stderr-in-event = on\npublish-token-file = "
            + token.toUtf8() + "\n");
    const auto fromFile = load({"--config", ini});
    QVERIFY2(fromFile.config, qPrintable(fromFile.message));
    QCOMPARE(fromFile.config->requestTimeoutSeconds, 9);
    QCOMPARE(fromFile.config->maxConnections, 52);
    QCOMPARE(fromFile.config->maxConnectionsPerIp, 11);
    QCOMPARE(fromFile.config->trustedProxies.value(0).first, QHostAddress("192.0.2.1"));
    QCOMPARE(fromFile.config->effectiveAllowedHosts(), QStringList({"b.example"}));
    QCOMPARE(fromFile.config->execMaxProducers, 5);
    QCOMPARE(fromFile.config->execStderrInEvent, true);
    QCOMPARE(fromFile.config->publishToken, QByteArray("p-token"));

    for (const QStringList &bad :
         {QStringList {"--request-timeout", "0"}, QStringList {"--max-connections", "0"},
          QStringList {"--trusted-proxy", "not-an-address"},
          QStringList {"--exec-max-producers", "0"},
          QStringList {"--exec-stderr-in-event", "maybe"}}) {
        const auto result = load(bad);
        QVERIFY2(!result.config, qPrintable(bad.join(' ')));
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.message.contains(bad.first()), qPrintable(result.message));
    }
}

void tst_HardeningConfig::emptyTokenIsAnError_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("variable"); // NAME=value, empty for none
    QTest::addColumn<QByteArray>("ini");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("admin variable empty")
        << QStringList() << "SSEBUF_ADMIN_TOKEN=" << QByteArray() << "SSEBUF_ADMIN_TOKEN";
    QTest::newRow("admin variable blank")
        << QStringList() << "SSEBUF_ADMIN_TOKEN=  " << QByteArray() << "SSEBUF_ADMIN_TOKEN";
    // The empty variable used to win over the file's token, silently.
    QTest::newRow("admin variable empty over a file")
        << QStringList() << "SSEBUF_ADMIN_TOKEN=" << QByteArray("admin-token-file = @token@\n")
        << "SSEBUF_ADMIN_TOKEN";
    QTest::newRow("admin option empty")
        << QStringList {"--admin-token-file="} << QString() << QByteArray() << "admin-token-file";
    QTest::newRow("admin file empty")
        << QStringList {"--admin-token-file", "@empty@"} << QString() << QByteArray() << "empty";
    QTest::newRow("admin file only a newline")
        << QStringList {"--admin-token-file", "@newline@"} << QString() << QByteArray() << "empty";
    QTest::newRow("publish variable empty")
        << QStringList() << "SSEBUF_PUBLISH_TOKEN=" << QByteArray() << "SSEBUF_PUBLISH_TOKEN";
    QTest::newRow("publish file empty") << QStringList {"--publish-token-file", "@empty@"}
                                        << QString() << QByteArray() << "publish token file";
    QTest::newRow("publish key empty")
        << QStringList() << QString() << QByteArray("publish-token-file =\n")
        << "publish-token-file";
}

void tst_HardeningConfig::emptyTokenIsAnError()
{
    QFETCH(QStringList, options);
    QFETCH(QString, variable);
    QFETCH(QByteArray, ini);
    QFETCH(QString, mentions);
    const QString empty = writeFile("empty.token", "");
    const QString newline = writeFile("newline.token", "\n");
    const QString token = writeFile("good.token", "from-the-file\n");
    for (QString &option : options)
        option.replace("@empty@", empty).replace("@newline@", newline);
    ini.replace("@token@", token.toUtf8());
    if (!ini.isEmpty())
        options += {"--config", writeFile("tokens.ini", "[ssebufd]\n" + ini)};
    const auto result
        = load(options,
               variable.isEmpty() ? QProcessEnvironment()
                                  : env(variable.section('=', 0, 0), variable.section('=', 1)));
    QVERIFY2(!result.config, "an empty token must not start token-less");
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.message.contains(mentions), qPrintable(result.message));
}

void tst_HardeningConfig::publishToken()
{
    const auto fromVariable = load({}, env("SSEBUF_PUBLISH_TOKEN", "producer-secret"));
    QVERIFY2(fromVariable.config, qPrintable(fromVariable.message));
    QCOMPARE(fromVariable.config->publishToken, QByteArray("producer-secret"));
    QVERIFY(fromVariable.config->adminToken.isEmpty());
    const QString file = writeFile("p.token", "file-secret\r\n");
    const auto fromFile = load({"--publish-token-file", file});
    QVERIFY2(fromFile.config, qPrintable(fromFile.message));
    QCOMPARE(fromFile.config->publishToken, QByteArray("file-secret"));
}

void tst_HardeningConfig::helpListsEveryOption()
{
    const QString help = load({"--help"}).message;
    for (const char *name :
         {"--request-timeout", "SSEBUF_REQUEST_TIMEOUT", "--max-connections ",
          "SSEBUF_MAX_CONNECTIONS;", "--max-connections-per-ip", "SSEBUF_MAX_CONNECTIONS_PER_IP",
          "--trusted-proxy", "SSEBUF_TRUSTED_PROXY", "--allowed-hosts", "SSEBUF_ALLOWED_HOSTS",
          "--publish-token-file", "SSEBUF_PUBLISH_TOKEN", "--exec-max-producers",
          "SSEBUF_EXEC_MAX_PRODUCERS", "--exec-stderr-in-event", "SSEBUF_EXEC_STDERR_IN_EVENT"})
        QVERIFY2(help.contains(QLatin1String(name)), name);
}

QTEST_GUILESS_MAIN(tst_HardeningConfig)
#include "tst_hardeningconfig.moc"
