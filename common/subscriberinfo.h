#ifndef SSEBUF_SUBSCRIBERINFO_H
#define SSEBUF_SUBSCRIBERINFO_H

#include <QJsonObject>
#include <QString>

namespace ssebuf {

// One open stream of a session (docs/admin-api.md, "A subscriber"): in the admin stream's
// subscriber_* messages and in GET /api/admin/sessions/{id}. Times are milliseconds since the
// epoch; JSON carries them as ISO 8601 UTC strings.
struct SubscriberInfo
{
    qint64 id = 0;
    QString peer;
    qint64 resumeFrom = 0; // the Last-Event-ID it asked for, 0 for the beginning
    qint64 nextSeq = 0; // the next event it will be sent
    qint64 eventsSent = 0;
    qint64 lagBytes = 0; // unsent output
    qint64 connectedAtMs = -1;

    QJsonObject toJson() const;
    static SubscriberInfo fromJson(const QJsonObject &json);
};

} // namespace ssebuf

#endif
