#ifndef SSEBUF_SSESUBSCRIBER_H
#define SSEBUF_SSESUBSCRIBER_H

#include "sseoptions.h"

#include "core/storedevent.h"
#include "subscriberinfo.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>

namespace ssebuf {

class SessionStore;
class StreamConnection;

// One client's event stream of one session. Owns its StreamConnection (a raw descriptor
// for plain TCP, the QSslSocket for TLS). Replays what the client
// missed from the store, then follows live events; it never holds events of its own:
// when it falls behind it reads them again from the store, and it writes only while its
// unsent output is under a bound, resuming on bytesWritten.
class SseSubscriber : public QObject
{
    Q_OBJECT
public:
    enum class State { Replaying, Live, Closing, Ended };

    // Takes ownership of the stream.
    SseSubscriber(quint64 id, const QString &sessionId, StreamConnection *stream, qint64 resumeFrom,
                  const QString &peer, SessionStore *store, const SseOptions &options,
                  QObject *parent);
    ~SseSubscriber() override;

    void start();
    // A new event of this session was appended. nowMs: the time of the hub's fan-out (one
    // clock read for all of a session's subscribers).
    void offer(const EventPtr &event, qint64 nowMs);
    void offer(const EventPtr &event);
    // The store's live traffic may have missed events: read it again.
    void resync();
    // Ends the stream cleanly: what is queued is flushed, then the connection closes.
    void close(const QString &reason);
    // Writes a keep-alive comment when idle, cuts off a stalled client. Called by the hub.
    void tick(qint64 nowMs);

    quint64 id() const { return m_id; }
    QString sessionId() const { return m_sessionId; }
    QString peer() const { return m_peer; }
    qint64 resumeFrom() const { return m_resumeFrom; }
    State state() const { return m_state; }
    qint64 eventsSent() const { return m_eventsSent; }
    qint64 unsentBytes() const;
    SubscriberInfo info() const;

Q_SIGNALS:
    // The stream is over (the subscriber is deleted later by its owner).
    void ended(const QString &reason);

private:
    void pump();
    void store_read(const struct ReadResult &result);
    void write(const QByteArray &bytes, qint64 nowMs);
    void write(const QByteArray &bytes);
    void writeGap(qint64 from, qint64 to);
    void writeStoreReset(qint64 lastSeq);
    void cutOff(const QString &reason);
    void end(const QString &reason);
    void stream_bytesWritten();

    quint64 m_id;
    QString m_sessionId;
    StreamConnection *m_stream; // child
    QString m_peer;
    QPointer<SessionStore> m_store;
    SseOptions m_options;
    State m_state = State::Replaying;
    qint64 m_resumeFrom;
    qint64 m_nextSeq;
    qint64 m_knownLastSeq = -1;
    qint64 m_eventsSent = 0;
    qint64 m_connectedAtMs;
    qint64 m_lastWriteMs;
    qint64 m_lastProgressMs;
    QString m_closeReason;
    bool m_reading = false;
    bool m_started = false;
    bool m_readAgain = false; // a resync came while a read was under way
};

} // namespace ssebuf

#endif
