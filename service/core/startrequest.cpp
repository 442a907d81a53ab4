#include "startrequest.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ssebuf {

namespace {

// Length in characters (code points), as the contract counts them.
qsizetype characterCount(const QString &text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!(text.at(i).isLowSurrogate() && i > 0 && text.at(i - 1).isHighSurrogate()))
            ++count;
    }
    return count;
}

} // namespace

std::optional<StartRequest> StartRequest::parse(const QByteArray &body, ApiError *error)
{
    auto fail = [error](int status, const QString &code, const QString &message,
                        const QString &field = QString()) {
        if (error)
            *error = ApiError {status, code, message, field};
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return fail(400, QStringLiteral("invalid_json"),
                    QStringLiteral("the body must be a JSON object"));
    QJsonObject json = document.object();

    StartRequest request;
    const QJsonValue userId = json.value(QLatin1String("user_id"));
    if (userId.isUndefined() || userId.isNull())
        return fail(422, QStringLiteral("missing_field"), QStringLiteral("user_id is required"),
                    QStringLiteral("user_id"));
    if (!userId.isString())
        return fail(422, QStringLiteral("invalid_field"),
                    QStringLiteral("user_id must be a string"), QStringLiteral("user_id"));
    const qsizetype userIdLength = characterCount(userId.toString());
    if (userIdLength < 1 || userIdLength > 128)
        return fail(422, QStringLiteral("invalid_field"),
                    QStringLiteral("user_id must have 1 to 128 characters"),
                    QStringLiteral("user_id"));
    request.userId = userId.toString();

    const QJsonValue prompt = json.value(QLatin1String("user_prompt"));
    if (prompt.isUndefined() || prompt.isNull())
        return fail(422, QStringLiteral("missing_field"), QStringLiteral("user_prompt is required"),
                    QStringLiteral("user_prompt"));
    if (!prompt.isString())
        return fail(422, QStringLiteral("invalid_field"),
                    QStringLiteral("user_prompt must be a string"), QStringLiteral("user_prompt"));
    const qsizetype promptLength = characterCount(prompt.toString());
    if (promptLength < 1 || promptLength > 65536)
        return fail(422, QStringLiteral("invalid_field"),
                    QStringLiteral("user_prompt must have 1 to 65536 characters"),
                    QStringLiteral("user_prompt"));
    request.prompt = prompt.toString();

    const QJsonValue mode = json.value(QLatin1String("mode"));
    if (mode.isUndefined() || mode.isNull()) {
        request.mode = QStringLiteral("autonomous");
    } else if (!mode.isString()) {
        return fail(422, QStringLiteral("invalid_field"), QStringLiteral("mode must be a string"),
                    QStringLiteral("mode"));
    } else if (mode.toString() != QLatin1String("autonomous")
               && mode.toString() != QLatin1String("interactive")) {
        return fail(422, QStringLiteral("invalid_field"),
                    QStringLiteral("mode must be autonomous or interactive"),
                    QStringLiteral("mode"));
    } else {
        request.mode = mode.toString();
    }

    const QJsonValue credentials = json.value(QLatin1String("github_credentials"));
    if (!credentials.isUndefined() && !credentials.isNull()) {
        if (!credentials.isObject())
            return fail(422, QStringLiteral("invalid_field"),
                        QStringLiteral("github_credentials must be an object"),
                        QStringLiteral("github_credentials"));
        request.githubCredentials = credentials.toObject();
        request.hasCredentials = true;
    }
    json.remove(QLatin1String("github_credentials"));
    json.insert(QStringLiteral("mode"), request.mode);
    request.publicJson = json;
    return request;
}

} // namespace ssebuf
