#ifndef SSEBUF_SESSIONMANAGER_H
#define SSEBUF_SESSIONMANAGER_H

#include "pipeline/pipeline.h"
#include "store/sessionstore.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>

namespace ssebuf {

struct StartOutcome
{
    CreateStatus status = CreateStatus::Unavailable;
    QString sessionId;
    qint64 createdAtMs = 0;
};

// Starts sessions and runs their producers: the only writer of events into the store
// besides the publish API, which also goes through publish().
class SessionManager : public QObject
{
    Q_OBJECT
public:
    SessionManager(SessionStore *store, Pipeline *pipeline, QObject *parent = nullptr);
    ~SessionManager() override;

    void startSession(const StartRequest &request, std::function<void(const StartOutcome &)> done);
    void publish(const QString &sessionId, const EventDraft &draft,
                 SessionStore::AppendCallback done);
    // Stops every producer (service shutdown).
    void stopAll();

    SessionStore *store() const { return m_store; }
    Pipeline *pipeline() const { return m_pipeline; }
    int runningProducers() const { return int(m_producers.size()); }

    // session_YYYYMMDD_HHMMSS_<32 hex digits from the system's cryptographic generator>
    static QString newSessionId(qint64 createdAtMs);

Q_SIGNALS:
    void producerFailed(const QString &sessionId, const QString &reason);

private:
    void startProducer(const QString &sessionId, const StartRequest &request);
    void dropProducer(const QString &sessionId);
    void store_sessionRemoved(const QString &sessionId);
    // A cancel, on this instance or another: the session's producer here is stopped.
    void store_sessionEnded(const SessionSummary &summary);

    SessionStore *m_store;
    Pipeline *m_pipeline;
    QHash<QString, QPointer<SessionProducer>> m_producers;
};

} // namespace ssebuf

#endif
