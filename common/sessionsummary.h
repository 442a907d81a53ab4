#ifndef SSEBUF_SESSIONSUMMARY_H
#define SSEBUF_SESSIONSUMMARY_H

#include "sessionstate.h"

#include <QJsonObject>
#include <QString>

namespace ssebuf {

// The admin view of one session (contract section 4). Times are milliseconds since the
// epoch; JSON carries them as ISO 8601 UTC strings.
struct SessionSummary
{
    QString sessionId;
    QString userId;
    QString mode; // "autonomous" or "interactive"
    SessionState state = SessionState::Running;
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
    qint64 eventCount = 0; // events ever appended, equal to lastSeq
    qint64 firstSeq = 0; // oldest buffered event, 0 when none is buffered
    qint64 lastSeq = 0;
    qint64 bufferedBytes = 0;
    qint64 droppedEvents = 0;
    int subscribers = 0;
    qint64 expiresAtMs = 0;
    QString endedReason; // "cancelled" when a cancel ended the session, else empty

    bool isCancelled() const { return endedReason == QLatin1String("cancelled"); }

    bool isFinished() const { return isTerminal(state); }

    QJsonObject toJson() const;
    static SessionSummary fromJson(const QJsonObject &json);
};

} // namespace ssebuf

#endif
