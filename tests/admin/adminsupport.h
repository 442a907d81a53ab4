#ifndef SSEBUF_TEST_ADMINSUPPORT_H
#define SSEBUF_TEST_ADMINSUPPORT_H

// Small helpers shared by the issue-3 tests (admin API, access, secrets, metrics, logs, exec
// pipeline). Header-only: each test is one executable over tests/support.

#include "httptestclient.h"
#include "rawsseclient.h"
#include "redisprocess.h"
#include "serviceprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <functional>

#include <csignal>

namespace admintest {

using Headers = QList<QPair<QByteArray, QByteArray>>;

// --store arguments for a fresh, empty store: a new database of the given Redis for every
// call, or none (the memory store) without Redis.
inline QStringList freshStoreArgs(const RedisProcess *redis, int *lastDatabase)
{
    if (!redis)
        return {};
    return {QStringLiteral("--store"), redis->url(++*lastDatabase)};
}

inline Headers bearer(const QByteArray &token)
{
    return {{"Authorization", "Bearer " + token}};
}

inline QJsonObject startRequest(const QString &prompt = QStringLiteral("refactor my code"),
                                const QJsonObject &extra = {})
{
    QJsonObject body {{QStringLiteral("user_id"), QStringLiteral("admin_test_user")},
                      {QStringLiteral("user_prompt"), prompt}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return body;
}

// POST /api/refactor; returns the session id, or an empty string when the answer is not 201.
inline QString startSession(HttpTestClient &http, ServiceProcess &service,
                            const QJsonObject &body = startRequest())
{
    const HttpTestReply reply = http.postJson(service.url(QStringLiteral("/api/refactor")), body);
    if (reply.status != 201)
        return {};
    return reply.json().value(QLatin1String("session_id")).toString();
}

inline QJsonObject eventJson(const QString &type, const QString &status, const QString &message,
                             const QJsonObject &extra = {})
{
    QJsonObject json {{QStringLiteral("type"), type},
                      {QStringLiteral("status"), status},
                      {QStringLiteral("message"), message}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        json.insert(it.key(), it.value());
    return json;
}

// POST /api/sessions/{id}/events; returns the HTTP status.
inline int publish(HttpTestClient &http, ServiceProcess &service, const QString &sessionId,
                   const QJsonObject &event, const Headers &headers = {})
{
    return http
        .postJson(service.url(QStringLiteral("/api/sessions/%1/events").arg(sessionId)), event,
                  headers)
        .status;
}

inline QJsonObject findSummary(const QJsonArray &sessions, const QString &sessionId)
{
    for (const QJsonValue &value : sessions) {
        if (value.toObject().value(QLatin1String("session_id")).toString() == sessionId)
            return value.toObject();
    }
    return {};
}

// Waits (bounded) until the stream carries a JSON message for which accept() is true and
// returns it; an empty object on time-out. Messages already received count too, from
// index *from on (advanced past the match so the next call continues after it).
inline QJsonObject waitForMessage(RawSseClient &client,
                                  const std::function<bool(const QJsonObject &)> &accept,
                                  int *from = nullptr, int timeoutMs = 10000)
{
    int start = from ? *from : 0;
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        const QList<QJsonObject> messages = client.jsonEvents();
        for (int i = start; i < messages.size(); ++i) {
            if (accept(messages.at(i))) {
                if (from)
                    *from = i + 1;
                return messages.at(i);
            }
        }
        start = int(messages.size());
        if (deadline.hasExpired() || client.isFinished())
            return {};
        QSignalSpy spy(&client, &RawSseClient::eventReceived);
        spy.wait(int(qBound(qint64(1), deadline.remainingTime(), qint64(500))));
    }
}

inline std::function<bool(const QJsonObject &)> kindIs(const QString &kind,
                                                       const QString &sessionId = {})
{
    return [kind, sessionId](const QJsonObject &message) {
        if (message.value(QLatin1String("kind")).toString() != kind)
            return false;
        if (sessionId.isEmpty())
            return true;
        const QString id = message.contains(QLatin1String("session_id"))
            ? message.value(QLatin1String("session_id")).toString()
            : message.value(QLatin1String("session"))
                  .toObject()
                  .value(QLatin1String("session_id"))
                  .toString();
        return id == sessionId;
    };
}

// Opens a session stream and reads it until the server ends it (bounded).
inline bool readWholeStream(RawSseClient &client, const QUrl &url, const Headers &headers = {},
                            int timeoutMs = 15000)
{
    QSignalSpy finished(&client, &RawSseClient::finished);
    client.open(url, headers);
    return client.isFinished() || finished.wait(timeoutMs);
}

// A store such as Redis is connected after the service listens: waits (bounded) until
// /healthz says the service can take sessions.
inline bool waitUntilHealthy(HttpTestClient &http, ServiceProcess &service, int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (http.get(service.url(QStringLiteral("/healthz"))).status != 200) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(50);
    }
    return true;
}

// SIGTERM, then waits for the exit while this process's event loop runs, so the test's own
// open streams see the server's close and answer it (ServiceProcess::terminate() blocks).
// Returns the exit code, -1 on a crash or time-out.
inline int terminateServing(ServiceProcess &service, int timeoutMs = 10000)
{
    QProcess &process = service.process();
    if (process.state() != QProcess::NotRunning) {
        QSignalSpy finished(&process, &QProcess::finished);
        ::kill(pid_t(process.processId()), SIGTERM);
        if (!finished.wait(timeoutMs))
            return -1;
    }
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

// Prometheus text exposition: sample name (with its labels as written) -> value.
struct Exposition
{
    QMap<QString, double> samples;
    QMap<QString, QString> help;
    QMap<QString, QString> type;
    QStringList problems; // lines that break the format

    double value(const QString &sample, double fallback = -1) const
    {
        return samples.value(sample, fallback);
    }
};

inline Exposition parseExposition(const QByteArray &text)
{
    static const QRegularExpression sampleLine(QStringLiteral(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.eE+]+|NaN|\+Inf|-Inf)$)"));
    static const QRegularExpression metaLine(
        QStringLiteral(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)"));
    Exposition result;
    if (!text.endsWith('\n'))
        result.problems.append(QStringLiteral("the exposition does not end with a newline"));
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &raw : lines) {
        const QString line = QString::fromUtf8(raw);
        if (line.isEmpty())
            continue;
        if (line.startsWith(QLatin1Char('#'))) {
            const auto match = metaLine.match(line);
            if (!match.hasMatch()) {
                result.problems.append(QStringLiteral("bad comment line: ") + line);
                continue;
            }
            if (match.captured(1) == QLatin1String("HELP"))
                result.help.insert(match.captured(2), match.captured(3));
            else
                result.type.insert(match.captured(2), match.captured(3));
            continue;
        }
        const auto match = sampleLine.match(line);
        if (!match.hasMatch()) {
            result.problems.append(QStringLiteral("bad sample line: ") + line);
            continue;
        }
        QString family = match.captured(1);
        // A histogram's samples carry suffixes of its family name.
        for (const char *suffix : {"_bucket", "_sum", "_count"}) {
            const QString base = family.chopped(qMin(family.size(), qsizetype(qstrlen(suffix))));
            if (family.endsWith(QLatin1String(suffix))
                && result.type.value(base) == QLatin1String("histogram"))
                family = base;
        }
        if (!result.type.contains(family) || !result.help.contains(family))
            result.problems.append(QStringLiteral("sample before its HELP and TYPE: ") + line);
        result.samples.insert(match.captured(1) + match.captured(2), match.captured(3).toDouble());
    }
    return result;
}

inline Exposition metrics(HttpTestClient &http, ServiceProcess &service,
                          const Headers &headers = {})
{
    const HttpTestReply reply = http.get(service.url(QStringLiteral("/metrics")), headers);
    if (reply.status != 200) {
        Exposition failed;
        failed.problems.append(QStringLiteral("GET /metrics answered %1").arg(reply.status));
        return failed;
    }
    return parseExposition(reply.body);
}

inline QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

inline bool writeFile(const QString &path, const QByteArray &bytes,
                      QFileDevice::Permissions permissions = {})
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    file.write(bytes);
    file.close();
    if (permissions)
        file.setPermissions(permissions);
    return true;
}

} // namespace admintest

#endif
