#ifndef SSEBUF_APIERROR_H
#define SSEBUF_APIERROR_H

#include <QJsonObject>
#include <QString>

namespace ssebuf {

// One error as the HTTP edge answers it: {"error": code, "message": text, "field": name}.
struct ApiError
{
    int httpStatus = 400;
    QString code;
    QString message;
    QString field; // empty when no single field is at fault

    QJsonObject toJson() const
    {
        QJsonObject json {{QStringLiteral("error"), code}, {QStringLiteral("message"), message}};
        if (!field.isEmpty())
            json.insert(QStringLiteral("field"), field);
        return json;
    }
};

} // namespace ssebuf

#endif
