#include "serviceconfig.h"

#include "configparsing.h"

#include <QFile>
#include <QRegularExpression>

#include <limits>

namespace ssebuf {

using config::parseFlag;
using config::parseListen;
using config::readIniSection;

namespace {

enum class Kind { Text, Integer, Flag };

struct OptionSpec
{
    const char *name; // long option and INI key
    const char *variable;
    const char *valueName;
    const char *meaning;
    const char *defaultValue;
    Kind kind;
    qint64 minimum;
    qint64 maximum;
};

// The single table behind parsing, --help and the docs.
const OptionSpec kOptions[] = {
    {"listen", "SSEBUF_LISTEN", "HOST:PORT", "address to serve on; port 0 picks a free port",
     "127.0.0.1:8000", Kind::Text, 0, 0},
    {"pipeline", "SSEBUF_PIPELINE", "P",
     "what produces a session's events: demo, external or exec:COMMAND", "demo", Kind::Text, 0, 0},
    {"store", "SSEBUF_STORE", "S",
     "memory, or a redis://, redis-sentinel:// or redis-cluster:// URL (shared store)", "memory",
     Kind::Text, 0, 0},
    {"redis-wait-replicas", "SSEBUF_REDIS_WAIT_REPLICAS", "N",
     "appends wait (WAIT) for N Redis replicas, else 503", "0", Kind::Integer, 0, 16},
    {"admin-token-file", "SSEBUF_ADMIN_TOKEN", "F",
     "file holding the bearer token for admin, metrics and publish routes (the variable holds the "
     "token itself); none: loopback clients only",
     "", Kind::Text, 0, 0},
    {"session-ttl", "SSEBUF_SESSION_TTL", "SECONDS", "retention of a session after its last event",
     "300", Kind::Integer, 1, 30 * 86400},
    {"max-events", "SSEBUF_MAX_EVENTS", "N", "buffered events per session; older ones are evicted",
     "1000", Kind::Integer, 1, 10000000},
    {"max-buffer-bytes", "SSEBUF_MAX_BUFFER_BYTES", "N",
     "buffered bytes (encoded SSE) per session; older events are evicted", "1048576", Kind::Integer,
     1024, qint64(1) << 34},
    {"max-sessions", "SSEBUF_MAX_SESSIONS", "N",
     "sessions held (running or finished) before POST answers 503", "10000", Kind::Integer, 1,
     100000000},
    {"sweep-interval", "SSEBUF_SWEEP_INTERVAL", "SECONDS", "how often expired sessions are removed",
     "60", Kind::Integer, 1, 3600},
    {"keepalive", "SSEBUF_KEEPALIVE", "SECONDS",
     "a ': keepalive' comment is sent after this long without a write", "15", Kind::Integer, 1,
     3600},
    {"demo-step-ms", "SSEBUF_DEMO_STEP_MS", "MS", "pacing of the demo pipeline's progress events",
     "200", Kind::Integer, 0, 600000},
    {"max-body-bytes", "SSEBUF_MAX_BODY_BYTES", "N", "largest request body; larger gets 413",
     "1048576", Kind::Integer, 1024, qint64(1) << 30},
    {"max-header-bytes", "SSEBUF_MAX_HEADER_BYTES", "N",
     "largest request line plus headers; larger gets 431", "16384", Kind::Integer, 1024, 1048576},
    {"max-unsent-bytes", "SSEBUF_MAX_UNSENT_BYTES", "N",
     "a subscriber whose unsent output passes this is disconnected", "1048576", Kind::Integer, 4096,
     qint64(1) << 30},
    {"retry-ms", "SSEBUF_RETRY_MS", "MS",
     "the 'retry:' reconnection delay sent at the start of every stream", "3000", Kind::Integer, 0,
     3600000},
    {"retry-after", "SSEBUF_RETRY_AFTER", "SECONDS", "Retry-After of 503 answers", "5",
     Kind::Integer, 1, 3600},
    {"shutdown-grace", "SSEBUF_SHUTDOWN_GRACE", "SECONDS",
     "on SIGTERM/SIGINT, how long open streams may take to flush before they are cut", "5",
     Kind::Integer, 0, 300},
    {"exec-timeout", "SSEBUF_EXEC_TIMEOUT", "SECONDS",
     "exec pipeline: a process silent for this long is killed and its session fails", "120",
     Kind::Integer, 1, 86400},
    {"exec-pass-credentials", "SSEBUF_EXEC_PASS_CREDENTIALS", "BOOL",
     "exec pipeline: include github_credentials in the request JSON on stdin", "false", Kind::Flag,
     0, 0},
    {"max-idempotency-keys", "SSEBUF_MAX_IDEMPOTENCY_KEYS", "N",
     "idempotency keys a session remembers (oldest first use forgotten first)", "10000",
     Kind::Integer, 1, 10000000},
    {"max-batch-events", "SSEBUF_MAX_BATCH_EVENTS", "N", "events in one batch publish (JSON array)",
     "1000", Kind::Integer, 1, 1000000},
    {"exec-kill-grace", "SSEBUF_EXEC_KILL_GRACE", "SECONDS",
     "exec pipeline: on cancel, SIGKILL this long after SIGTERM", "5", Kind::Integer, 0, 3600},
    {"publish-idle-timeout", "SSEBUF_PUBLISH_IDLE_TIMEOUT", "SECONDS",
     "a streaming publish (NDJSON) silent this long is answered 408 and closed", "300",
     Kind::Integer, 1, 86400},
    {"tls-cert", "SSEBUF_TLS_CERT", "FILE",
     "PEM certificate (chain) to serve HTTPS with; needs --tls-key", "", Kind::Text, 0, 0},
    {"tls-key", "SSEBUF_TLS_KEY", "FILE", "PEM private key of --tls-cert", "", Kind::Text, 0, 0},
    {"log-level", "SSEBUF_LOG_LEVEL", "LEVEL", "debug, info, warning or error", "info", Kind::Text,
     0, 0},
    {"log-format", "SSEBUF_LOG_FORMAT", "FORMAT", "text, or json for one JSON object per line",
     "text", Kind::Text, 0, 0},
    // Hardening (contract 1.1 section 16).
    {"request-timeout", "SSEBUF_REQUEST_TIMEOUT", "SECONDS",
     "a request's head and body must arrive within this from its first byte, else 408 and close",
     "30", Kind::Integer, 1, 3600},
    {"max-connections", "SSEBUF_MAX_CONNECTIONS", "N",
     "open connections in all (streams included); past it new ones are closed at once", "20000",
     Kind::Integer, 1, 10000000},
    {"max-connections-per-ip", "SSEBUF_MAX_CONNECTIONS_PER_IP", "N",
     "open connections from one peer address (trusted proxies are not counted)", "2000",
     Kind::Integer, 1, 10000000},
    {"trusted-proxy", "SSEBUF_TRUSTED_PROXY", "ADDR[,ADDR]",
     "peers whose X-Forwarded-For gives the client address (for access, limits and logs)", "",
     Kind::Text, 0, 0},
    {"allowed-hosts", "SSEBUF_ALLOWED_HOSTS", "H[,H]",
     "Host values accepted on admin, metrics and publish routes when access rests on the "
     "loopback rule (port not compared); when unset: localhost, 127.0.0.1, [::1] and the listen "
     "host",
     "", Kind::Text, 0, 0},
    {"publish-token-file", "SSEBUF_PUBLISH_TOKEN", "F",
     "file holding a separate bearer token for publish and cancel only (the variable holds the "
     "token itself); the admin token also grants them",
     "", Kind::Text, 0, 0},
    {"exec-max-producers", "SSEBUF_EXEC_MAX_PRODUCERS", "N",
     "exec pipeline: producer processes running at once; past it POST /api/refactor answers 503",
     "100", Kind::Integer, 1, 100000},
    {"exec-stderr-in-event", "SSEBUF_EXEC_STDERR_IN_EVENT", "BOOL",
     "exec pipeline: put the last 2 KiB of a failed producer's stderr into its public failed "
     "event (it is always logged)",
     "false", Kind::Flag, 0, 0},
};

// The integer options that are stored as they are, once their range has been checked.
struct NumericField
{
    const char *name;
    int ServiceConfig::*intField;
    qint64 ServiceConfig::*int64Field;
};

const NumericField kNumericFields[] = {
    {"session-ttl", &ServiceConfig::sessionTtlSeconds, nullptr},
    {"max-events", &ServiceConfig::maxEvents, nullptr},
    {"max-buffer-bytes", nullptr, &ServiceConfig::maxBufferBytes},
    {"redis-wait-replicas", &ServiceConfig::redisWaitReplicas, nullptr},
    {"max-sessions", &ServiceConfig::maxSessions, nullptr},
    {"sweep-interval", &ServiceConfig::sweepIntervalSeconds, nullptr},
    {"keepalive", &ServiceConfig::keepaliveSeconds, nullptr},
    {"demo-step-ms", &ServiceConfig::demoStepMs, nullptr},
    {"max-body-bytes", nullptr, &ServiceConfig::maxBodyBytes},
    {"max-header-bytes", &ServiceConfig::maxHeaderBytes, nullptr},
    {"max-unsent-bytes", nullptr, &ServiceConfig::maxUnsentBytes},
    {"retry-ms", &ServiceConfig::retryMs, nullptr},
    {"retry-after", &ServiceConfig::retryAfterSeconds, nullptr},
    {"shutdown-grace", &ServiceConfig::shutdownGraceSeconds, nullptr},
    {"exec-timeout", &ServiceConfig::execTimeoutSeconds, nullptr},
    {"max-idempotency-keys", &ServiceConfig::maxIdempotencyKeys, nullptr},
    {"max-batch-events", &ServiceConfig::maxBatchEvents, nullptr},
    {"exec-kill-grace", &ServiceConfig::execKillGraceSeconds, nullptr},
    {"publish-idle-timeout", &ServiceConfig::publishIdleTimeoutSeconds, nullptr},
};

bool assignNumericOption(const QString &name, qint64 number, ServiceConfig *config)
{
    for (const NumericField &field : kNumericFields) {
        if (name != QLatin1String(field.name))
            continue;
        if (field.intField)
            config->*field.intField = int(number);
        else
            config->*field.int64Field = number;
        return true;
    }
    return false;
}

} // namespace

QString ServiceConfig::listenText() const
{
    const QString host = listenAddress.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + listenAddress.toString() + QLatin1Char(']')
        : listenAddress.toString();
    return host + QLatin1Char(':') + QString::number(listenPort);
}

QStringList ServiceConfig::effectiveAllowedHosts() const
{
    if (!allowedHosts.isEmpty())
        return allowedHosts;
    QStringList hosts {QStringLiteral("localhost"), QStringLiteral("127.0.0.1"),
                       QStringLiteral("[::1]")};
    const QString listen = listenText();
    const QString host = listen.left(listen.lastIndexOf(QLatin1Char(':'))).toLower();
    if (!hosts.contains(host) && !listenAddress.isEqual(QHostAddress::Any)
        && !listenAddress.isEqual(QHostAddress::AnyIPv6)
        && !listenAddress.isEqual(QHostAddress::AnyIPv4))
        hosts.append(host);
    return hosts;
}

QString ConfigLoader::helpText()
{
    QString text = QStringLiteral(
        "Usage: ssebufd [options]\n"
        "Buffers Server-Sent Events per session so that late clients miss nothing.\n\n"
        "Every option can also be set by its environment variable or, in the INI file\n"
        "given with --config, by its name under [ssebufd]; the option wins over the\n"
        "variable, the variable over the file.\n\n"
        "Options:\n"
        "  --config FILE\n      INI file with a [ssebufd] section (variable SSEBUF_CONFIG)\n");
    for (const OptionSpec &spec : kOptions) {
        text += QStringLiteral("  --%1 %2\n      %3\n      variable %4; default: %5\n")
                    .arg(QLatin1String(spec.name), QLatin1String(spec.valueName),
                         QLatin1String(spec.meaning), QLatin1String(spec.variable),
                         *spec.defaultValue ? QLatin1String(spec.defaultValue)
                                            : QLatin1String("none"));
    }
    text
        += QStringLiteral("  -h, --help\n      this text\n  -v, --version\n      the version\n\n"
                          "On start it prints 'listening on http://HOST:PORT'. SIGTERM and SIGINT\n"
                          "end open streams cleanly and exit 0.\n");
    return text;
}

ConfigLoader::Result ConfigLoader::load(const QStringList &arguments,
                                        const QProcessEnvironment &environment)
{
    Result result;
    QHash<QString, QString> fromOptions;
    QString configFile = environment.value(QStringLiteral("SSEBUF_CONFIG"));
    for (int i = 1; i < arguments.size(); ++i) {
        QString argument = arguments.at(i);
        if (argument == QLatin1String("-h") || argument == QLatin1String("--help")) {
            result.message = helpText();
            return result;
        }
        if (argument == QLatin1String("-v") || argument == QLatin1String("--version")) {
            result.message = QStringLiteral("ssebufd " SSEBUF_VERSION "\n");
            return result;
        }
        if (!argument.startsWith(QLatin1String("--"))) {
            result.message
                = QStringLiteral("unexpected argument '%1' (see --help)\n").arg(argument);
            result.exitCode = 2;
            return result;
        }
        QString name = argument.mid(2);
        QString value;
        const int equals = name.indexOf(QLatin1Char('='));
        bool haveValue = false;
        if (equals >= 0) {
            value = name.mid(equals + 1);
            name = name.left(equals);
            haveValue = true;
        }
        const bool known = name == QLatin1String("config")
            || std::any_of(std::begin(kOptions), std::end(kOptions),
                           [&name](const OptionSpec &spec) {
                               return name == QLatin1String(spec.name);
                           });
        if (!known) {
            result.message = QStringLiteral("unknown option --%1 (see --help)\n").arg(name);
            result.exitCode = 2;
            return result;
        }
        if (!haveValue) {
            if (i + 1 >= arguments.size()) {
                result.message
                    = QStringLiteral("option --%1 needs a value (see --help)\n").arg(name);
                result.exitCode = 2;
                return result;
            }
            value = arguments.at(++i);
        }
        if (name == QLatin1String("config"))
            configFile = value;
        else
            fromOptions.insert(name, value);
    }

    QHash<QString, QString> fromFile;
    if (!configFile.isEmpty()) {
        if (!QFile::exists(configFile)) {
            result.message = QStringLiteral("config file %1 does not exist\n").arg(configFile);
            result.exitCode = 2;
            return result;
        }
        QList<QPair<QString, QString>> entries;
        QString iniError;
        if (!readIniSection(configFile, QStringLiteral("ssebufd"), &entries, &iniError)) {
            result.message = iniError + QLatin1Char('\n');
            result.exitCode = 2;
            return result;
        }
        for (const auto &[key, value] : std::as_const(entries)) {
            const bool known = std::any_of(
                std::begin(kOptions), std::end(kOptions),
                [&key = key](const OptionSpec &spec) { return key == QLatin1String(spec.name); });
            if (!known) {
                result.message = QStringLiteral("unknown key '%1' in %2\n").arg(key, configFile);
                result.exitCode = 2;
                return result;
            }
            fromFile.insert(key, value);
        }
    }

    ServiceConfig config;
    QString tokenError;
    for (const OptionSpec &spec : kOptions) {
        const QString name = QLatin1String(spec.name);
        QString value;
        QString source;
        bool set = true;
        if (fromOptions.contains(name)) {
            value = fromOptions.value(name);
            source = QStringLiteral("--") + name;
        } else if (environment.contains(QLatin1String(spec.variable))) {
            value = environment.value(QLatin1String(spec.variable));
            source = QLatin1String(spec.variable);
        } else if (fromFile.contains(name)) {
            value = fromFile.value(name);
            source = name + QStringLiteral(" in ") + configFile;
        } else {
            set = false;
            value = QLatin1String(spec.defaultValue);
        }
        auto fail = [&](const QString &why) {
            result.message = QStringLiteral("invalid %1 '%2': %3\n").arg(source, value, why);
            result.exitCode = 2;
        };
        if (!set && name == QLatin1String("allowed-hosts"))
            continue; // its default depends on --listen: effectiveAllowedHosts()
        qint64 number = 0;
        if (spec.kind == Kind::Integer) {
            bool ok = false;
            number = value.trimmed().toLongLong(&ok);
            if (!ok || number < spec.minimum || number > spec.maximum) {
                fail(QStringLiteral("expected an integer from %1 to %2")
                         .arg(spec.minimum)
                         .arg(spec.maximum));
                return result;
            }
        }
        if (name == QLatin1String("listen")) {
            if (!parseListen(value.trimmed(), &config.listenAddress, &config.listenPort)) {
                fail(QStringLiteral("expected HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000"));
                return result;
            }
        } else if (name == QLatin1String("pipeline")) {
            const QString pipeline = value.trimmed();
            if (pipeline != QLatin1String("demo") && pipeline != QLatin1String("external")
                && !(pipeline.startsWith(QLatin1String("exec:")) && pipeline.size() > 5)) {
                fail(QStringLiteral("expected demo, external or exec:COMMAND"));
                return result;
            }
            config.pipeline = pipeline;
        } else if (name == QLatin1String("store")) {
            const QString store = value.trimmed();
            static const QRegularExpression redis(QStringLiteral("^redis(-cluster|-sentinel)?://"));
            if (store != QLatin1String("memory") && !redis.match(store).hasMatch()) {
                fail(QStringLiteral(
                    "expected memory, redis://, redis-sentinel:// or redis-cluster://"));
                return result;
            }
            config.store = store;
        } else if (name == QLatin1String("admin-token-file")
                   || name == QLatin1String("publish-token-file")) {
            if (!set)
                continue;
            const bool admin = name == QLatin1String("admin-token-file");
            const QByteArray token
                = config::readToken(value, source == QLatin1String(spec.variable),
                                    admin ? "admin" : "publish", source, &tokenError);
            if (!tokenError.isEmpty()) {
                result.message = tokenError + QLatin1Char('\n');
                result.exitCode = 2;
                return result;
            }
            (admin ? config.adminToken : config.publishToken) = token;
        } else if (QString why; config::applyHardeningOption(name, value, number, &config, &why)) {
            if (!why.isEmpty()) {
                fail(why);
                return result;
            }
        } else if (assignNumericOption(name, number, &config)) {
        } else if (name == QLatin1String("exec-pass-credentials")) {
            const std::optional<bool> flag = parseFlag(value);
            if (!flag) {
                fail(QStringLiteral("expected true or false"));
                return result;
            }
            config.execPassCredentials = *flag;
        } else if (name == QLatin1String("tls-cert")) {
            config.tlsCertificateFile = value.trimmed();
        } else if (name == QLatin1String("tls-key")) {
            config.tlsKeyFile = value.trimmed();
        } else if (name == QLatin1String("log-level")) {
            const QString level = value.trimmed().toLower();
            if (!QStringList {QStringLiteral("debug"), QStringLiteral("info"),
                              QStringLiteral("warning"), QStringLiteral("error")}
                     .contains(level)) {
                fail(QStringLiteral("expected debug, info, warning or error"));
                return result;
            }
            config.logLevel = level;
        } else if (name == QLatin1String("log-format")) {
            const QString format = value.trimmed().toLower();
            if (format != QLatin1String("text") && format != QLatin1String("json")) {
                fail(QStringLiteral("expected text or json"));
                return result;
            }
            config.logFormat = format;
        }
    }
    if (config.tlsCertificateFile.isEmpty() != config.tlsKeyFile.isEmpty()) {
        result.message = QStringLiteral("--tls-cert and --tls-key go together\n");
        result.exitCode = 2;
        return result;
    }
    result.config = config;
    return result;
}

} // namespace ssebuf
