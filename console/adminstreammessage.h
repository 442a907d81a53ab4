#ifndef SSEBUF_CONSOLE_ADMINSTREAMMESSAGE_H
#define SSEBUF_CONSOLE_ADMINSTREAMMESSAGE_H

#include <sessionsummary.h>

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

    static ServiceInfo fromJson(const QJsonObject &json);
};

// One open stream of a session (docs/admin-api.md, "A subscriber").
struct SubscriberInfo
{
    qint64 id = 0;
    QString peer;
    qint64 resumeFrom = 0; // the Last-Event-ID it asked for, 0 for the beginning
    qint64 nextSeq = 0; // the next event it will be sent
    qint64 eventsSent = 0;
    qint64 lagBytes = 0; // unsent output
    qint64 connectedAtMs = -1;

    static SubscriberInfo fromJson(const QJsonObject &json);
};

// What event_appended says about the new event: never its message or data.
struct AppendedEvent
{
    qint64 seq = 0;
    QString type;
    QString status;
    QString stage;
    int progress = -1;
    bool isFinal = false;
    qint64 timestampMs = -1;
    qint64 bytes = 0;

    static AppendedEvent fromJson(const QJsonObject &json);
};

// One message of GET /api/admin/stream.
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
    QString kindName;
    qint64 streamId = -1; // the "id:" of the message, -1 for the snapshot

    QList<SessionSummary> sessions; // Snapshot
    ServiceInfo service; // Snapshot
    SessionSummary session; // every kind but Snapshot and SessionRemoved
    bool hasSession = false;
    AppendedEvent event; // EventAppended
    SubscriberInfo subscriber; // SubscriberConnected, SubscriberDisconnected
    qint64 evicted = 0; // EventsEvicted
    QString reason; // SubscriberDisconnected, SessionRemoved
    QString removedSessionId; // SessionRemoved

    // The session the message is about, empty for a snapshot.
    QString sessionId() const { return hasSession ? session.sessionId : removedSessionId; }

    // Parses the JSON of one message; nullopt (and a reason) when it is not a JSON object with
    // a "kind". An unknown kind parses to Kind::Unknown so newer services stay readable.
    static std::optional<AdminStreamMessage> fromJson(const QByteArray &data,
                                                      QString *error = nullptr);
    static Kind kindFromName(const QString &name);
};

} // namespace ssebuf

#endif
