#include "adminstreammessage.h"

#include <isotime.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace ssebuf {

ServiceInfo ServiceInfo::fromJson(const QJsonObject &json)
{
    ServiceInfo info;
    info.version = json.value(QLatin1String("version")).toString();
    info.startedAtMs = msFromIso(json.value(QLatin1String("started_at")).toString());
    info.store = json.value(QLatin1String("store")).toString();
    info.pipeline = json.value(QLatin1String("pipeline")).toString();
    return info;
}

SubscriberInfo SubscriberInfo::fromJson(const QJsonObject &json)
{
    SubscriberInfo info;
    info.id = json.value(QLatin1String("id")).toInteger();
    info.peer = json.value(QLatin1String("peer")).toString();
    info.resumeFrom = json.value(QLatin1String("resume_from")).toInteger();
    info.nextSeq = json.value(QLatin1String("next_seq")).toInteger();
    info.eventsSent = json.value(QLatin1String("events_sent")).toInteger();
    info.lagBytes = json.value(QLatin1String("lag_bytes")).toInteger();
    info.connectedAtMs = msFromIso(json.value(QLatin1String("connected_at")).toString());
    return info;
}

AppendedEvent AppendedEvent::fromJson(const QJsonObject &json)
{
    AppendedEvent event;
    event.seq = json.value(QLatin1String("seq")).toInteger();
    event.type = json.value(QLatin1String("type")).toString();
    event.status = json.value(QLatin1String("status")).toString();
    event.stage = json.value(QLatin1String("stage")).toString();
    const QJsonValue progress = json.value(QLatin1String("progress"));
    event.progress = progress.isDouble() ? progress.toInt() : -1;
    event.isFinal = json.value(QLatin1String("final")).toBool();
    event.timestampMs = msFromIso(json.value(QLatin1String("timestamp")).toString());
    event.bytes = json.value(QLatin1String("bytes")).toInteger();
    return event;
}

AdminStreamMessage::Kind AdminStreamMessage::kindFromName(const QString &name)
{
    static const struct
    {
        const char *name;
        Kind kind;
    } kinds[] = {
        {"snapshot", Kind::Snapshot},
        {"session_created", Kind::SessionCreated},
        {"event_appended", Kind::EventAppended},
        {"events_evicted", Kind::EventsEvicted},
        {"session_ended", Kind::SessionEnded},
        {"subscriber_connected", Kind::SubscriberConnected},
        {"subscriber_disconnected", Kind::SubscriberDisconnected},
        {"session_removed", Kind::SessionRemoved},
    };
    for (const auto &entry : kinds) {
        if (name == QLatin1String(entry.name))
            return entry.kind;
    }
    return Kind::Unknown;
}

std::optional<AdminStreamMessage> AdminStreamMessage::fromJson(const QByteArray &data,
                                                               QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    if (!document.isObject()) {
        if (error) {
            *error = parseError.error != QJsonParseError::NoError
                ? QStringLiteral("invalid JSON: %1").arg(parseError.errorString())
                : QStringLiteral("not a JSON object");
        }
        return std::nullopt;
    }
    const QJsonObject json = document.object();
    const QJsonValue kindValue = json.value(QLatin1String("kind"));
    if (!kindValue.isString()) {
        if (error)
            *error = QStringLiteral("message without \"kind\"");
        return std::nullopt;
    }

    AdminStreamMessage message;
    message.kindName = kindValue.toString();
    message.kind = kindFromName(message.kindName);
    const QJsonValue session = json.value(QLatin1String("session"));
    if (session.isObject()) {
        message.session = SessionSummary::fromJson(session.toObject());
        message.hasSession = !message.session.sessionId.isEmpty();
    }
    switch (message.kind) {
    case Kind::Snapshot: {
        const QJsonArray sessions = json.value(QLatin1String("sessions")).toArray();
        message.sessions.reserve(sessions.size());
        for (const QJsonValue &value : sessions)
            message.sessions.append(SessionSummary::fromJson(value.toObject()));
        message.service = ServiceInfo::fromJson(json.value(QLatin1String("service")).toObject());
        break;
    }
    case Kind::EventAppended:
        message.event = AppendedEvent::fromJson(json.value(QLatin1String("event")).toObject());
        break;
    case Kind::EventsEvicted:
        message.evicted = json.value(QLatin1String("evicted")).toInteger();
        break;
    case Kind::SubscriberConnected:
    case Kind::SubscriberDisconnected:
        message.subscriber
            = SubscriberInfo::fromJson(json.value(QLatin1String("subscriber")).toObject());
        message.reason = json.value(QLatin1String("reason")).toString();
        break;
    case Kind::SessionRemoved:
        message.removedSessionId = json.value(QLatin1String("session_id")).toString();
        message.reason = json.value(QLatin1String("reason")).toString();
        break;
    case Kind::SessionCreated:
    case Kind::SessionEnded:
    case Kind::Unknown:
        break;
    }
    if (message.kind != Kind::Snapshot && message.kind != Kind::SessionRemoved
        && message.kind != Kind::Unknown && !message.hasSession) {
        if (error)
            *error
                = QStringLiteral("\"%1\" message without a session summary").arg(message.kindName);
        return std::nullopt;
    }
    if (message.kind == Kind::SessionRemoved && message.removedSessionId.isEmpty()) {
        if (error)
            *error = QStringLiteral("session_removed without session_id");
        return std::nullopt;
    }
    return message;
}

} // namespace ssebuf
