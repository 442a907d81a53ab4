// RedisClusterStore's live traffic: the shard channel subscriptions of the sessions
// streamed here, the lifecycle channel, and the notifications they bring.

#include "redisclusterstore.h"

#include "redisreply.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

namespace {

// A stream waits this long for its session's subscription before it gives up (503-like:
// the stream ends with store_unavailable and the client resumes).
constexpr int watchTimeoutMs = 3000;

} // namespace

void RedisClusterStore::cluster_nodeAdded(RedisClusterNode *node)
{
    RedisSubscriber *subscriber = node->subscriber();
    connect(subscriber, &RedisSubscriber::messageReceived, this,
            &RedisClusterStore::subscriber_message);
    connect(subscriber, &RedisSubscriber::subscribed, this,
            [this, node](const QByteArray &channel) { subscriber_subscribed(node, channel); });
    connect(subscriber, &RedisSubscriber::unsubscribed, this,
            [this, node](const QByteArray &channel, bool solicited) {
                subscriber_unsubscribed(node, channel, solicited);
            });
    connect(subscriber, &RedisSubscriber::refused, this, &RedisClusterStore::subscriber_refused);
}

void RedisClusterStore::cluster_nodeLost(RedisClusterNode *node)
{
    // Whatever was subscribed there may have missed messages from now on.
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it) {
        if (it->node == node || (!it->node && it->subscribed)) {
            it->node = nullptr;
            if (it->subscribed)
                it->resync = true;
            it->subscribed = false;
        }
    }
    if (m_lifecycleNode == node || !m_lifecycleNode) {
        m_lifecycleNode = nullptr;
        m_lifecycleSubscribed = false;
    }
}

void RedisClusterStore::subscribeAll()
{
    if (m_closing)
        return;
    if (!m_lifecycleNode) {
        m_lifecycleSubscribed = false;
        m_lifecycleNode = m_cluster->anyNode();
        if (m_lifecycleNode)
            m_lifecycleNode->subscriber()->send("SUBSCRIBE", m_lifecycleChannel);
    }
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it)
        subscribe(it.key(), it.value());
}

void RedisClusterStore::subscribe(const QString &sessionId, Watch &watch)
{
    if (watch.node)
        return; // subscribed, or the SSUBSCRIBE is on its way
    const QByteArray channel = channelOf(sessionId);
    RedisClusterNode *node = m_cluster->nodeForSlot(redisKeySlot(channel));
    if (!node)
        return; // again once the slot's master is known (topologyChanged, watch timer)
    watch.node = node;
    node->subscriber()->send("SSUBSCRIBE", channel);
}

void RedisClusterStore::watchSession(const QString &sessionId, std::function<void(bool)> ready)
{
    Watch &watch = m_watches[sessionId];
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

void RedisClusterStore::unwatchSession(const QString &sessionId)
{
    const auto it = m_watches.find(sessionId);
    if (it == m_watches.end() || --it->watchers > 0)
        return;
    if (it->node && it->node->isUp())
        it->node->subscriber()->send("SUNSUBSCRIBE", channelOf(sessionId));
    m_watches.erase(it);
}

void RedisClusterStore::subscriber_subscribed(RedisClusterNode *node, const QByteArray &channel)
{
    if (channel == m_lifecycleChannel) {
        m_lifecycleSubscribed = node == m_lifecycleNode;
        return;
    }
    const QString sessionId = sessionOfChannel(channel);
    const auto it = m_watches.find(sessionId);
    if (it == m_watches.end() || it->node != node) {
        // Nobody streams it here any more (or it moved on): drop it.
        node->subscriber()->send("SUNSUBSCRIBE", channel);
        return;
    }
    it->subscribed = true;
    const QList<std::function<void(bool)>> waiters = std::exchange(it->waiters, {});
    const bool resync = std::exchange(it->resync, false);
    for (const std::function<void(bool)> &ready : waiters)
        ready(true);
    if (resync)
        Q_EMIT sessionResync(sessionId);
}

void RedisClusterStore::subscriber_unsubscribed(RedisClusterNode *node, const QByteArray &channel,
                                                bool solicited)
{
    if (solicited)
        return;
    if (channel == m_lifecycleChannel) {
        m_lifecycleNode = nullptr;
        m_lifecycleSubscribed = false;
        subscribeAll();
        return;
    }
    // The node gave the slot away (a reshard): subscribe where it went, then read again.
    const auto it = m_watches.find(sessionOfChannel(channel));
    if (it == m_watches.end() || it->node != node)
        return;
    qCInfo(lcRedisStore).noquote() << "live channel" << channel << "left" << node->address();
    it->node = nullptr;
    it->subscribed = false;
    it->resync = true;
    m_cluster->refreshSoon();
}

void RedisClusterStore::subscriber_refused(const QByteArray &command, const QByteArray &channel,
                                           const QByteArray &error)
{
    const auto it = m_watches.find(sessionOfChannel(channel));
    if (command != "SSUBSCRIBE" || it == m_watches.end())
        return;
    it->node = nullptr;
    if (error.startsWith("MOVED "))
        m_cluster->noteMoved(error); // subscribed again on topologyChanged or the watch timer
    else
        qCWarning(lcRedisStore).noquote()
            << "SSUBSCRIBE" << channel << "refused:" << QString::fromUtf8(error);
}

void RedisClusterStore::watchTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_watches.begin(); it != m_watches.end(); ++it) {
        if (!it->subscribed && !it->node)
            subscribe(it.key(), it.value());
        if (!it->waiters.isEmpty() && now - it->waitingSinceMs > watchTimeoutMs) {
            const QList<std::function<void(bool)>> waiters = std::exchange(it->waiters, {});
            for (const std::function<void(bool)> &ready : waiters)
                ready(false);
        }
    }
    if (!m_lifecycleNode || !m_lifecycleSubscribed) {
        if (m_lifecycleNode && !m_lifecycleNode->isUp())
            m_lifecycleNode = nullptr;
        if (!m_lifecycleNode)
            subscribeAll();
    }
}

QString RedisClusterStore::sessionOfChannel(const QByteArray &channel) const
{
    // ssebuf:{<id>}:live
    const qsizetype open = channel.indexOf('{');
    const qsizetype close = channel.indexOf('}', open + 1);
    if (open < 0 || close < 0)
        return {};
    return QString::fromUtf8(channel.mid(open + 1, close - open - 1));
}

void RedisClusterStore::subscriber_message(const QByteArray &channel, const QByteArray &payload)
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

void RedisClusterStore::handleNotification(const QByteArray &payload)
{
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
