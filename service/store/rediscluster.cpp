#include "rediscluster.h"

#include "redisreply.h"

#include <hiredis/hiredis.h>

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcRedisStore)

namespace ssebuf {

namespace {

constexpr int maxRedirects = 5;
constexpr int retryIntervalMs = 50;
// A failover (cluster-node-timeout plus the election) takes a few seconds.
constexpr int retryForMs = 5000;
constexpr int refreshIntervalMs = 2000;
constexpr int degradedRefreshIntervalMs = 250;

// "MOVED 3999 127.0.0.1:6381" and "ASK ..." -> slot, host, port.
bool parseRedirect(const QByteArray &error, int *slot, QString *host, quint16 *port)
{
    const QList<QByteArray> parts = error.split(' ');
    if (parts.size() < 3)
        return false;
    bool ok = false;
    *slot = parts.at(1).toInt(&ok);
    const qsizetype colon = parts.at(2).lastIndexOf(':');
    if (!ok || colon <= 0 || *slot < 0 || *slot >= redisSlotCount)
        return false;
    *host = QString::fromUtf8(parts.at(2).left(colon));
    *port = quint16(parts.at(2).mid(colon + 1).toUInt(&ok));
    return ok && *port > 0;
}

} // namespace

struct RedisCluster::Request
{
    int slot = 0;
    QList<QByteArray> args;
    ReplyHandler handler;
    int redirects = 0;
    qint64 deadlineMs = 0;
    QString askHost; // set while following an ASK
    quint16 askPort = 0;
    QList<QByteArray> then;
    ReplyHandler thenHandler;
    int attempt = 0;
    int answeredAttempt = -1;
    QString lastRetryReason; // why it waited last: logged if it gives up
};

RedisCluster::RedisCluster(const RedisEndpoint &endpoint, const QList<QByteArray> &scripts,
                           QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_scripts(scripts)
    , m_slots(redisSlotCount, nullptr)
{
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &RedisCluster::refresh);
    m_heartbeatTimer.setInterval(1000);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &RedisCluster::heartbeatTimer_timeout);
}

RedisCluster::~RedisCluster()
{
    // The nodes (children) close their connections: pending handlers get nullptr.
    m_slots.fill(nullptr);
}

void RedisCluster::start()
{
    for (const RedisEndpoint::Address &seed : std::as_const(m_endpoint.seeds))
        ensureNode(seed.host, seed.port);
    m_heartbeatTimer.start();
    refresh();
}

RedisClusterNode *RedisCluster::ensureNode(const QString &host, quint16 port)
{
    const QString address = RedisEndpoint::addressText(host, port);
    if (RedisClusterNode *node = m_nodes.value(address))
        return node;
    auto *node = new RedisClusterNode(host, port, m_endpoint, m_scripts, this);
    m_nodes.insert(address, node);
    connect(node, &RedisClusterNode::up, this, [this] {
        updateAvailability();
        Q_EMIT topologyChanged();
    });
    connect(node, &RedisClusterNode::down, this, [this, node](const QString &reason, bool wasUp) {
        if (wasUp)
            qCWarning(lcRedisStore).noquote()
                << QStringLiteral("lost cluster node %1 (%2)").arg(node->address(), reason);
        else
            qCDebug(lcRedisStore).noquote()
                << QStringLiteral("cannot reach cluster node %1 (%2)").arg(node->address(), reason);
        Q_EMIT nodeLost(node);
        updateAvailability();
        refreshSoon();
    });
    Q_EMIT nodeAdded(node);
    node->connectNow();
    return node;
}

void RedisCluster::removeNode(RedisClusterNode *node)
{
    m_nodes.remove(node->address());
    for (RedisClusterNode *&owner : m_slots) {
        if (owner == node)
            owner = nullptr;
    }
    disconnect(node, nullptr, this, nullptr);
    Q_EMIT nodeLost(node);
    // Later: this may run inside one of the node's own reply handlers.
    node->deleteLater();
}

RedisClusterNode *RedisCluster::nodeForSlot(int slot) const
{
    RedisClusterNode *node = m_slots.value(slot);
    return node && node->isUp() ? node : nullptr;
}

RedisClusterNode *RedisCluster::anyNode() const
{
    for (RedisClusterNode *node : m_slots) {
        if (node && node->isUp())
            return node;
    }
    return nullptr;
}

void RedisCluster::command(const QByteArray &key, const QList<QByteArray> &args,
                           ReplyHandler handler)
{
    auto request = std::make_shared<Request>();
    request->slot = redisKeySlot(key);
    request->args = args;
    request->handler = std::move(handler);
    request->deadlineMs = QDateTime::currentMSecsSinceEpoch() + retryForMs;
    dispatch(request);
}

void RedisCluster::commandThen(const QByteArray &key, const QList<QByteArray> &args,
                               ReplyHandler handler, const QList<QByteArray> &then,
                               ReplyHandler thenHandler)
{
    auto request = std::make_shared<Request>();
    request->slot = redisKeySlot(key);
    request->args = args;
    request->handler = std::move(handler);
    request->then = then;
    request->thenHandler = std::move(thenHandler);
    request->deadlineMs = QDateTime::currentMSecsSinceEpoch() + retryForMs;
    dispatch(request);
}

void RedisCluster::dispatch(const std::shared_ptr<Request> &request)
{
    RedisClusterNode *node = request->askHost.isEmpty()
        ? m_slots.value(request->slot)
        : ensureNode(request->askHost, request->askPort);
    if (!node) {
        request->lastRetryReason = QStringLiteral("no master known for slot %1").arg(request->slot);
        retryLater(request);
        return;
    }
    if (node->state() == RedisClusterNode::State::Down) {
        // Not sent: it waits (bounded) for a replica to take the slot over.
        request->lastRetryReason = QStringLiteral("master %1 of slot %2 is down")
                                       .arg(node->address())
                                       .arg(request->slot);
        refreshSoon();
        retryLater(request);
        return;
    }
    if (!request->askHost.isEmpty())
        node->command({"ASKING"}, [](const redisReply *) {});
    const int attempt = ++request->attempt;
    const auto answer = [request, attempt](const redisReply *reply) {
        request->answeredAttempt = attempt;
        request->handler(reply);
    };
    // The reply comes from the node's own connection: the node is alive when it is an error.
    node->command(request->args, [this, request, answer, node](const redisReply *reply) {
        if (!reply || reply->type != REDIS_REPLY_ERROR) {
            answer(reply);
            return;
        }
        const QByteArray error = replyText(reply);
        if (error.startsWith("MOVED ") || error.startsWith("ASK ")) {
            int slot = 0;
            QString host;
            quint16 port = 0;
            if (++request->redirects <= maxRedirects && parseRedirect(error, &slot, &host, &port)) {
                if (error.startsWith("MOVED ")) {
                    noteMoved(error);
                    request->askHost.clear();
                } else {
                    request->askHost = host;
                    request->askPort = port;
                }
                dispatch(request);
                return;
            }
        } else if (error.startsWith("TRYAGAIN") || error.startsWith("CLUSTERDOWN")
                   || error.startsWith("LOADING") || error.startsWith("READONLY")
                   || error.startsWith("MASTERDOWN")) {
            if (!error.startsWith("TRYAGAIN"))
                refreshSoon();
            request->lastRetryReason
                = QStringLiteral("%1 answered %2")
                      .arg(node->address(), QString::fromUtf8(error.left(120)));
            retryLater(request);
            return;
        }
        answer(reply);
    });
    if (!request->then.isEmpty()) {
        node->command(request->then, [request, attempt](const redisReply *reply) {
            if (request->answeredAttempt == attempt)
                request->thenHandler(reply);
        });
    }
}

void RedisCluster::retryLater(const std::shared_ptr<Request> &request)
{
    if (QDateTime::currentMSecsSinceEpoch() >= request->deadlineMs) {
        qCWarning(lcRedisStore).noquote()
            << QStringLiteral("%1 for slot %2 given up after %3 ms: %4")
                   .arg(QString::fromUtf8(request->args.value(0)))
                   .arg(request->slot)
                   .arg(retryForMs)
                   .arg(request->lastRetryReason);
        request->handler(nullptr);
        if (request->thenHandler)
            request->thenHandler(nullptr);
        return;
    }
    request->askHost.clear();
    QTimer::singleShot(retryIntervalMs, this, [this, request] { dispatch(request); });
}

void RedisCluster::noteMoved(const QByteArray &error)
{
    int slot = 0;
    QString host;
    quint16 port = 0;
    if (!parseRedirect(error, &slot, &host, &port))
        return;
    m_slots[slot] = ensureNode(host, port);
    refreshSoon();
}

void RedisCluster::refreshSoon()
{
    if (!m_refreshTimer.isActive() || m_refreshTimer.remainingTime() > 20)
        m_refreshTimer.start(20);
}

void RedisCluster::refresh()
{
    if (m_refreshing)
        return;
    QList<RedisClusterNode *> candidates;
    for (RedisClusterNode *node : std::as_const(m_nodes)) {
        if (node->isUp())
            candidates.prepend(node);
        else if (node->state() == RedisClusterNode::State::Connecting)
            candidates.append(node);
    }
    if (candidates.isEmpty()) {
        // Nothing reachable: the seeds again (they may have been dropped as replicas).
        for (const RedisEndpoint::Address &seed : std::as_const(m_endpoint.seeds))
            candidates.append(ensureNode(seed.host, seed.port));
    }
    m_refreshing = true;
    refreshFrom(candidates);
}

void RedisCluster::refreshFrom(QList<RedisClusterNode *> candidates)
{
    if (candidates.isEmpty()) {
        m_refreshing = false;
        m_refreshTimer.start(degradedRefreshIntervalMs);
        return;
    }
    RedisClusterNode *node = candidates.takeFirst();
    QPointer<RedisClusterNode> asked(node);
    node->command({"CLUSTER", "SLOTS"}, [this, asked, candidates](const redisReply *reply) {
        if (!reply || reply->type != REDIS_REPLY_ARRAY || !asked || !applySlots(reply, asked)) {
            QMetaObject::invokeMethod(
                this, [this, candidates] { refreshFrom(candidates); }, Qt::QueuedConnection);
            return;
        }
        m_refreshing = false;
        bool degraded = !m_mapComplete;
        for (RedisClusterNode *owner : std::as_const(m_slots))
            degraded = degraded || !owner || !owner->isUp();
        m_refreshTimer.start(degraded ? degradedRefreshIntervalMs : refreshIntervalMs);
    });
}

bool RedisCluster::applySlots(const redisReply *reply, RedisClusterNode *asked)
{
    QVector<RedisClusterNode *> owners(redisSlotCount, nullptr);
    for (size_t i = 0; i < reply->elements; ++i) {
        const redisReply *range = reply->element[i];
        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3
            || range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2)
            continue;
        const redisReply *master = range->element[2];
        QString host = QString::fromUtf8(replyText(master->element[0]));
        if (host.isEmpty() || host == QLatin1String("?"))
            host = asked->host();
        const quint16 port = quint16(master->element[1]->integer);
        const int first
            = int(std::clamp<long long>(range->element[0]->integer, 0, redisSlotCount - 1));
        const int last
            = int(std::clamp<long long>(range->element[1]->integer, 0, redisSlotCount - 1));
        RedisClusterNode *node = ensureNode(host, port);
        for (int slot = first; slot <= last; ++slot)
            owners[slot] = node;
    }
    if (reply->elements == 0)
        return false; // a node that is not part of a cluster (yet)
    const bool changed = owners != m_slots;
    m_slots = owners;
    m_mapComplete = !m_slots.contains(nullptr);
    // Nodes that hold no slot any more (a failed master replaced by its replica, a seed
    // that is a replica) are dropped.
    const QList<RedisClusterNode *> known = m_nodes.values();
    for (RedisClusterNode *node : known) {
        if (!m_slots.contains(node))
            removeNode(node);
    }
    updateAvailability();
    if (changed) {
        qCInfo(lcRedisStore).noquote()
            << QStringLiteral("cluster slot map from %1: %2").arg(asked->address(), mastersText());
        Q_EMIT topologyChanged();
    }
    return true;
}

// "127.0.0.1:7000 0-5460, 127.0.0.1:7001 5461-10922, ..." (unowned ranges: "none").
QString RedisCluster::mastersText() const
{
    QStringList ranges;
    int first = 0;
    for (int slot = 1; slot <= redisSlotCount; ++slot) {
        if (slot < redisSlotCount && m_slots.at(slot) == m_slots.at(first))
            continue;
        const RedisClusterNode *owner = m_slots.at(first);
        const QString range = first == slot - 1 ? QString::number(first)
                                                : QStringLiteral("%1-%2").arg(first).arg(slot - 1);
        ranges.append(
            QStringLiteral("%1 %2").arg(owner ? owner->address() : QStringLiteral("none"), range));
        first = slot;
    }
    return ranges.join(QLatin1String(", "));
}

void RedisCluster::updateAvailability()
{
    const bool up = m_mapComplete && anyNode();
    if (up == m_up)
        return;
    m_up = up;
    Q_EMIT availabilityChanged(up);
}

void RedisCluster::heartbeatTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QList<RedisClusterNode *> known = m_nodes.values();
    for (RedisClusterNode *node : known)
        node->heartbeat(now);
}

} // namespace ssebuf
