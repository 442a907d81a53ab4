#ifndef SSEBUF_SESSIONMANAGER_H
#define SSEBUF_SESSIONMANAGER_H

#include "pipeline/pipeline.h"
#include "store/sessionstore.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <memory>

namespace ssebuf {

struct StartOutcome
{
    CreateStatus status = CreateStatus::Unavailable;
    QString sessionId;
    qint64 createdAtMs = 0;
    // The pipeline runs its maximum of producers (--exec-max-producers): nothing was created.
    bool producersBusy = false;
};

// Starts sessions and runs their producers: the only writer of events into the store
// besides the publish API, which also goes through publish().
//
// A built-in producer's events are appended one after the other, in order. One the store
// refuses (unreachable, out of memory) is tried again with a growing delay, the later ones
// waiting behind it; when the store keeps refusing, the producer is stopped and the session
// ends with a failed terminal event that says why (appended as soon as the store takes it).
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

    // Retry schedule of a refused producer event: attempt n (1-based) waits
    // min(firstRetryMs * 2^(n-1), maxRetryMs); after maxAttempts the session is failed.
    static constexpr int firstRetryMs = 100;
    static constexpr int maxRetryMs = 2000;
    static constexpr int maxAttempts = 8;

Q_SIGNALS:
    void producerFailed(const QString &sessionId, const QString &reason);
    // A producer event the store refused is tried again.
    void appendRetried(const QString &sessionId);
    // The store kept refusing a producer's events: the session is being ended failed.
    void sessionFailedByStore(const QString &sessionId);

private:
    struct AppendQueue
    {
        std::deque<EventDraft> drafts;
        bool inFlight = false;
        bool waiting = false; // a retry timer runs
        bool pumping = false;
        bool failing = false; // the front is the store-failure terminal event
        int attempts = 0;
        qint64 lost = 0;
    };

    void startProducer(const QString &sessionId, const StartRequest &request);
    void dropProducer(const QString &sessionId);
    void store_sessionRemoved(const QString &sessionId);
    void enqueue(const QString &sessionId, const EventDraft &draft);
    void pump(const QString &sessionId);
    void appended(const QString &sessionId, const std::shared_ptr<AppendQueue> &queue,
                  const AppendResult &result);
    void failByStore(const QString &sessionId, AppendQueue &queue);
    // A cancel, on this instance or another: the session's producer here is stopped.
    void store_sessionEnded(const SessionSummary &summary);

    SessionStore *m_store;
    Pipeline *m_pipeline;
    QHash<QString, QPointer<SessionProducer>> m_producers;
    QHash<QString, std::shared_ptr<AppendQueue>> m_queues;
    int m_startsPending = 0; // sessions being created whose producer has not started yet
};

} // namespace ssebuf

#endif
