#include "eventdraft.h"

namespace ssebuf {

namespace {

ApiError invalid(const QString &field, const QString &message)
{
    return ApiError {422, QStringLiteral("invalid_event"), message, field};
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
    // Every QJsonValue::toString() decodes the string anew: each is read once.
    const QJsonValue type = json.value(QLatin1String("type"));
    draft.type = type.toString();
    if (!type.isString() || draft.type.isEmpty() || draft.type.size() > 64)
        return fail(QStringLiteral("type"),
                    QStringLiteral("type must be a string of 1..64 characters"));
    const QJsonValue status = json.value(QLatin1String("status"));
    const std::optional<SessionState> state = sessionStateFromString(status.toString());
    if (!status.isString() || !state)
        return fail(QStringLiteral("status"),
                    QStringLiteral("status must be one of running, completed, failed"));
    draft.status = *state;
    const QJsonValue message = json.value(QLatin1String("message"));
    draft.message = message.toString();
    if (!message.isString() || draft.message.size() > 65536)
        return fail(QStringLiteral("message"),
                    QStringLiteral("message must be a string of at most 65536 characters"));
    const QJsonValue stage = json.value(QLatin1String("stage"));
    if (!stage.isUndefined() && !stage.isNull()) {
        draft.stage = stage.toString();
        if (!stage.isString() || draft.stage.size() > 128)
            return fail(QStringLiteral("stage"),
                        QStringLiteral("stage must be a string of at most 128 characters"));
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
    const bool terminal = isTerminal(draft.status);
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

} // namespace ssebuf
