#include "ndjsonexport.h"

#include <QJsonDocument>
#include <QSaveFile>

namespace ssebuf {

QByteArray NdjsonExport::toNdjson(const QList<QJsonObject> &events)
{
    QByteArray out;
    for (const QJsonObject &event : events) {
        out += QJsonDocument(event).toJson(QJsonDocument::Compact);
        out += '\n';
    }
    return out;
}

bool NdjsonExport::writeFile(const QString &path, const QList<QJsonObject> &events, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = toNdjson(events);
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QString NdjsonExport::suggestedFileName(const QString &sessionId)
{
    QString name = sessionId;
    for (QChar &c : name) {
        if (!c.isLetterOrNumber() && c != QLatin1Char('_') && c != QLatin1Char('-'))
            c = QLatin1Char('_');
    }
    return (name.isEmpty() ? QStringLiteral("session") : name) + QStringLiteral(".ndjson");
}

} // namespace ssebuf
