#ifndef SSEBUF_TEST_SESSIONTESTKIT_H
#define SSEBUF_TEST_SESSIONTESTKIT_H

// The test kit (header only, namespace testkit), shared by every test that talks to a real
// ssebufd: the API's paths and URLs, start bodies and events, starting sessions, publishing,
// reading sessions back through the admin API, and reading session and admin streams.
// Its neighbours: processtestkit.h (files, /proc, stopping the service), metricsexposition.h
// (/metrics), rawexchange.h (HTTP over a raw socket), bulkpublisher.h (many events at once).

#include "apipaths.h"
#include "httptestclient.h"
#include "rawsseclient.h"
#include "redisprocess.h"
#include "seqrange.h"
#include "serviceprocess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <memory>

namespace testkit {

using Headers = QList<QPair<QByteArray, QByteArray>>;

inline Headers bearer(const QByteArray &token)
{
    return {{"Authorization", "Bearer " + token}};
}

// --- paths and URLs (docs/http-api.md) ---

// The service's own path builders (common/apipaths.h), under the names the tests use.
inline QString startPath()
{
    return ssebuf::ApiPaths::startSession();
}

inline QString ssePath(const QString &sessionId)
{
    return ssebuf::ApiPaths::sessionStream(sessionId);
}

inline QString eventsPath(const QString &sessionId)
{
    return ssebuf::ApiPaths::sessionEvents(sessionId);
}

inline QString adminSessionPath(const QString &sessionId)
{
    return ssebuf::ApiPaths::adminSession(sessionId);
}

inline QUrl sseUrl(const ServiceProcess &service, const QString &sessionId,
                   const QString &query = QString())
{
    return service.url(ssePath(sessionId)
                       + (query.isEmpty() ? QString() : QLatin1Char('?') + query));
}

inline QUrl eventsUrl(const ServiceProcess &service, const QString &sessionId)
{
    return service.url(eventsPath(sessionId));
}

// --- bodies and events ---

// The body of POST /api/refactor: user_id admin_test_user, user_prompt, then the extra
// members (a "user_id" among them replaces the default user).
inline QJsonObject startBody(const QString &prompt = QStringLiteral("refactor my code"),
                             const QJsonObject &extra = {})
{
    QJsonObject body {{QStringLiteral("user_id"), QStringLiteral("admin_test_user")},
                      {QStringLiteral("user_prompt"), prompt}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return body;
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

// A "progress" event with only a message; a status other than running ends the session.
inline QJsonObject messageEvent(const QString &message,
                                const QString &status = QStringLiteral("running"))
{
    return eventJson(QStringLiteral("progress"), status, message);
}

// Event n of a run: "progress", running, progress n % 101, message "step n" unless given.
inline QJsonObject progressEvent(int n, const QString &message = QString())
{
    QJsonObject event = eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                  message.isEmpty() ? QStringLiteral("step %1").arg(n) : message);
    event.insert(QStringLiteral("progress"), n % 101);
    return event;
}

// progressEvent(n) whose message "step n " is padded with paddingBytes x.
inline QJsonObject paddedProgressEvent(int n, int paddingBytes = 32)
{
    return progressEvent(
        n, QStringLiteral("step %1 ").arg(n) + QString(paddingBytes, QLatin1Char('x')));
}

// The terminal event: a completed result.
inline QJsonObject finalEvent()
{
    return QJsonObject {{QStringLiteral("type"), QStringLiteral("result")},
                        {QStringLiteral("status"), QStringLiteral("completed")},
                        {QStringLiteral("message"), QStringLiteral("done")},
                        {QStringLiteral("final"), true}};
}

// --- sessions and publishing ---

// POST /api/refactor; the session id, or an empty string when the answer was not a 201.
inline QString startSession(HttpTestClient &http, const ServiceProcess &service,
                            const QJsonObject &body = startBody())
{
    const HttpTestReply reply = http.postJson(service.url(startPath()), body);
    if (reply.status != 201)
        return {};
    return reply.json().value(QLatin1String("session_id")).toString();
}

// POST /api/sessions/{id}/events: the whole answer.
inline HttpTestReply postEvent(HttpTestClient &http, const ServiceProcess &service,
                               const QString &sessionId, const QJsonObject &event,
                               const Headers &headers = {})
{
    return http.postJson(eventsUrl(service, sessionId), event, headers);
}

// POST /api/sessions/{id}/events: the HTTP status.
inline int publishStatus(HttpTestClient &http, const ServiceProcess &service,
                         const QString &sessionId, const QJsonObject &event,
                         const Headers &headers = {})
{
    return postEvent(http, service, sessionId, event, headers).status;
}

// POST /api/sessions/{id}/events: the assigned seq, or -status when the answer was not 201.
inline qint64 publishSeq(HttpTestClient &http, const ServiceProcess &service,
                         const QString &sessionId, const QJsonObject &event)
{
    const HttpTestReply reply = postEvent(http, service, sessionId, event);
    return reply.status == 201 ? reply.json().value(QStringLiteral("seq")).toInteger()
                               : -reply.status;
}

// --- reading back through the admin API ---

// The summary of the session in a list of summaries, an empty object when absent.
inline QJsonObject findSummary(const QJsonArray &sessions, const QString &sessionId)
{
    for (const QJsonValue &value : sessions) {
        if (value.toObject().value(QLatin1String("session_id")).toString() == sessionId)
            return value.toObject();
    }
    return {};
}

// GET /api/admin/sessions/{id}?limit=1: the session's summary, an empty object unless 200.
inline QJsonObject fetchSummary(HttpTestClient &http, const ServiceProcess &service,
                                const QString &sessionId, const Headers &headers = {})
{
    const HttpTestReply reply
        = http.get(service.url(adminSessionPath(sessionId) + QStringLiteral("?limit=1")), headers);
    return reply.status == 200 ? reply.json() : QJsonObject {};
}

// Polls (bounded) the session's summary until its state is no longer "running"; the last
// summary read.
inline QJsonObject waitUntilEnded(HttpTestClient &http, const ServiceProcess &service,
                                  const QString &sessionId, const Headers &headers = {},
                                  int timeoutMs = 10000)
{
    QJsonObject summary;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        summary = fetchSummary(http, service, sessionId, headers);
        if (summary.value(QLatin1String("state")).toString() != QLatin1String("running"))
            break;
        QTest::qWait(20);
    }
    return summary;
}

// Every seq the service holds for a session, read through the admin API page by page.
inline QList<qint64> storedSeqs(HttpTestClient &http, const ServiceProcess &service,
                                const QString &sessionId)
{
    QList<qint64> seqs;
    qint64 after = 0;
    for (int page = 0; page < 1000; ++page) {
        const HttpTestReply reply = http.get(service.url(
            adminSessionPath(sessionId) + QStringLiteral("?after=%1&limit=1000").arg(after)));
        if (reply.status != 200)
            return seqs;
        const QJsonArray events = reply.json().value(QStringLiteral("events")).toArray();
        if (events.isEmpty())
            break;
        for (const QJsonValue &event : events)
            seqs.append(event.toObject().value(QStringLiteral("seq")).toInteger());
        after = seqs.last();
    }
    return seqs;
}

// --- the service's health and store ---

// A store such as Redis is connected after the service listens: waits (bounded) until
// /healthz says the service can take sessions.
inline bool waitUntilHealthy(HttpTestClient &http, const ServiceProcess &service,
                             int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (http.get(service.url(QStringLiteral("/healthz"))).status != 200) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(50);
    }
    return true;
}

// Starts ssebufd on a shared store (--store store --pipeline external --session-ttl 600,
// then extra) and waits (bounded) until its /healthz says the store is reachable.
inline bool startStoreInstance(HttpTestClient &http, ServiceProcess &service, const QString &store,
                               const QStringList &extra = {})
{
    const QStringList args {QStringLiteral("--store"),       store,
                            QStringLiteral("--pipeline"),    QStringLiteral("external"),
                            QStringLiteral("--session-ttl"), QStringLiteral("600")};
    if (!service.start(args + extra)) {
        qWarning().noquote() << service.errorText();
        return false;
    }
    return waitUntilHealthy(http, service);
}

// The end of a test with several instances (each fresh for the test): their output (the
// last outputChars of it, all when negative) is logged if the test failed, then they stop.
inline void stopInstances(const QList<std::unique_ptr<ServiceProcess> *> &instances,
                          qsizetype outputChars = -1)
{
    for (std::unique_ptr<ServiceProcess> *service : instances) {
        if (*service && QTest::currentTestFailed())
            qWarning().noquote() << "ssebufd output:" << (*service)->output().right(outputChars);
        service->reset();
    }
}

// --store arguments for a fresh, empty store: a new database of the given Redis for every
// call, or none (the memory store) without Redis.
inline QStringList freshStoreArgs(const RedisProcess *redis, int *lastDatabase)
{
    if (!redis)
        return {};
    return {QStringLiteral("--store"), redis->url(++*lastDatabase)};
}

// --- streams ---

// Opens a session stream and waits (bounded) until its response head is in.
inline bool openStream(RawSseClient &client, const QUrl &url, const Headers &headers = {},
                       int timeoutMs = 5000)
{
    client.open(url, headers);
    return QTest::qWaitFor([&client] { return client.headersDone(); }, timeoutMs);
}

// Opens several streams at once and waits (bounded) until every response head is in.
inline bool openStreams(const QList<QPair<RawSseClient *, QUrl>> &streams, int timeoutMs = 10000)
{
    for (const QPair<RawSseClient *, QUrl> &stream : streams)
        stream.first->open(stream.second);
    return QTest::qWaitFor(
        [&streams] {
            for (const QPair<RawSseClient *, QUrl> &stream : streams) {
                if (!stream.first->headersDone())
                    return false;
            }
            return true;
        },
        timeoutMs);
}

// Opens a session stream and reads it until the server ends it (bounded).
inline bool readWholeStream(RawSseClient &client, const QUrl &url, const Headers &headers = {},
                            int timeoutMs = 15000)
{
    QSignalSpy finished(&client, &RawSseClient::finished);
    client.open(url, headers);
    return client.isFinished() || finished.wait(timeoutMs);
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

// An admin stream message of the kind (and, given an id, about that session).
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

} // namespace testkit

#endif
