#include "adminstreammessage.h"

#include "isotime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace ssebuf {

namespace {

const struct
{
    const char *name;
    AdminStreamMessage::Kind kind;
} kinds[] = {
    {"snapshot", AdminStreamMessage::Kind::Snapshot},
    {"session_created", AdminStreamMessage::Kind::SessionCreated},
    {"event_appended", AdminStreamMessage::Kind::EventAppended},
    {"events_evicted", AdminStreamMessage::Kind::EventsEvicted},
    {"session_ended", AdminStreamMessage::Kind::SessionEnded},
    {"subscriber_connected", AdminStreamMessage::Kind::SubscriberConnected},
    {"subscriber_disconnected", AdminStreamMessage::Kind::SubscriberDisconnected},
    {"session_removed", AdminStreamMessage::Kind::SessionRemoved},
};

} // namespace

QJsonObject ServiceInfo::toJson() const
{
    return QJsonObject {{QStringLiteral("version"), version},
                        {QStringLiteral("started_at"), isoUtcFromMs(startedAtMs)},
                        {QStringLiteral("store"), store},
                        {QStringLiteral("pipeline"), pipeline}};
}

ServiceInfo ServiceInfo::fromJson(const QJsonObject &json)
{
    ServiceInfo info;
    info.version = json.value(QLatin1String("version")).toString();
    info.startedAtMs = msFromIso(json.value(QLatin1String("started_at")).toString());
    info.store = json.value(QLatin1String("store")).toString();
    info.pipeline = json.value(QLatin1String("pipeline")).toString();
    return info;
}

AdminStreamMessage::Kind AdminStreamMessage::kindFromName(const QString &name)
{
    for (const auto &entry : kinds) {
        if (name == QLatin1String(entry.name))
            return entry.kind;
    }
    return Kind::Unknown;
}

QString AdminStreamMessage::nameOf(Kind kind)
{
    for (const auto &entry : kinds) {
        if (kind == entry.kind)
            return QString::fromLatin1(entry.name);
    }
    return QString();
}

QJsonObject AdminStreamMessage::toJson() const
{
    QJsonObject json {{QStringLiteral("kind"), nameOf(kind)}};
    if (hasSession)
        json.insert(QStringLiteral("session"), session.toJson());
    switch (kind) {
    case Kind::Snapshot: {
        QJsonArray array;
        for (const SessionSummary &summary : sessions)
            array.append(summary.toJson());
        json.insert(QStringLiteral("sessions"), array);
        json.insert(QStringLiteral("service"), service.toJson());
        break;
    }
    case Kind::EventAppended:
        json.insert(QStringLiteral("event"), event.toJson());
        break;
    case Kind::EventsEvicted:
        json.insert(QStringLiteral("evicted"), evicted);
        break;
    case Kind::SubscriberConnected:
    case Kind::SubscriberDisconnected:
        json.insert(QStringLiteral("session_id"), subscriberSessionId);
        json.insert(QStringLiteral("subscriber"), subscriber.toJson());
        if (kind == Kind::SubscriberDisconnected)
            json.insert(QStringLiteral("reason"), reason);
        break;
    case Kind::SessionRemoved:
        json.insert(QStringLiteral("session_id"), removedSessionId);
        json.insert(QStringLiteral("reason"), reason);
        break;
    case Kind::SessionEnded:
        // Tells a cancelled session (state failed) from one that failed on its own.
        json.insert(QStringLiteral("reason"),
                    session.isCancelled() ? session.endedReason : sessionStateName(session.state));
        break;
    case Kind::SessionCreated:
    case Kind::Unknown:
        break;
    }
    return json;
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
        message.event = EventSummary::fromJson(json.value(QLatin1String("event")).toObject());
        break;
    case Kind::EventsEvicted:
        message.evicted = json.value(QLatin1String("evicted")).toInteger();
        break;
    case Kind::SubscriberConnected:
    case Kind::SubscriberDisconnected:
        message.subscriber
            = SubscriberInfo::fromJson(json.value(QLatin1String("subscriber")).toObject());
        message.subscriberSessionId = json.value(QLatin1String("session_id")).toString();
        message.reason = json.value(QLatin1String("reason")).toString();
        break;
    case Kind::SessionRemoved:
        message.removedSessionId = json.value(QLatin1String("session_id")).toString();
        message.reason = json.value(QLatin1String("reason")).toString();
        break;
    case Kind::SessionEnded:
        message.reason = json.value(QLatin1String("reason")).toString();
        if (message.reason == QLatin1String("cancelled"))
            message.session.endedReason = message.reason;
        break;
    case Kind::SessionCreated:
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
