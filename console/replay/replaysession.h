#ifndef SSEBUF_CONSOLE_REPLAYSESSION_H
#define SSEBUF_CONSOLE_REPLAYSESSION_H

#include "client/serviceendpoint.h"
#include "client/sseclient.h"
#include "replay/replayevent.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;

namespace ssebuf {

// Streams one session the way a late client does: optionally waits, then GETs
// /api/refactor/{id}/sse (with Last-Event-ID when resuming) and records every message with
// its arrival time, until the server ends the stream or stop() is called.
class ReplaySession : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Waiting, Connecting, Streaming, Finished, Failed };
    Q_ENUM(State)

    struct Options
    {
        qint64 lastEventId = 0; // 0 streams from the start
        int delayMs = 0; // before connecting
        // Contract section 14, instead of a Last-Event-ID: only new events (?from=now), or
        // the last N buffered ones (?tail=N, N > 0).
        bool fromNow = false;
        int tail = 0;
    };

    explicit ReplaySession(QNetworkAccessManager *manager, QObject *parent = nullptr);
    ~ReplaySession() override;

    void start(const ServiceEndpoint &endpoint, const QString &sessionId, const Options &options);
    // Ends the stream early (state Finished, stoppedEarly() true).
    void stop();

    State state() const { return m_state; }
    QString sessionId() const { return m_sessionId; }
    Options options() const { return m_options; }
    QList<ReplayEvent> received() const { return m_received; }
    int httpStatus() const { return m_httpStatus; }
    QString errorText() const { return m_errorText; }
    bool finalReceived() const { return m_finalReceived; }
    bool stoppedEarly() const { return m_stoppedEarly; }
    qint64 connectedAtMs() const { return m_connectedAtMs; }
    bool isActive() const
    {
        return m_state == State::Waiting || m_state == State::Connecting
            || m_state == State::Streaming;
    }

Q_SIGNALS:
    void stateChanged(ssebuf::ReplaySession::State state);
    void eventReceived(const ssebuf::ReplayEvent &event);
    // The stream is over (Finished or Failed).
    void finished();

private:
    void delayTimer_timeout();
    void sse_headersReceived();
    void sse_eventReceived(const SseEvent &event);
    void sse_finished();
    void setState(State state);
    void end(State state, const QString &error = QString());

    QPointer<QNetworkAccessManager> m_manager;
    SseClient m_sse;
    ServiceEndpoint m_endpoint;
    QString m_sessionId;
    Options m_options;
    QTimer m_delayTimer;
    QElapsedTimer m_sinceConnect;
    QList<ReplayEvent> m_received;
    QString m_errorText;
    State m_state = State::Idle;
    qint64 m_connectedAtMs = 0;
    int m_httpStatus = 0;
    bool m_finalReceived = false;
    bool m_stoppedEarly = false;
};

} // namespace ssebuf

#endif
