#include "sessionsummary.h"

#include "isotime.h"

namespace ssebuf {

QJsonObject SessionSummary::toJson() const
{
    QJsonObject json;
    json.insert(QStringLiteral("session_id"), sessionId);
    json.insert(QStringLiteral("user_id"), userId);
    json.insert(QStringLiteral("mode"), mode);
    json.insert(QStringLiteral("state"), sessionStateName(state));
    json.insert(QStringLiteral("created_at"), isoUtcFromMs(createdAtMs));
    json.insert(QStringLiteral("updated_at"), isoUtcFromMs(updatedAtMs));
    json.insert(QStringLiteral("event_count"), eventCount);
    json.insert(QStringLiteral("first_seq"), firstSeq);
    json.insert(QStringLiteral("last_seq"), lastSeq);
    json.insert(QStringLiteral("buffered_bytes"), bufferedBytes);
    json.insert(QStringLiteral("dropped_events"), droppedEvents);
    json.insert(QStringLiteral("subscribers"), subscribers);
    json.insert(QStringLiteral("expires_at"), isoUtcFromMs(expiresAtMs));
    // Why it ended: the state it ended in, or "cancelled" (state "failed") after a cancel.
    json.insert(QStringLiteral("ended_reason"),
                !isFinished() ? QJsonValue()
                              : QJsonValue(isCancelled() ? endedReason : sessionStateName(state)));
    json.insert(QStringLiteral("cancelled"), isCancelled());
    return json;
}

SessionSummary SessionSummary::fromJson(const QJsonObject &json)
{
    SessionSummary summary;
    summary.sessionId = json.value(QLatin1String("session_id")).toString();
    summary.userId = json.value(QLatin1String("user_id")).toString();
    summary.mode = json.value(QLatin1String("mode")).toString();
    summary.state = sessionStateFromString(json.value(QLatin1String("state")).toString())
                        .value_or(SessionState::Running);
    summary.createdAtMs = msFromIso(json.value(QLatin1String("created_at")).toString());
    summary.updatedAtMs = msFromIso(json.value(QLatin1String("updated_at")).toString());
    summary.eventCount = json.value(QLatin1String("event_count")).toInteger();
    summary.firstSeq = json.value(QLatin1String("first_seq")).toInteger();
    summary.lastSeq = json.value(QLatin1String("last_seq")).toInteger();
    summary.bufferedBytes = json.value(QLatin1String("buffered_bytes")).toInteger();
    summary.droppedEvents = json.value(QLatin1String("dropped_events")).toInteger();
    summary.subscribers = json.value(QLatin1String("subscribers")).toInt();
    summary.expiresAtMs = msFromIso(json.value(QLatin1String("expires_at")).toString());
    if (json.value(QLatin1String("cancelled")).toBool()
        || json.value(QLatin1String("ended_reason")).toString() == QLatin1String("cancelled"))
        summary.endedReason = QStringLiteral("cancelled");
    return summary;
}

} // namespace ssebuf
