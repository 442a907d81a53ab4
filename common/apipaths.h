#ifndef SSEBUF_APIPATHS_H
#define SSEBUF_APIPATHS_H

#include <QString>

namespace ssebuf {

// The paths of the HTTP API (docs/http-api.md), one definition for the service's routes, the
// console's requests and the tests. The builders take one path segment as it goes on the
// wire: the router passes ApiPaths::RouteArg ("{}"), a client passes
// ApiPaths::segment(sessionId).
namespace ApiPaths {

inline const QString RouteArg = QStringLiteral("{}");

// Percent-encodes a session id (or any value) for use as one path segment.
QString segment(const QString &value);

inline QString startSession()
{
    return QStringLiteral("/api/refactor");
}
inline QString sessionStream(const QString &sessionSegment)
{
    return QStringLiteral("/api/refactor/%1/sse").arg(sessionSegment);
}
inline QString sessionEvents(const QString &sessionSegment)
{
    return QStringLiteral("/api/sessions/%1/events").arg(sessionSegment);
}
// Contract 1.1: cancel a session (section 13), its events as JSON (section 15).
inline QString sessionCancel(const QString &sessionSegment)
{
    return QStringLiteral("/api/refactor/%1/cancel").arg(sessionSegment);
}
inline QString sessionEventsJson(const QString &sessionSegment)
{
    return QStringLiteral("/api/refactor/%1/events").arg(sessionSegment);
}
inline QString health()
{
    return QStringLiteral("/healthz");
}
inline QString adminSessions()
{
    return QStringLiteral("/api/admin/sessions");
}
inline QString adminSession(const QString &sessionSegment)
{
    return QStringLiteral("/api/admin/sessions/%1").arg(sessionSegment);
}
inline QString adminStream()
{
    return QStringLiteral("/api/admin/stream");
}
inline QString metrics()
{
    return QStringLiteral("/metrics");
}

} // namespace ApiPaths

} // namespace ssebuf

#endif
