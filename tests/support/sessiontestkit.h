#ifndef SSEBUF_TEST_SESSIONTESTKIT_H
#define SSEBUF_TEST_SESSIONTESTKIT_H

// Helpers shared by the integration tests of several directories (header only): the
// terminal event, publishing through the HTTP API, sequence ranges, and what /proc says
// about the service process.

#include "httptestclient.h"
#include "serviceprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QList>

namespace testkit {

inline QJsonObject finalEvent()
{
    return QJsonObject {{QStringLiteral("type"), QStringLiteral("result")},
                        {QStringLiteral("status"), QStringLiteral("completed")},
                        {QStringLiteral("message"), QStringLiteral("done")},
                        {QStringLiteral("final"), true}};
}

// POST /api/sessions/{id}/events; the assigned seq, or -status when the answer was not 201.
inline qint64 publish(HttpTestClient &http, const ServiceProcess &service, const QString &sessionId,
                      const QJsonObject &event)
{
    const HttpTestReply reply = http.postJson(
        service.url(QStringLiteral("/api/sessions/%1/events").arg(sessionId)), event);
    return reply.status == 201 ? reply.json().value(QStringLiteral("seq")).toInteger()
                               : -reply.status;
}

// from, from + 1, ..., to
inline QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> result;
    for (qint64 seq = from; seq <= to; ++seq)
        result.append(seq);
    return result;
}

inline int openDescriptors(qint64 pid)
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                   .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System)
                   .size());
}

// VmRSS of a process in KiB (Linux), -1 when unknown.
inline qint64 residentKib(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace testkit

#endif
