#ifndef SSEBUF_SUBSCRIBERHUB_H
#define SSEBUF_SUBSCRIBERHUB_H

#include "sseoptions.h"
#include "ssesubscriber.h"

#include "sessionsummary.h"
#include "store/sessionstore.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QTimer>

#include <memory>

namespace ssebuf {

// Every open event stream of this instance, grouped by session. Fans each appended event
// out to its session's subscribers only, ends streams of sessions that are removed, and
// drives keep-alives with one timer for all streams.
class SubscriberHub : public QObject
{
    Q_OBJECT
public:
    SubscriberHub(SessionStore *store, const SseOptions &options, QObject *parent = nullptr);
    ~SubscriberHub() override;

    // Starts streaming the session to the socket (the 200 and headers are written).
    SseSubscriber *subscribe(std::unique_ptr<StreamConnection> stream, const QString &sessionId,
                             qint64 resumeFrom, const QString &peer);
    // Ends every stream (shutdown); emits allClosed() when none is left.
    void closeAll(const QString &reason);

    int subscriberCount() const { return m_count; }
    int subscriberCount(const QString &sessionId) const;
    QJsonArray subscribersJson(const QString &sessionId) const;
    // Fills in the subscriber count this instance knows of.
    SessionSummary withSubscribers(SessionSummary summary) const;
    // Events written to streams, by every stream this hub has had (summed when asked: the
    // live path counts in the subscriber only).
    qint64 eventsDelivered() const;
    qint64 slowDisconnects() const { return m_slowDisconnects; }
    const SseOptions &options() const { return m_options; }

Q_SIGNALS:
    // The subscriber is valid during the emission only (take info() if it is needed).
    void subscriberConnected(const QString &sessionId, const ssebuf::SseSubscriber *subscriber);
    void subscriberDisconnected(const QString &sessionId, const ssebuf::SseSubscriber *subscriber,
                                const QString &reason);
    void allClosed();

private:
    void store_eventAppended(const QString &sessionId, const EventPtr &event);
    void store_sessionRemoved(const QString &sessionId, RemovalReason reason);
    void subscriber_ended(SseSubscriber *subscriber, const QString &reason);
    void tickTimer_timeout();

    SessionStore *m_store;
    SseOptions m_options;
    QHash<QString, QList<SseSubscriber *>> m_bySession;
    QTimer m_tickTimer;
    quint64 m_nextId = 1;
    int m_count = 0;
    qint64 m_deliveredByEnded = 0; // by the streams that are gone
    qint64 m_slowDisconnects = 0;
    bool m_closingAll = false;
};

} // namespace ssebuf

#endif
