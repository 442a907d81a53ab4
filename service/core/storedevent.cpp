#include "storedevent.h"

#include "isotime.h"
#include "jsonwriter.h"
#include "sseencoder.h"

#include <QJsonDocument>

namespace ssebuf {

namespace {

ApiError invalid(const QString &field, const QString &message)
{
    return ApiError {422, QStringLiteral("invalid_event"), message, field};
}

bool isStatus(const QString &status)
{
    return status == QLatin1String("running") || status == QLatin1String("completed")
        || status == QLatin1String("failed");
}

} // namespace

std::optional<EventDraft> EventDraft::fromJson(const QJsonObject &json, ApiError *error)
{
    auto fail = [error](const QString &field, const QString &message) {
        if (error)
            *error = invalid(field, message);
        return std::nullopt;
    };
    EventDraft draft;
    const QJsonValue type = json.value(QLatin1String("type"));
    if (!type.isString() || type.toString().isEmpty() || type.toString().size() > 64)
        return fail(QStringLiteral("type"),
                    QStringLiteral("type must be a string of 1..64 characters"));
    draft.type = type.toString();
    const QJsonValue status = json.value(QLatin1String("status"));
    if (!status.isString() || !isStatus(status.toString()))
        return fail(QStringLiteral("status"),
                    QStringLiteral("status must be one of running, completed, failed"));
    draft.status = status.toString();
    const QJsonValue message = json.value(QLatin1String("message"));
    if (!message.isString() || message.toString().size() > 65536)
        return fail(QStringLiteral("message"),
                    QStringLiteral("message must be a string of at most 65536 characters"));
    draft.message = message.toString();
    const QJsonValue stage = json.value(QLatin1String("stage"));
    if (!stage.isUndefined() && !stage.isNull()) {
        if (!stage.isString() || stage.toString().size() > 128)
            return fail(QStringLiteral("stage"),
                        QStringLiteral("stage must be a string of at most 128 characters"));
        draft.stage = stage.toString();
    }
    const QJsonValue progress = json.value(QLatin1String("progress"));
    if (!progress.isUndefined() && !progress.isNull()) {
        const double value = progress.toDouble(-1);
        if (!progress.isDouble() || value < 0 || value > 100 || value != double(int(value)))
            return fail(QStringLiteral("progress"),
                        QStringLiteral("progress must be an integer from 0 to 100"));
        draft.progress = int(value);
    }
    const QJsonValue data = json.value(QLatin1String("data"));
    if (!data.isUndefined())
        draft.data = data;
    const bool terminal = draft.status != QLatin1String("running");
    const QJsonValue final = json.value(QLatin1String("final"));
    if (!final.isUndefined() && !final.isNull()) {
        if (!final.isBool())
            return fail(QStringLiteral("final"), QStringLiteral("final must be a boolean"));
        if (final.toBool() != terminal)
            return fail(QStringLiteral("final"),
                        QStringLiteral("final is true exactly when status is completed or failed"));
    }
    draft.final = terminal;
    return draft;
}

std::shared_ptr<const StoredEvent> StoredEvent::make(const QString &sessionId, qint64 seq,
                                                     qint64 timestampMs, const EventDraft &draft)
{
    JsonWriter json;
    json.field("session_id", sessionId);
    json.field("seq", seq);
    json.field("type", draft.type);
    json.field("status", draft.status);
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
    event->status = json.value(QLatin1String("status")).toString();
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
    summary.status = status;
    summary.stage = stage;
    summary.progress = progress;
    summary.isFinal = final;
    summary.timestampMs = timestampMs;
    summary.bytes = wire.size();
    return summary;
}

} // namespace ssebuf
