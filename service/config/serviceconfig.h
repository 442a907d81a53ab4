#ifndef SSEBUF_SERVICECONFIG_H
#define SSEBUF_SERVICECONFIG_H

#include <QByteArray>
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace ssebuf {

// Every setting of ssebufd (contract section 8 plus the service's own), resolved from
// command-line options, SSEBUF_* environment variables and the INI file of --config, in
// that order of precedence.
struct ServiceConfig
{
    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 listenPort = 8000;
    QString pipeline = QStringLiteral("demo");
    QString store = QStringLiteral("memory");
    QByteArray adminToken; // empty: loopback only
    int sessionTtlSeconds = 300;
    int maxEvents = 1000;
    qint64 maxBufferBytes = 1048576;
    int maxSessions = 10000;
    int redisWaitReplicas = 0;
    int sweepIntervalSeconds = 60;
    int keepaliveSeconds = 15;
    int demoStepMs = 200;
    qint64 maxBodyBytes = 1048576;
    int maxHeaderBytes = 16384;
    qint64 maxUnsentBytes = 1048576;
    int retryMs = 3000;
    int retryAfterSeconds = 5;
    int shutdownGraceSeconds = 5;
    int execTimeoutSeconds = 120;
    int publishIdleTimeoutSeconds = 300; // a streaming publish silent this long gets 408
    bool execPassCredentials = false;
    int maxIdempotencyKeys = 10000;
    int maxBatchEvents = 1000;
    int execKillGraceSeconds = 5;
    QString tlsCertificateFile; // PEM; with tlsKeyFile, serves HTTPS
    QString tlsKeyFile;
    QString logLevel = QStringLiteral("info");
    QString logFormat = QStringLiteral("text");
    // Hardening (contract 1.1 section 16, issue 15).
    int requestTimeoutSeconds = 30;
    int maxConnections = 20000;
    int maxConnectionsPerIp = 2000;
    QList<QPair<QHostAddress, int>> trustedProxies; // address/prefix; empty: none
    QStringList allowedHosts; // lower case, no port; empty: the default list
    QByteArray publishToken; // empty: publish follows the admin token or the loopback rule
    int execMaxProducers = 100;
    bool execStderrInEvent = false;

    QString listenText() const;
    bool usesTls() const { return !tlsCertificateFile.isEmpty(); }
    // --allowed-hosts, or its default: localhost, 127.0.0.1, [::1] and the listen host.
    QStringList effectiveAllowedHosts() const;
};

// Loads a ServiceConfig. Outcomes: a config, or a message for the user together with an
// exit code (0 for --help/--version, 2 for a usage error).
class ConfigLoader
{
public:
    struct Result
    {
        std::optional<ServiceConfig> config;
        QString message;
        int exitCode = 0;
    };

    static Result load(const QStringList &arguments, const QProcessEnvironment &environment);
    // The --help text: every option with its variable, meaning and default.
    static QString helpText();
};

} // namespace ssebuf

#endif
