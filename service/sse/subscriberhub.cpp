#include "subscriberhub.h"

#include "core/contextcallback.h"

#include <QDateTime>

namespace ssebuf {

SubscriberHub::SubscriberHub(SessionStore *store, const SseOptions &options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
{
    connect(store, &SessionStore::eventAppended, this, &SubscriberHub::store_eventAppended);
    connect(store, &SessionStore::sessionRemoved, this, &SubscriberHub::store_sessionRemoved);
    connect(store, &SessionStore::sessionResync, this, [this](const QString &sessionId) {
        const QList<SseSubscriber *> subscribers = m_bySession.value(sessionId);
        for (SseSubscriber *subscriber : subscribers)
            subscriber->resync();
    });
    // Live streams follow the store's notifications: without the store they would hang
    // silently, so they end cleanly and their clients resume (Last-Event-ID) once it is back.
    connect(store, &SessionStore::availabilityChanged, this, [this](bool available) {
        if (available)
            return;
        const auto sessions = m_bySession;
        for (const QList<SseSubscriber *> &subscribers : sessions) {
            for (SseSubscriber *subscriber : subscribers)
                subscriber->close(QStringLiteral("store_unavailable"));
        }
    });
    // One timer for every stream: keep-alives are due keepalive seconds after the last
    // write, checked at least once a second.
    m_tickTimer.setInterval(qBound(100, options.keepaliveSeconds * 250, 1000));
    connect(&m_tickTimer, &QTimer::timeout, this, &SubscriberHub::tickTimer_timeout);
    m_tickTimer.start();
}

SubscriberHub::~SubscriberHub() = default;

SseSubscriber *SubscriberHub::subscribe(std::unique_ptr<StreamConnection> stream,
                                        const QString &sessionId, qint64 resumeFrom,
                                        const QString &peer)
{
    auto *subscriber = new SseSubscriber(m_nextId++, sessionId, stream.release(), resumeFrom, peer,
                                         m_store, m_options, this);
    m_bySession[sessionId].append(subscriber);
    ++m_count;
    connect(subscriber, &SseSubscriber::ended, this,
            [this, subscriber](const QString &reason) { subscriber_ended(subscriber, reason); });
    Q_EMIT subscriberConnected(sessionId, subscriber);
    // The store delivers the session's live events from here on; the stream's first read
    // must come after that, or an event appended in between would be missed.
    m_store->watchSession(sessionId, withContext<bool>(subscriber, [subscriber](bool ready) {
                              if (ready)
                                  subscriber->start();
                              else
                                  subscriber->close(QStringLiteral("store_unavailable"));
                          }));
    return subscriber;
}

void SubscriberHub::subscriber_ended(SseSubscriber *subscriber, const QString &reason)
{
    auto it = m_bySession.find(subscriber->sessionId());
    if (it != m_bySession.end()) {
        if (it->removeOne(subscriber)) {
            --m_count;
            m_deliveredByEnded += subscriber->eventsSent();
        }
        if (it->isEmpty())
            m_bySession.erase(it);
    }
    m_store->unwatchSession(subscriber->sessionId());
    if (reason == QLatin1String("slow_consumer") || reason == QLatin1String("stalled"))
        ++m_slowDisconnects;
    Q_EMIT subscriberDisconnected(subscriber->sessionId(), subscriber, reason);
    // Unhooked first, deleted later: never inside its own signal.
    subscriber->deleteLater();
    if (m_closingAll && m_count == 0)
        Q_EMIT allClosed();
}

void SubscriberHub::store_eventAppended(const QString &sessionId, const EventPtr &event)
{
    const auto it = m_bySession.constFind(sessionId);
    if (it == m_bySession.constEnd())
        return;
    // Copy: a subscriber may end (and leave the list) while being offered the event.
    const QList<SseSubscriber *> subscribers = it.value();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (SseSubscriber *subscriber : subscribers)
        subscriber->offer(event, now);
}

void SubscriberHub::store_sessionRemoved(const QString &sessionId, RemovalReason reason)
{
    const QList<SseSubscriber *> subscribers = m_bySession.value(sessionId);
    const QString why = reason == RemovalReason::Deleted ? QStringLiteral("session_deleted")
                                                         : QStringLiteral("session_expired");
    for (SseSubscriber *subscriber : subscribers)
        subscriber->close(why);
}

void SubscriberHub::closeAll(const QString &reason)
{
    m_closingAll = true;
    if (m_count == 0) {
        Q_EMIT allClosed();
        return;
    }
    const auto sessions = m_bySession;
    for (const QList<SseSubscriber *> &subscribers : sessions) {
        for (SseSubscriber *subscriber : subscribers)
            subscriber->close(reason);
    }
}

qint64 SubscriberHub::eventsDelivered() const
{
    qint64 delivered = m_deliveredByEnded;
    for (const QList<SseSubscriber *> &subscribers : m_bySession) {
        for (const SseSubscriber *subscriber : subscribers)
            delivered += subscriber->eventsSent();
    }
    return delivered;
}

int SubscriberHub::subscriberCount(const QString &sessionId) const
{
    const auto it = m_bySession.constFind(sessionId);
    return it == m_bySession.constEnd() ? 0 : int(it->size());
}

QJsonArray SubscriberHub::subscribersJson(const QString &sessionId) const
{
    QJsonArray array;
    for (const SseSubscriber *subscriber : m_bySession.value(sessionId))
        array.append(subscriber->info().toJson());
    return array;
}

SessionSummary SubscriberHub::withSubscribers(SessionSummary summary) const
{
    summary.subscribers = subscriberCount(summary.sessionId);
    return summary;
}

void SubscriberHub::tickTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto sessions = m_bySession;
    for (const QList<SseSubscriber *> &subscribers : sessions) {
        for (SseSubscriber *subscriber : subscribers)
            subscriber->tick(now);
    }
}

} // namespace ssebuf
