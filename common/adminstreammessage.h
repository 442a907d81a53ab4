#ifndef SSEBUF_ADMINSTREAMMESSAGE_H
#define SSEBUF_ADMINSTREAMMESSAGE_H

#include "eventsummary.h"
#include "sessionsummary.h"
#include "subscriberinfo.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace ssebuf {

// The service as described by the admin stream's snapshot.
struct ServiceInfo
{
    QString version;
    qint64 startedAtMs = -1;
    QString store;
    QString pipeline;

    QJsonObject toJson() const;
    static ServiceInfo fromJson(const QJsonObject &json);
};

// One message of GET /api/admin/stream (docs/admin-api.md): the service writes it with
// toJson(), the console reads it with fromJson().
struct AdminStreamMessage
{
    enum class Kind {
        Unknown,
        Snapshot,
        SessionCreated,
        EventAppended,
        EventsEvicted,
        SessionEnded,
        SubscriberConnected,
        SubscriberDisconnected,
        SessionRemoved,
    };

    Kind kind = Kind::Unknown;
    QString kindName; // as received; toJson() writes nameOf(kind)
    qint64 streamId = -1; // the "id:" of the message, -1 for the snapshot

    QList<SessionSummary> sessions; // Snapshot
    ServiceInfo service; // Snapshot
    SessionSummary session; // every kind but Snapshot and SessionRemoved
    bool hasSession = false;
    EventSummary event; // EventAppended
    SubscriberInfo subscriber; // SubscriberConnected, SubscriberDisconnected
    QString subscriberSessionId; // SubscriberConnected, SubscriberDisconnected: "session_id"
    qint64 evicted = 0; // EventsEvicted
    QString reason; // SubscriberDisconnected, SessionRemoved; SessionEnded: its ended_reason
    QString removedSessionId; // SessionRemoved: "session_id"

    // The session the message is about, empty for a snapshot.
    QString sessionId() const { return hasSession ? session.sessionId : removedSessionId; }

    // Parses the JSON of one message; nullopt (and a reason) when it is not a JSON object with
    // a "kind". An unknown kind parses to Kind::Unknown so newer services stay readable.
    static std::optional<AdminStreamMessage> fromJson(const QByteArray &data,
                                                      QString *error = nullptr);
    // The JSON object of the message: the fields of its kind only ("session" when hasSession).
    QJsonObject toJson() const;

    static Kind kindFromName(const QString &name);
    static QString nameOf(Kind kind); // empty for Kind::Unknown
};

} // namespace ssebuf

#endif
