#include "subscriberinfo.h"

#include "isotime.h"

namespace ssebuf {

QJsonObject SubscriberInfo::toJson() const
{
    return QJsonObject {
        {QStringLiteral("id"), id},
        {QStringLiteral("peer"), peer},
        {QStringLiteral("resume_from"), resumeFrom},
        {QStringLiteral("next_seq"), nextSeq},
        {QStringLiteral("events_sent"), eventsSent},
        {QStringLiteral("lag_bytes"), lagBytes},
        {QStringLiteral("connected_at"), isoUtcFromMs(connectedAtMs)},
    };
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

} // namespace ssebuf
