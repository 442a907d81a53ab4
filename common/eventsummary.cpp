#include "eventsummary.h"

#include "isotime.h"

#include <QJsonValue>

namespace ssebuf {

QJsonObject EventSummary::toJson() const
{
    QJsonObject json;
    json.insert(QStringLiteral("seq"), seq);
    json.insert(QStringLiteral("type"), type);
    json.insert(QStringLiteral("status"), status);
    json.insert(QStringLiteral("stage"), stage.isEmpty() ? QJsonValue() : QJsonValue(stage));
    json.insert(QStringLiteral("progress"), progress < 0 ? QJsonValue() : QJsonValue(progress));
    json.insert(QStringLiteral("final"), isFinal);
    json.insert(QStringLiteral("timestamp"), isoUtcFromMs(timestampMs));
    json.insert(QStringLiteral("bytes"), bytes);
    return json;
}

EventSummary EventSummary::fromJson(const QJsonObject &json)
{
    EventSummary event;
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

} // namespace ssebuf
