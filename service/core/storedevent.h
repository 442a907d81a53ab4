#ifndef SSEBUF_STOREDEVENT_H
#define SSEBUF_STOREDEVENT_H

#include "apierror.h"
#include "eventsummary.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <memory>
#include <optional>

namespace ssebuf {

// An event as a producer hands it in, before the service gives it seq, session_id and
// timestamp. Validated by fromJson() (publish API, exec pipeline).
struct EventDraft
{
    QString type;
    QString status; // running, completed, failed
    QString message;
    QString stage; // optional
    int progress = -1; // 0..100, -1 when absent
    QJsonValue data = QJsonValue(QJsonValue::Undefined); // optional
    bool final = false; // true exactly when status is completed or failed

    // Field rules: type 1..64 chars; status running|completed|failed; message a string of
    // at most 65536 chars; stage at most 128 chars; progress an integer 0..100; final a bool
    // that must agree with status (absent means "status is not running").
    static std::optional<EventDraft> fromJson(const QJsonObject &json, ApiError *error);
};

// An appended event: its JSON (one line) and its SSE frame, both encoded once at append
// time and shared by every subscriber.
struct StoredEvent
{
    qint64 seq = 0;
    qint64 timestampMs = 0;
    QByteArray json;
    QByteArray wire; // "id: <seq>\ndata: <json>\n\n"
    QString type;
    QString status;
    QString stage;
    int progress = -1;
    bool final = false;

    static std::shared_ptr<const StoredEvent> make(const QString &sessionId, qint64 seq,
                                                   qint64 timestampMs, const EventDraft &draft);
    // Rebuilds an event from the JSON make() wrote (e.g. read back from a shared store).
    static std::shared_ptr<const StoredEvent> fromJson(const QByteArray &json);
    // The admin view of the event: everything but message and data.
    EventSummary summary() const;
};

using EventPtr = std::shared_ptr<const StoredEvent>;

} // namespace ssebuf

#endif
