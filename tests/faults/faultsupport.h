#ifndef SSEBUF_TEST_FAULTSUPPORT_H
#define SSEBUF_TEST_FAULTSUPPORT_H

// Helpers of the fault tests (header only): sessions, publishing, reading a session back
// through the admin API, and what /proc says about the service process.

#include "httptestclient.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace faults {

using testkit::finalEvent;
using testkit::openDescriptors;
using testkit::publish;
using testkit::range;
using testkit::residentKib;

inline QString startSession(HttpTestClient &http, const ServiceProcess &service)
{
    const HttpTestReply reply = http.postJson(
        service.url(QStringLiteral("/api/refactor")),
        QJsonObject {{QStringLiteral("user_id"), QStringLiteral("faults")},
                     {QStringLiteral("user_prompt"), QStringLiteral("refactor under faults")}});
    return reply.status == 201 ? reply.json().value(QStringLiteral("session_id")).toString()
                               : QString();
}

inline QString eventsPath(const QString &sessionId)
{
    return QStringLiteral("/api/sessions/%1/events").arg(sessionId);
}

inline QString ssePath(const QString &sessionId)
{
    return QStringLiteral("/api/refactor/%1/sse").arg(sessionId);
}

inline QJsonObject progressEvent(int n, int payloadBytes = 32)
{
    return QJsonObject {
        {QStringLiteral("type"), QStringLiteral("progress")},
        {QStringLiteral("status"), QStringLiteral("running")},
        {QStringLiteral("message"),
         QStringLiteral("step %1 ").arg(n) + QString(payloadBytes, QLatin1Char('x'))},
        {QStringLiteral("progress"), n % 101}};
}

// Every seq the service holds for a session, read through the admin API page by page.
inline QList<qint64> storedSeqs(HttpTestClient &http, const ServiceProcess &service,
                                const QString &sessionId)
{
    QList<qint64> seqs;
    qint64 after = 0;
    for (int page = 0; page < 1000; ++page) {
        const HttpTestReply reply
            = http.get(service.url(QStringLiteral("/api/admin/sessions/%1?after=%2&limit=1000")
                                       .arg(sessionId)
                                       .arg(after)));
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

inline QJsonObject summary(HttpTestClient &http, const ServiceProcess &service,
                           const QString &sessionId)
{
    return http.get(service.url(QStringLiteral("/api/admin/sessions/%1?limit=1").arg(sessionId)))
        .json();
}

// scripts/test-sanitized.sh sets SSEBUF_SANITIZED: resident-memory figures then measure the
// sanitizer's allocator, not the service, and are not asserted.
inline bool sanitized()
{
    return qEnvironmentVariableIsSet("SSEBUF_SANITIZED");
}

} // namespace faults

#endif
