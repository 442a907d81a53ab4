#include "adminfeed.h"

#include "core/contextcallback.h"
#include "http/streamconnection.h"
#include "sse/ssesubscriber.h"
#include "sse/subscriberhub.h"
#include "sseencoder.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcAdmin, "ssebuf.admin")

namespace ssebuf {

namespace {
QByteArray compact(const QJsonObject &json)
{
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}
} // namespace

AdminFeed::AdminFeed(SessionStore *store, SubscriberHub *hub, const ServiceInfo &serviceInfo,
                     qint64 maxUnsentBytes, int keepaliveSeconds, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_hub(hub)
    , m_serviceInfo(serviceInfo)
    , m_maxUnsentBytes(maxUnsentBytes)
    , m_keepaliveSeconds(keepaliveSeconds)
{
    connect(store, &SessionStore::sessionCreated, this, &AdminFeed::store_sessionCreated);
    connect(store, &SessionStore::eventAppended, this, &AdminFeed::store_eventAppended);
    connect(store, &SessionStore::sessionEnded, this, &AdminFeed::store_sessionEnded);
    connect(store, &SessionStore::sessionRemoved, this, &AdminFeed::store_sessionRemoved);
    connect(store, &SessionStore::lifecycleResync, this, &AdminFeed::store_lifecycleResync);
    connect(hub, &SubscriberHub::subscriberConnected, this, &AdminFeed::hub_subscriberConnected);
    connect(hub, &SubscriberHub::subscriberDisconnected, this,
            &AdminFeed::hub_subscriberDisconnected);
    m_keepaliveTimer.setInterval(1000);
    connect(&m_keepaliveTimer, &QTimer::timeout, this, &AdminFeed::keepaliveTimer_timeout);
    m_keepaliveTimer.start();
}

AdminFeed::~AdminFeed() = default;

AdminStreamMessage AdminFeed::aboutSession(AdminStreamMessage::Kind kind,
                                           SessionSummary summary) const
{
    AdminStreamMessage message;
    message.kind = kind;
    message.session = m_hub->withSubscribers(std::move(summary));
    message.hasSession = true;
    return message;
}

void AdminFeed::addClient(std::unique_ptr<StreamConnection> owned, const QString &peer)
{
    StreamConnection *stream = owned.release();
    stream->setParent(this);
    Client client;
    client.stream = stream;
    client.lastWriteMs = QDateTime::currentMSecsSinceEpoch();
    m_clients.append(client);
    connect(stream, &StreamConnection::closed, this, &AdminFeed::removeClosed,
            Qt::QueuedConnection);
    write(m_clients.last(), SseEncoder::retry(3000));
    qCInfo(lcAdmin).noquote() << "admin stream client connected from" << peer;
    sendSnapshot(stream);
}

void AdminFeed::sendSnapshot(const QPointer<StreamConnection> &stream)
{
    m_store->listSessions(withContext<const QList<SessionSummary> &>(
        this, [this, guard = stream](const QList<SessionSummary> &sessions) {
            auto it = std::find_if(m_clients.begin(), m_clients.end(), [&guard](const Client &c) {
                return guard && c.stream == guard;
            });
            if (it == m_clients.end())
                return;
            AdminStreamMessage snapshot;
            snapshot.kind = AdminStreamMessage::Kind::Snapshot;
            snapshot.service = m_serviceInfo;
            snapshot.sessions.reserve(sessions.size());
            for (const SessionSummary &summary : sessions)
                snapshot.sessions.append(m_hub->withSubscribers(summary));
            // The snapshot may be large (every session); it is the one write allowed past the
            // unsent bound.
            if (it->stream && it->stream->isOpen())
                it->stream->write(SseEncoder::anonymousEvent(compact(snapshot.toJson())));
            it->ready = true;
        }));
}

// The store's lifecycle feed may have missed creations, ends and removals (its
// subscription was lost and made again): every client gets a fresh snapshot, which
// replaces its table.
void AdminFeed::store_lifecycleResync()
{
    qCInfo(lcAdmin) << "lifecycle feed resubscribed: sending a fresh snapshot to"
                    << m_clients.size() << "admin stream clients";
    for (const Client &client : std::as_const(m_clients))
        sendSnapshot(client.stream);
}

void AdminFeed::write(Client &client, const QByteArray &bytes)
{
    if (!client.stream || !client.stream->isOpen())
        return;
    if (client.stream->unsentBytes() + bytes.size() > m_maxUnsentBytes + 4 * 1024 * 1024) {
        qCInfo(lcAdmin) << "cutting off a slow admin stream client";
        client.stream->abort();
        return;
    }
    client.stream->write(bytes);
    client.lastWriteMs = QDateTime::currentMSecsSinceEpoch();
}

void AdminFeed::broadcast(const AdminStreamMessage &message)
{
    if (m_clients.isEmpty())
        return;
    const QByteArray frame = SseEncoder::event(m_nextId++, compact(message.toJson()));
    for (Client &client : m_clients) {
        if (client.ready)
            write(client, frame);
    }
}

void AdminFeed::removeClosed()
{
    for (auto it = m_clients.begin(); it != m_clients.end();) {
        if (it->stream && it->stream->isOpen()) {
            ++it;
            continue;
        }
        // Owned since addClient(): a closed stream is deleted, not kept until shutdown.
        if (it->stream)
            it->stream->deleteLater();
        it = m_clients.erase(it);
    }
}

void AdminFeed::closeAll()
{
    for (Client &client : m_clients) {
        if (client.stream)
            client.stream->closeAfterFlush();
    }
}

void AdminFeed::store_sessionCreated(const SessionSummary &summary)
{
    broadcast(aboutSession(AdminStreamMessage::Kind::SessionCreated, summary));
}

void AdminFeed::store_eventAppended(const QString &, const EventPtr &event,
                                    const SessionSummary &summary, int evicted)
{
    if (m_clients.isEmpty())
        return;
    AdminStreamMessage message = aboutSession(AdminStreamMessage::Kind::EventAppended, summary);
    message.event = event->summary();
    broadcast(message);
    if (evicted > 0) {
        message.kind = AdminStreamMessage::Kind::EventsEvicted;
        message.evicted = evicted;
        broadcast(message);
    }
}

void AdminFeed::store_sessionEnded(const SessionSummary &summary)
{
    qCInfo(lcAdmin).noquote() << "session ended" << summary.sessionId
                              << sessionStateName(summary.state)
                              << (summary.isCancelled() ? "(cancelled)" : "") << "events"
                              << summary.eventCount;
    broadcast(aboutSession(AdminStreamMessage::Kind::SessionEnded, summary));
}

void AdminFeed::store_sessionRemoved(const QString &sessionId, RemovalReason reason)
{
    const QString why
        = reason == RemovalReason::Deleted ? QStringLiteral("deleted") : QStringLiteral("expired");
    qCInfo(lcAdmin).noquote() << "session removed" << sessionId << why;
    AdminStreamMessage message;
    message.kind = AdminStreamMessage::Kind::SessionRemoved;
    message.removedSessionId = sessionId;
    message.reason = why;
    broadcast(message);
}

void AdminFeed::hub_subscriberConnected(const QString &sessionId, const SseSubscriber *connected)
{
    qCInfo(lcAdmin, "subscriber %llu connected to %s from %s resume_from %lld",
           static_cast<unsigned long long>(connected->id()), qPrintable(sessionId),
           qPrintable(connected->peer()), static_cast<long long>(connected->resumeFrom()));
    if (m_clients.isEmpty())
        return;
    // Built only when an admin client listens: it costs more than the stream's own set-up.
    AdminStreamMessage message;
    message.kind = AdminStreamMessage::Kind::SubscriberConnected;
    message.subscriberSessionId = sessionId;
    message.subscriber = connected->info();
    broadcastWithSession(std::move(message));
}

void AdminFeed::hub_subscriberDisconnected(const QString &sessionId,
                                           const SseSubscriber *disconnected, const QString &reason)
{
    qCInfo(lcAdmin, "subscriber %llu of %s disconnected: %s events_sent %lld",
           static_cast<unsigned long long>(disconnected->id()), qPrintable(sessionId),
           qPrintable(reason), static_cast<long long>(disconnected->eventsSent()));
    if (m_clients.isEmpty())
        return;
    AdminStreamMessage message;
    message.kind = AdminStreamMessage::Kind::SubscriberDisconnected;
    message.subscriberSessionId = sessionId;
    message.subscriber = disconnected->info();
    message.reason = reason;
    broadcastWithSession(std::move(message));
}

void AdminFeed::broadcastWithSession(AdminStreamMessage message)
{
    QPointer<AdminFeed> self(this);
    const QString sessionId = message.subscriberSessionId;
    m_store->findSession(
        sessionId,
        [self, message = std::move(message)](const std::optional<SessionSummary> &summary) mutable {
            if (!self)
                return;
            if (summary) {
                message.session = self->m_hub->withSubscribers(*summary);
                message.hasSession = true;
            }
            self->broadcast(message);
        });
}

void AdminFeed::keepaliveTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (Client &client : m_clients) {
        if (client.ready && now - client.lastWriteMs >= qint64(m_keepaliveSeconds) * 1000)
            write(client, SseEncoder::comment("keepalive"));
    }
    removeClosed();
}

} // namespace ssebuf
