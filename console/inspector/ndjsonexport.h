#ifndef SSEBUF_CONSOLE_NDJSONEXPORT_H
#define SSEBUF_CONSOLE_NDJSONEXPORT_H

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace ssebuf {

// Newline-delimited JSON (one compact event object per line, LF-terminated, UTF-8).
class NdjsonExport
{
public:
    static QByteArray toNdjson(const QList<QJsonObject> &events);
    // Writes atomically (QSaveFile): a failed export leaves no half-written file.
    static bool writeFile(const QString &path, const QList<QJsonObject> &events,
                          QString *error = nullptr);
    // The name offered in the save dialog, e.g. "session_20261125_061222_ab12….ndjson".
    static QString suggestedFileName(const QString &sessionId);
};

} // namespace ssebuf

#endif
