#include "redisclusterprocess.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QTcpServer>
#include <QThread>

namespace {

quint16 freePort()
{
    // Cluster nodes also listen on port + 10000 (the cluster bus): both must be free.
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return 0;
        const quint16 port = probe.serverPort();
        if (port > 55000)
            continue;
        QTcpServer bus;
        if (bus.listen(QHostAddress::LocalHost, quint16(port + 10000)))
            return port;
    }
    return 0;
}

// Lines of CLUSTER NODES: id addr flags master ping pong epoch state ranges...
struct NodeLine
{
    QByteArray id;
    quint16 port = 0;
    QByteArray flags;
    QList<QByteArray> ranges;
};

QList<NodeLine> parseNodes(const QByteArray &text)
{
    QList<NodeLine> lines;
    for (const QByteArray &line : text.split('\n')) {
        const QList<QByteArray> fields = line.trimmed().split(' ');
        if (fields.size() < 8)
            continue;
        NodeLine node;
        node.id = fields.at(0);
        const QByteArray address = fields.at(1).split('@').first();
        node.port = quint16(address.mid(address.lastIndexOf(':') + 1).toUInt());
        node.flags = fields.at(2);
        node.ranges = fields.mid(8);
        lines.append(node);
    }
    return lines;
}

} // namespace

RedisClusterProcess::RedisClusterProcess() = default;

RedisClusterProcess::~RedisClusterProcess()
{
    for (Node &node : m_nodes)
        kill(node.port);
}

bool RedisClusterProcess::startNode(Node &node)
{
    node.process = std::make_unique<QProcess>();
    node.process->setProcessChannelMode(QProcess::MergedChannels);
    node.process->setWorkingDirectory(m_dir.path());
    node.process->start(
        QStringLiteral("redis-server"),
        {QStringLiteral("--port"), QString::number(node.port), QStringLiteral("--bind"),
         QStringLiteral("127.0.0.1"), QStringLiteral("--cluster-enabled"), QStringLiteral("yes"),
         QStringLiteral("--cluster-config-file"), QStringLiteral("nodes-%1.conf").arg(node.port),
         QStringLiteral("--cluster-node-timeout"), QStringLiteral("1000"), QStringLiteral("--dir"),
         m_dir.path(), QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
         QStringLiteral("no")});
    if (!node.process->waitForStarted(10000)) {
        m_error
            = QStringLiteral("could not start redis-server: %1").arg(node.process->errorString());
        return false;
    }
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && node.process->state() == QProcess::Running) {
        if (cli(node.port, {QStringLiteral("PING")}) == "PONG")
            return true;
        QThread::msleep(50);
    }
    m_error = QStringLiteral("cluster node %1 did not answer PING: %2")
                  .arg(node.port)
                  .arg(QString::fromUtf8(node.process->readAll()));
    return false;
}

bool RedisClusterProcess::start(int masters, int replicasPerMaster)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory");
        return false;
    }
    QStringList addresses;
    for (int i = 0; i < masters * (1 + replicasPerMaster); ++i) {
        Node node;
        node.port = freePort();
        if (node.port == 0 || !startNode(node)) {
            if (m_error.isEmpty())
                m_error = QStringLiteral("no free loopback port");
            return false;
        }
        addresses.append(QStringLiteral("127.0.0.1:%1").arg(node.port));
        m_nodes.push_back(std::move(node));
    }
    int exitCode = 0;
    const QByteArray output = cliTool(
        QStringList {QStringLiteral("--cluster"), QStringLiteral("create")} + addresses
            + QStringList {QStringLiteral("--cluster-replicas"), QString::number(replicasPerMaster),
                           QStringLiteral("--cluster-yes")},
        30000, &exitCode);
    if (exitCode != 0) {
        m_error = QStringLiteral("redis-cli --cluster create failed: %1")
                      .arg(QString::fromUtf8(output));
        return false;
    }
    if (!waitUntilHealthy(15000)) {
        m_error = QStringLiteral("the cluster did not become healthy");
        return false;
    }
    return true;
}

QString RedisClusterProcess::url() const
{
    QStringList seeds;
    for (int i = 0; i < qMin(2, int(m_nodes.size())); ++i)
        seeds.append(QStringLiteral("127.0.0.1:%1").arg(m_nodes.at(i).port));
    return QStringLiteral("redis-cluster://") + seeds.join(QLatin1Char(','));
}

QList<quint16> RedisClusterProcess::ports() const
{
    QList<quint16> ports;
    for (const Node &node : m_nodes)
        ports.append(node.port);
    return ports;
}

bool RedisClusterProcess::isRunning(quint16 port) const
{
    for (const Node &node : m_nodes) {
        if (node.port == port)
            return node.process && node.process->state() == QProcess::Running;
    }
    return false;
}

quint16 RedisClusterProcess::anyRunningPort() const
{
    for (const Node &node : m_nodes) {
        if (node.process && node.process->state() == QProcess::Running)
            return node.port;
    }
    return 0;
}

QByteArray RedisClusterProcess::cli(quint16 port, const QStringList &args) const
{
    return cliTool(QStringList {QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("-p"), QString::number(port)}
                       + args,
                   10000);
}

QByteArray RedisClusterProcess::cliTool(const QStringList &args, int timeoutMs, int *exitCode) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("redis-cli"), args);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(1000);
        if (exitCode)
            *exitCode = -1;
        return {};
    }
    if (exitCode)
        *exitCode = process.exitCode();
    return process.readAll().trimmed();
}

QList<quint16> RedisClusterProcess::masterPorts() const
{
    QList<quint16> ports;
    for (const NodeLine &node :
         parseNodes(cli(anyRunningPort(), {QStringLiteral("CLUSTER"), QStringLiteral("NODES")}))) {
        if (node.flags.contains("master") && !node.flags.contains("fail") && !node.ranges.isEmpty())
            ports.append(node.port);
    }
    std::sort(ports.begin(), ports.end());
    return ports;
}

quint16 RedisClusterProcess::masterOfSlot(int slot) const
{
    for (const NodeLine &node :
         parseNodes(cli(anyRunningPort(), {QStringLiteral("CLUSTER"), QStringLiteral("NODES")}))) {
        if (!node.flags.contains("master") || node.flags.contains("fail"))
            continue;
        for (const QByteArray &range : node.ranges) {
            if (range.startsWith('['))
                continue; // a migration in progress
            const QList<QByteArray> bounds = range.split('-');
            const int first = bounds.first().toInt();
            const int last = bounds.last().toInt();
            if (slot >= first && slot <= last)
                return node.port;
        }
    }
    return 0;
}

int RedisClusterProcess::firstSlotOf(quint16 masterPort) const
{
    int first = -1;
    for (const NodeLine &node :
         parseNodes(cli(masterPort, {QStringLiteral("CLUSTER"), QStringLiteral("NODES")}))) {
        if (!node.flags.contains("myself"))
            continue;
        for (const QByteArray &range : node.ranges) {
            if (range.startsWith('['))
                continue;
            const int start = range.split('-').first().toInt();
            if (first < 0 || start < first)
                first = start;
        }
    }
    return first;
}

QByteArray RedisClusterProcess::nodeId(quint16 port) const
{
    return cli(port, {QStringLiteral("CLUSTER"), QStringLiteral("MYID")});
}

int RedisClusterProcess::keySlot(const QByteArray &key) const
{
    return cli(anyRunningPort(),
               {QStringLiteral("CLUSTER"), QStringLiteral("KEYSLOT"), QString::fromUtf8(key)})
        .toInt();
}

void RedisClusterProcess::kill(quint16 port)
{
    for (Node &node : m_nodes) {
        if (node.port == port && node.process && node.process->state() != QProcess::NotRunning) {
            node.process->kill();
            node.process->waitForFinished(5000);
        }
    }
}

bool RedisClusterProcess::restart(quint16 port)
{
    for (Node &node : m_nodes) {
        if (node.port == port)
            return isRunning(port) || startNode(node);
    }
    return false;
}

bool RedisClusterProcess::waitUntilHealthy(int timeoutMs) const
{
    // Polling processes we started (there is no event to wait on), bounded.
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        bool healthy = true;
        for (const Node &node : m_nodes) {
            if (!node.process || node.process->state() != QProcess::Running)
                continue;
            if (!cli(node.port, {QStringLiteral("CLUSTER"), QStringLiteral("INFO")})
                     .contains("cluster_state:ok")) {
                healthy = false;
                break;
            }
        }
        if (healthy) {
            for (quint16 master : masterPorts())
                healthy = healthy && isRunning(master);
        }
        if (healthy)
            return true;
        QThread::msleep(100);
    }
    return false;
}

bool RedisClusterProcess::flushAll() const
{
    bool ok = true;
    for (quint16 master : masterPorts())
        ok = ok && cli(master, {QStringLiteral("FLUSHALL")}) == "OK";
    return ok;
}
