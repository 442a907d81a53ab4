#ifndef SSEBUF_CONSOLE_ADMINSTREAMCLIENT_H
#define SSEBUF_CONSOLE_ADMINSTREAMCLIENT_H

#include "adminstreammessage.h"
#include "client/serviceendpoint.h"
#include "client/sseclient.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;

namespace ssebuf {

// Keeps GET /api/admin/stream open and turns it into AdminStreamMessages. Reconnects by
// itself with exponential backoff after network failures, server errors and the end of the
// stream; stops (state Failed) on answers that retrying cannot fix: 401, 403, 404 or a body
// that is not an event stream.
class AdminStreamClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting, Failed };
    Q_ENUM(State)

    explicit AdminStreamClient(QNetworkAccessManager *manager, QObject *parent = nullptr);
    ~AdminStreamClient() override;

    void setEndpoint(const ServiceEndpoint &endpoint) { m_endpoint = endpoint; }
    ServiceEndpoint endpoint() const { return m_endpoint; }

    void open();
    void close();

    State state() const { return m_state; }
    static QString stateName(State state);
    // The last failure, in words an operator can act on; empty while things are fine.
    QString errorText() const { return m_errorText; }
    int failedAttempts() const { return m_failedAttempts; }
    int retryDelayMs() const { return m_retryDelayMs; }
    ServiceInfo serviceInfo() const { return m_service; }
    qint64 messagesReceived() const { return m_messagesReceived; }

    void setBackoff(int initialMs, int maxMs);
    // The stream is given up as dead (and reopened) after this long without a byte; the
    // service sends a keep-alive every 15 s by default.
    void setIdleTimeout(int ms) { m_idleTimeoutMs = ms; }

Q_SIGNALS:
    void stateChanged(ssebuf::AdminStreamClient::State state);
    void messageReceived(const ssebuf::AdminStreamMessage &message);
    void errorOccurred(const QString &text);

private:
    void connectNow();
    void sse_headersReceived();
    void sse_eventReceived(const SseEvent &event);
    void sse_finished();
    void retryTimer_timeout();
    void scheduleRetry(const QString &reason);
    void fail(const QString &reason);
    void setState(State state);

    QPointer<QNetworkAccessManager> m_manager;
    SseClient m_sse;
    ServiceEndpoint m_endpoint;
    QTimer m_retryTimer;
    ServiceInfo m_service;
    QString m_errorText;
    State m_state = State::Disconnected;
    int m_initialBackoffMs = 500;
    int m_maxBackoffMs = 30000;
    int m_retryDelayMs = 0;
    int m_failedAttempts = 0;
    int m_idleTimeoutMs = 45000;
    qint64 m_messagesReceived = 0;
    bool m_streamAccepted = false;
};

} // namespace ssebuf

#endif
