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
    const QJsonValue type = json.value(QLatin1String("type"));
    if (!type.isString() || type.toString().isEmpty() || type.toString().size() > 64)
        return fail(QStringLiteral("type"),
                    QStringLiteral("type must be a string of 1..64 characters"));
    draft.type = type.toString();
    const QJsonValue status = json.value(QLatin1String("status"));
    const std::optional<SessionState> state = sessionStateFromString(status.toString());
    if (!status.isString() || !state)
        return fail(QStringLiteral("status"),
                    QStringLiteral("status must be one of running, completed, failed"));
    draft.status = *state;
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
