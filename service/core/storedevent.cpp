#include "storedevent.h"

#include "isotime.h"
#include "jsonwriter.h"
#include "sseencoder.h"

#include <QJsonDocument>

namespace ssebuf {

std::shared_ptr<const StoredEvent> StoredEvent::make(const QString &sessionId, qint64 seq,
                                                     qint64 timestampMs, const EventDraft &draft)
{
    JsonWriter json;
    json.field("session_id", sessionId);
    json.field("seq", seq);
    json.field("type", draft.type);
    json.field("status", sessionStateName(draft.status));
    json.field("message", draft.message);
    json.field("timestamp", isoUtcFromMs(timestampMs));
    if (!draft.stage.isEmpty())
        json.field("stage", draft.stage);
    if (draft.progress >= 0)
        json.field("progress", qint64(draft.progress));
    if (!draft.data.isUndefined())
        json.field("data", draft.data);
    if (draft.final)
        json.field("final", true);

    auto event = std::make_shared<StoredEvent>();
    event->seq = seq;
    event->timestampMs = timestampMs;
    event->json = json.finish();
    event->json.squeeze(); // held for the session's lifetime: no growth slack
    event->wire = SseEncoder::event(seq, event->json);
    event->type = draft.type;
    event->status = draft.status;
    event->stage = draft.stage;
    event->progress = draft.progress;
    event->final = draft.final;
    return event;
}

std::shared_ptr<const StoredEvent> StoredEvent::fromJson(const QByteArray &bytes)
{
    const QJsonObject json = QJsonDocument::fromJson(bytes).object();
    const qint64 seq = json.value(QLatin1String("seq")).toInteger();
    if (seq <= 0)
        return {};
    auto event = std::make_shared<StoredEvent>();
    event->seq = seq;
    event->timestampMs = msFromIso(json.value(QLatin1String("timestamp")).toString());
    event->json = bytes;
    event->wire = SseEncoder::event(seq, bytes);
    event->type = json.value(QLatin1String("type")).toString();
    event->status = sessionStateFromString(json.value(QLatin1String("status")).toString())
                        .value_or(SessionState::Running);
    event->stage = json.value(QLatin1String("stage")).toString();
    event->progress = json.value(QLatin1String("progress")).toInt(-1);
    event->final = json.value(QLatin1String("final")).toBool();
    return event;
}

EventSummary StoredEvent::summary() const
{
    EventSummary summary;
    summary.seq = seq;
    summary.type = type;
    summary.status = sessionStateName(status);
    summary.stage = stage;
    summary.progress = progress;
    summary.isFinal = final;
    summary.timestampMs = timestampMs;
    summary.bytes = wire.size();
    return summary;
}

} // namespace ssebuf
