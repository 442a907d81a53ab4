#ifndef SSEBUF_STOREDEVENT_H
#define SSEBUF_STOREDEVENT_H

#include "eventdraft.h"
#include "eventsummary.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace ssebuf {

class IsoUtcWriter;

// An appended event: its JSON (one line) and its SSE frame, both encoded once at append
// time and shared by every subscriber.
struct StoredEvent
{
    qint64 seq = 0;
    qint64 timestampMs = 0;
    QByteArray json;
    QByteArray wire; // "id: <seq>\ndata: <json>\n\n"
    QString type;
    SessionState status = SessionState::Running;
    QString stage;
    int progress = -1;
    bool final = false;

    static std::shared_ptr<const StoredEvent> make(const QString &sessionId, qint64 seq,
                                                   qint64 timestampMs, const EventDraft &draft);
    // The same, with the session id already as a JSON string (quotes and escapes included,
    // sessionIdJson()): the memory store keeps it per session. timestamps, when given, writes
    // the timestamp (the store's, which keeps the day's date; the same text).
    static std::shared_ptr<const StoredEvent>
    makeWithSessionJson(QByteArrayView sessionIdJson, qint64 seq, qint64 timestampMs,
                        const EventDraft &draft, IsoUtcWriter *timestamps = nullptr);
    static QByteArray sessionIdJson(const QString &sessionId);
    // Rebuilds an event from the JSON make() wrote (e.g. read back from a shared store).
    static std::shared_ptr<const StoredEvent> fromJson(const QByteArray &json);
    // The admin view of the event: everything but message and data.
    EventSummary summary() const;
};

using EventPtr = std::shared_ptr<const StoredEvent>;

} // namespace ssebuf

#endif
