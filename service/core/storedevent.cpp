#include "storedevent.h"

#include "isotime.h"
#include "jsonwriter.h"
#include "sseencoder.h"

#include <QJsonDocument>

#include <cstring>

namespace ssebuf {

namespace {

// Views of literals: their lengths are known here.
QByteArrayView stateText(SessionState state)
{
    switch (state) {
    case SessionState::Running:
        return "running";
    case SessionState::Completed:
        return "completed";
    case SessionState::Failed:
        return "failed";
    }
    return "running";
}

qsizetype digitCount(qint64 value)
{
    char digits[24];
    return JsonWriter::formatNumber(digits, value);
}

// The frame's size when every string is ASCII with nothing to escape and there is no data
// (the common event): the writer's buffer is allocated at that size once, and needs neither
// growth nor squeeze. Any other event is larger, and costs a reallocation or two.
qsizetype expectedFrameSize(qsizetype prefixLength, QByteArrayView sessionIdJson,
                            QByteArrayView seqText, QByteArrayView status, const EventDraft &draft)
{
    // The keys, quotes, colons, commas and braces of the fields always there, and "\n\n".
    constexpr qsizetype fixed = sizeof(R"({"session_id":,"seq":,"type":"","status":"",)"
                                       R"("message":"","timestamp":""})")
        - 1 + 2;
    qsizetype size = prefixLength + fixed + sessionIdJson.size() + seqText.size()
        + draft.type.size() + status.size() + draft.message.size() + 24;
    if (!draft.stage.isEmpty())
        size += qsizetype(sizeof(R"(,"stage":"")") - 1) + draft.stage.size();
    if (draft.progress >= 0)
        size += qsizetype(sizeof(R"(,"progress":)") - 1) + digitCount(draft.progress);
    if (draft.final)
        size += qsizetype(sizeof(R"(,"final":true)") - 1);
    return size;
}

} // namespace

QByteArray StoredEvent::sessionIdJson(const QString &sessionId)
{
    QByteArray json;
    JsonWriter::appendString(json, sessionId);
    return json;
}

std::shared_ptr<const StoredEvent> StoredEvent::make(const QString &sessionId, qint64 seq,
                                                     qint64 timestampMs, const EventDraft &draft)
{
    return makeWithSessionJson(sessionIdJson(sessionId), seq, timestampMs, draft);
}

std::shared_ptr<const StoredEvent> StoredEvent::makeWithSessionJson(QByteArrayView sessionIdJson,
                                                                    qint64 seq, qint64 timestampMs,
                                                                    const EventDraft &draft,
                                                                    IsoUtcWriter *timestamps)
{
    // The SSE frame is written around the JSON in one buffer: "id: <seq>\ndata: " first, the
    // object, then "\n\n". The JSON is then one exact copy out of it.
    // The digits of seq are formatted once: the frame's id and the JSON's seq.
    char digits[24];
    const qsizetype seqLength = JsonWriter::formatNumber(digits, seq);
    const QByteArrayView seqText(digits + sizeof digits - seqLength, seqLength);
    char prefix[48];
    std::memcpy(prefix, "id: ", 4);
    qsizetype prefixLength = 4;
    std::memcpy(prefix + prefixLength, seqText.data(), size_t(seqText.size()));
    prefixLength += seqText.size();
    std::memcpy(prefix + prefixLength, "\ndata: ", 7);
    prefixLength += 7;
    const QByteArrayView status = stateText(draft.status);
    JsonWriter json(QByteArrayView(prefix, prefixLength),
                    expectedFrameSize(prefixLength, sessionIdJson, seqText, status, draft));
    json.rawField("session_id", sessionIdJson);
    json.rawField("seq", seqText); // a JSON number as it is
    json.field("type", draft.type);
    json.plainStringField("status", status);
    json.field("message", draft.message);
    char timestamp[24];
    if (timestamps ? timestamps->write(timestampMs, timestamp)
                   : isoUtcFromMs(timestampMs, timestamp))
        json.plainStringField("timestamp", QByteArrayView(timestamp, 24));
    else
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
    QByteArray frame = json.finish("\n\n");
    const qsizetype start = json.objectStart();
    const qsizetype length = frame.size() - 2 - start;
    event->json = QByteArray(frame.constData() + start, length);
    // Compact JSON holds no raw line break (strings escape them), so the frame has one data
    // line; the general encoder is kept for anything else.
    if (std::memchr(event->json.constData(), '\n', size_t(length))
        || std::memchr(event->json.constData(), '\r', size_t(length))) {
        event->wire = SseEncoder::event(seq, event->json);
    } else {
        frame.squeeze(); // held for the session's lifetime: no slack (none when the guess held)
        event->wire = std::move(frame);
    }
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
