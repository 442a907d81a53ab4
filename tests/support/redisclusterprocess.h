#ifndef SSEBUF_TEST_REDISCLUSTERPROCESS_H
#define SSEBUF_TEST_REDISCLUSTERPROCESS_H

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

// A real Redis Cluster for a test: masters × (1 + replicas) redis-server processes in
// cluster mode on free loopback ports (cluster-node-timeout 1000 ms, so a killed master's
// replica takes over within a few seconds), joined with `redis-cli --cluster create`. The
// test owns them: the destructor kills them. Nodes can be killed and started again on
// the same port and configuration (a killed master comes back as a replica).
class RedisClusterProcess
{
public:
    RedisClusterProcess();
    ~RedisClusterProcess();

    // Starts the nodes, creates the cluster and waits until every node says
    // cluster_state:ok (bounded: about 15 s). Returns false and fills errorText() otherwise.
    bool start(int masters = 3, int replicasPerMaster = 1);
    // redis-cluster://127.0.0.1:P1,127.0.0.1:P2 (two seeds), for ssebufd's --store.
    QString url() const;
    QList<quint16> ports() const;
    bool isRunning(quint16 port) const;

    // redis-cli -p PORT ARGS..., standard output trimmed.
    QByteArray cli(quint16 port, const QStringList &args) const;
    // Runs redis-cli with ARGS as given (e.g. --cluster reshard), bounded by timeoutMs.
    QByteArray cliTool(const QStringList &args, int timeoutMs = 60000,
                       int *exitCode = nullptr) const;
    // As seen by a running node: the masters that are not failed, and who holds a slot.
    QList<quint16> masterPorts() const;
    quint16 masterOfSlot(int slot) const;
    int firstSlotOf(quint16 masterPort) const; // -1 when it holds none
    QByteArray nodeId(quint16 port) const;
    int keySlot(const QByteArray &key) const;

    void kill(quint16 port);
    bool restart(quint16 port);
    // Waits until the running nodes agree that all slots are served (cluster_state:ok on
    // each) and that every master is reachable; bounded by timeoutMs.
    bool waitUntilHealthy(int timeoutMs = 15000) const;
    // FLUSHALL on every master.
    bool flushAll() const;
    QString errorText() const { return m_error; }

private:
    struct Node
    {
        quint16 port = 0;
        std::unique_ptr<QProcess> process;
    };
    bool startNode(Node &node);
    quint16 anyRunningPort() const;

    QTemporaryDir m_dir;
    std::vector<Node> m_nodes;
    QString m_error;
};

#endif
