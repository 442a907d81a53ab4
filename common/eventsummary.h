#ifndef SSEBUF_EVENTSUMMARY_H
#define SSEBUF_EVENTSUMMARY_H

#include <QJsonObject>
#include <QString>

namespace ssebuf {

// The admin view of an appended event (the "event" of an event_appended message): everything
// but its message and data.
struct EventSummary
{
    qint64 seq = 0;
    QString type;
    QString status;
    QString stage; // empty when absent (JSON null)
    int progress = -1; // -1 when absent (JSON null)
    bool isFinal = false;
    qint64 timestampMs = -1;
    qint64 bytes = 0; // size of its SSE frame

    QJsonObject toJson() const;
    static EventSummary fromJson(const QJsonObject &json);
};

} // namespace ssebuf

#endif
