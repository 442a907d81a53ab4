// RedisStoreBase's live traffic: the channel subscriptions of the sessions streamed here,
// the lifecycle channel, and the notifications they bring.

#include "redisstorebase.h"

#include "redisreply.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

namespace {

// A stream waits this long for its session's subscription before it gives up (the stream
// ends with store_unavailable and the client resumes).
constexpr int watchTimeoutMs = 3000;

} // namespace

void RedisStoreBase::addSubscriber(RedisSubscriber *subscriber)
{
    connect(subscriber, &RedisSubscriber::messageReceived, this,
            &RedisStoreBase::subscriber_message);
    connect(subscriber, &RedisSubscriber::subscribed, this,
            [this, subscriber](const QByteArray &channel) {
                subscriber_subscribed(subscriber, channel);
            });
    connect(subscriber, &RedisSubscriber::unsubscribed, this,
            [this, subscriber](const QByteArray &channel, bool solicited) {
                subscriber_unsubscribed(subscriber, channel, solicited);
            });
    connect(subscriber, &RedisSubscriber::refused, this, &RedisStoreBase::subscriber_refused);
}

void RedisStoreBase::subscriberLost(RedisSubscriber *subscriber)
{
    // Whatever was subscribed there may have missed messages from now on.
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it) {
        if (it->subscriber == subscriber || (!it->subscriber && it->subscribed)) {
            it->subscriber = nullptr;
            if (it->subscribed)
                it->resync = true;
            it->subscribed = false;
        }
    }
    if (m_lifecycleSubscriber == subscriber || !m_lifecycleSubscriber) {
        m_lifecycleSubscriber = nullptr;
        m_lifecycleSubscribed = false;
    }
}

void RedisStoreBase::closeLive()
{
    m_closing = true;
    m_watchTimer.stop();
}

void RedisStoreBase::subscribeAll()
{
    if (m_closing)
        return;
    if (!m_lifecycleSubscriber) {
        m_lifecycleSubscribed = false;
        m_lifecycleSubscriber = lifecycleSubscriber();
        if (m_lifecycleSubscriber)
            m_lifecycleSubscriber->send("SUBSCRIBE", m_lifecycleChannel);
    }
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it)
        subscribe(it.key(), it.value());
}

void RedisStoreBase::subscribe(const QString &sessionId, Watch &watch)
{
    if (watch.subscriber)
        return; // subscribed, or the subscription is on its way
    const QByteArray channel = channelOf(sessionId);
    RedisSubscriber *subscriber = subscriberFor(channel);
    if (!subscriber || !subscriber->isOpen())
        return; // again once it is (subscribeAll, the watch timer)
    watch.subscriber = subscriber;
    subscriber->send(m_sharded ? "SSUBSCRIBE" : "SUBSCRIBE", channel);
}

void RedisStoreBase::watchSession(const QString &sessionId, std::function<void(bool)> ready)
{
    Watch &watch = m_watches[sessionId];
    m_sessionOfChannel.insert(channelOf(sessionId), sessionId);
    ++watch.watchers;
    if (watch.subscribed) {
        ready(true);
        return;
    }
    if (watch.waiters.isEmpty())
        watch.waitingSinceMs = QDateTime::currentMSecsSinceEpoch();
    watch.waiters.append(std::move(ready));
    subscribe(sessionId, watch);
}

void RedisStoreBase::unwatchSession(const QString &sessionId)
{
    const auto it = m_watches.find(sessionId);
    if (it == m_watches.end() || --it->watchers > 0)
        return;
    const QByteArray channel = channelOf(sessionId);
    if (it->subscriber && it->subscriber->isOpen())
        it->subscriber->send(m_sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channel);
    m_watches.erase(it);
    m_sessionOfChannel.remove(channel);
}

void RedisStoreBase::subscriber_subscribed(RedisSubscriber *subscriber, const QByteArray &channel)
{
    if (channel == m_lifecycleChannel) {
        // The subclass may subscribe it itself (m_lifecycleSubscriber stays null then).
        if (m_lifecycleSubscriber && subscriber != m_lifecycleSubscriber)
            return;
        m_lifecycleSubscribed = m_lifecycleSubscriber != nullptr;
        // Subscribed again after a loss: what was announced meanwhile is read again, once the
        // store can answer (the watch timer tries again until then).
        if (std::exchange(m_lifecycleFollowed, true))
            m_lifecycleResyncDue = true;
        if (m_lifecycleResyncDue && isAvailable()) {
            m_lifecycleResyncDue = false;
            Q_EMIT lifecycleResync();
        }
        return;
    }
    const auto it = m_watches.find(sessionOfChannel(channel));
    if (it == m_watches.end() || it->subscriber != subscriber) {
        // Nobody streams it here any more (or it moved on): drop it.
        subscriber->send(m_sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channel);
        return;
    }
    it->subscribed = true;
    const QList<std::function<void(bool)>> waiters = std::exchange(it->waiters, {});
    const bool resync = std::exchange(it->resync, false);
    for (const std::function<void(bool)> &ready : waiters)
        ready(true);
    if (resync)
        Q_EMIT sessionResync(it.key());
}

void RedisStoreBase::subscriber_unsubscribed(RedisSubscriber *subscriber, const QByteArray &channel,
                                             bool solicited)
{
    if (solicited)
        return;
    if (channel == m_lifecycleChannel) {
        m_lifecycleSubscriber = nullptr;
        m_lifecycleSubscribed = false;
        subscribeAll();
        return;
    }
    // Redis dropped it (a cluster node gave the slot away): subscribe where it went, then
    // read again.
    const auto it = m_watches.find(sessionOfChannel(channel));
    if (it == m_watches.end() || it->subscriber != subscriber)
        return;
    qCInfo(lcRedisStore).noquote() << "live channel" << channel << "dropped by Redis";
    it->subscriber = nullptr;
    it->subscribed = false;
    it->resync = true;
    channelDropped();
}

void RedisStoreBase::subscriber_refused(const QByteArray &command, const QByteArray &channel,
                                        const QByteArray &error)
{
    const auto it = m_watches.find(sessionOfChannel(channel));
    if ((command != "SUBSCRIBE" && command != "SSUBSCRIBE") || it == m_watches.end())
        return;
    it->subscriber = nullptr; // subscribed again by the watch timer
    channelRefused(error);
}

void RedisStoreBase::channelRefused(const QByteArray &error)
{
    qCWarning(lcRedisStore).noquote() << "subscription refused:" << QString::fromUtf8(error);
}

void RedisStoreBase::watchTimer_timeout()
{
    if (m_lifecycleResyncDue && isAvailable()) {
        m_lifecycleResyncDue = false;
        Q_EMIT lifecycleResync();
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it) {
        if (!it->subscribed && !it->subscriber)
            subscribe(it.key(), it.value());
        if (!it->waiters.isEmpty() && now - it->waitingSinceMs > watchTimeoutMs) {
            const QList<std::function<void(bool)>> waiters = std::exchange(it->waiters, {});
            for (const std::function<void(bool)> &ready : waiters)
                ready(false);
        }
    }
    if (!m_lifecycleSubscriber || !m_lifecycleSubscribed) {
        if (m_lifecycleSubscriber && !m_lifecycleSubscriber->isOpen())
            m_lifecycleSubscriber = nullptr;
        if (!m_lifecycleSubscriber)
            subscribeAll();
    }
}

QString RedisStoreBase::sessionOfChannel(const QByteArray &channel) const
{
    return m_sessionOfChannel.value(channel);
}

void RedisStoreBase::subscriber_message(const QByteArray &channel, const QByteArray &payload)
{
    if (m_closing)
        return;
    const bool live = channel != m_lifecycleChannel;
    if (live && !m_watches.contains(sessionOfChannel(channel)))
        return;
    // One read of a subscriber connection may bring many: their events go out together.
    if (m_coalescer)
        m_coalescer->corkThisPass();
    handleNotification(payload);
}

void RedisStoreBase::handleNotification(const QByteArray &payload)
{
    // The header is one line of JSON (cjson escapes newlines); the events' JSON follows raw.
    const qsizetype newline = payload.indexOf('\n');
    const QByteArray header = newline < 0 ? payload : payload.left(newline);
    const QJsonObject message = QJsonDocument::fromJson(header).object();
    const QString kind = message.value(QLatin1String("k")).toString();
    const QString sessionId = message.value(QLatin1String("id")).toString();
    if (sessionId.isEmpty())
        return;
    if (kind == QLatin1String("removed")) {
        const bool deleted
            = message.value(QLatin1String("r")).toString() == QLatin1String("deleted");
        Q_EMIT sessionRemoved(sessionId, deleted ? RemovalReason::Deleted : RemovalReason::Expired);
        return;
    }
    Fields meta;
    const QJsonObject object = message.value(QLatin1String("m")).toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        meta.insert(it.key().toUtf8(), it.value().toString().toUtf8());
    const SessionSummary summary = summaryOf(sessionId, meta);
    if (kind == QLatin1String("created")) {
        Q_EMIT sessionCreated(summary);
    } else if (kind == QLatin1String("ended")) {
        Q_EMIT sessionEnded(summary);
    } else if (kind == QLatin1String("appended") && newline >= 0) {
        // The events of one append (a batch: one JSON a line), each parsed once.
        int evicted = message.value(QLatin1String("x")).toInt();
        for (const QByteArray &line : payload.mid(newline + 1).split('\n')) {
            if (const EventPtr event = StoredEvent::fromJson(line)) {
                Q_EMIT eventAppended(sessionId, event, summary, evicted);
                evicted = 0;
            }
        }
    }
}

} // namespace ssebuf
