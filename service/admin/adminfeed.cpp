#include "adminfeed.h"

#include "http/streamconnection.h"
#include "sse/ssesubscriber.h"
#include "sse/subscriberhub.h"
#include "sseencoder.h"

#include <QDateTime>
#include <QJsonArray>
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

AdminFeed::AdminFeed(SessionStore *store, SubscriberHub *hub, const QJsonObject &serviceInfo,
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
    connect(hub, &SubscriberHub::subscriberConnected, this, &AdminFeed::hub_subscriberConnected);
    connect(hub, &SubscriberHub::subscriberDisconnected, this,
            &AdminFeed::hub_subscriberDisconnected);
    m_keepaliveTimer.setInterval(1000);
    connect(&m_keepaliveTimer, &QTimer::timeout, this, &AdminFeed::keepaliveTimer_timeout);
    m_keepaliveTimer.start();
}

AdminFeed::~AdminFeed() = default;

QJsonObject AdminFeed::summaryJson(SessionSummary summary) const
{
    return m_hub->withSubscribers(std::move(summary)).toJson();
}

void AdminFeed::addClient(StreamConnection *stream, const QString &peer)
{
    stream->setParent(this);
    Client client;
    client.stream = stream;
    client.lastWriteMs = QDateTime::currentMSecsSinceEpoch();
    m_clients.append(client);
    connect(stream, &StreamConnection::closed, this, &AdminFeed::removeClosed,
            Qt::QueuedConnection);
    write(m_clients.last(), SseEncoder::retry(3000));
    qCInfo(lcAdmin).noquote() << "admin stream client connected from" << peer;
    QPointer<StreamConnection> guard(stream);
    m_store->listSessions([this, guard](const QList<SessionSummary> &sessions) {
        auto it = std::find_if(m_clients.begin(), m_clients.end(),
                               [&guard](const Client &c) { return guard && c.stream == guard; });
        if (it == m_clients.end())
            return;
        QJsonArray array;
        for (const SessionSummary &summary : sessions)
            array.append(summaryJson(summary));
        QJsonObject snapshot {{QStringLiteral("kind"), QStringLiteral("snapshot")},
                              {QStringLiteral("sessions"), array},
                              {QStringLiteral("service"), m_serviceInfo}};
        // The snapshot may be large (every session); it is the one write allowed past the
        // unsent bound.
        if (it->stream && it->stream->isOpen())
            it->stream->write(SseEncoder::anonymousEvent(compact(snapshot)));
        it->ready = true;
    });
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

void AdminFeed::broadcast(const QJsonObject &message)
{
    if (m_clients.isEmpty())
        return;
    const QByteArray frame = SseEncoder::event(m_nextId++, compact(message));
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
    broadcast({{QStringLiteral("kind"), QStringLiteral("session_created")},
               {QStringLiteral("session"), summaryJson(summary)}});
}

void AdminFeed::store_eventAppended(const QString &, const EventPtr &event,
                                    const SessionSummary &summary, int evicted)
{
    if (m_clients.isEmpty())
        return;
    const QJsonObject session = summaryJson(summary);
    broadcast({{QStringLiteral("kind"), QStringLiteral("event_appended")},
               {QStringLiteral("session"), session},
               {QStringLiteral("event"), event->summaryJson()}});
    if (evicted > 0)
        broadcast({{QStringLiteral("kind"), QStringLiteral("events_evicted")},
                   {QStringLiteral("session"), session},
                   {QStringLiteral("evicted"), evicted}});
}

void AdminFeed::store_sessionEnded(const SessionSummary &summary)
{
    qCInfo(lcAdmin).noquote() << "session ended" << summary.sessionId << summary.state
                              << (summary.isCancelled() ? "(cancelled)" : "") << "events"
                              << summary.eventCount;
    // "reason" tells a cancelled session (state failed) from one that failed on its own.
    broadcast(
        {{QStringLiteral("kind"), QStringLiteral("session_ended")},
         {QStringLiteral("reason"), summary.isCancelled() ? summary.endedReason : summary.state},
         {QStringLiteral("session"), summaryJson(summary)}});
}

void AdminFeed::store_sessionRemoved(const QString &sessionId, RemovalReason reason)
{
    const QString why
        = reason == RemovalReason::Deleted ? QStringLiteral("deleted") : QStringLiteral("expired");
    qCInfo(lcAdmin).noquote() << "session removed" << sessionId << why;
    broadcast({{QStringLiteral("kind"), QStringLiteral("session_removed")},
               {QStringLiteral("session_id"), sessionId},
               {QStringLiteral("reason"), why}});
}

void AdminFeed::hub_subscriberConnected(const QString &sessionId, const SseSubscriber *connected)
{
    qCInfo(lcAdmin, "subscriber %llu connected to %s from %s resume_from %lld",
           static_cast<unsigned long long>(connected->id()), qPrintable(sessionId),
           qPrintable(connected->peer()), static_cast<long long>(connected->resumeFrom()));
    if (m_clients.isEmpty())
        return;
    // Built only when an admin client listens: it costs more than the stream's own set-up.
    const QJsonObject subscriber = connected->infoJson();
    QPointer<AdminFeed> self(this);
    m_store->findSession(
        sessionId, [self, sessionId, subscriber](const std::optional<SessionSummary> &summary) {
            if (!self)
                return;
            QJsonObject message {{QStringLiteral("kind"), QStringLiteral("subscriber_connected")},
                                 {QStringLiteral("session_id"), sessionId},
                                 {QStringLiteral("subscriber"), subscriber}};
            if (summary)
                message.insert(QStringLiteral("session"), self->summaryJson(*summary));
            self->broadcast(message);
        });
}

void AdminFeed::hub_subscriberDisconnected(const QString &sessionId,
                                           const SseSubscriber *disconnected, const QString &reason)
{
    qCInfo(lcAdmin, "subscriber %llu of %s disconnected: %s events_sent %lld",
           static_cast<unsigned long long>(disconnected->id()), qPrintable(sessionId),
           qPrintable(reason), static_cast<long long>(disconnected->eventsSent()));
    if (m_clients.isEmpty())
        return;
    const QJsonObject subscriber = disconnected->infoJson();
    QPointer<AdminFeed> self(this);
    m_store->findSession(
        sessionId,
        [self, sessionId, subscriber, reason](const std::optional<SessionSummary> &summary) {
            if (!self)
                return;
            QJsonObject message {
                {QStringLiteral("kind"), QStringLiteral("subscriber_disconnected")},
                {QStringLiteral("session_id"), sessionId},
                {QStringLiteral("subscriber"), subscriber},
                {QStringLiteral("reason"), reason}};
            if (summary)
                message.insert(QStringLiteral("session"), self->summaryJson(*summary));
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
