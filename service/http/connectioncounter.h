#ifndef SSEBUF_CONNECTIONCOUNTER_H
#define SSEBUF_CONNECTIONCOUNTER_H

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

namespace ssebuf {

// Counts open connections, in all and per peer address (--max-connections,
// --max-connections-per-ip), and what was refused. A connection holds a ConnectionSlot
// for as long as it is open: a child of its QTcpSocket, moved to the stream that takes the
// descriptor over (StreamConnection::take).
class ConnectionCounter : public QObject
{
    Q_OBJECT
public:
    enum class Refusal { None, Total, PerIp };

    ConnectionCounter(int maxConnections, int maxPerIp, QObject *parent = nullptr);

    // Counts a new connection from peer (perIp false: a trusted proxy, not counted per
    // address) and returns its slot, or refuses it (nullptr) and says why.
    class ConnectionSlot *acquire(const QHostAddress &peer, bool perIp, Refusal *refusal);
    void recordAcceptError() { ++m_acceptErrors; }
    // A request the connection guard took off the socket itself (FastRequestPath).
    void recordFastRequest() { ++m_fastRequests; }
    // A read whose hot requests the guard took straight off the descriptor.
    void recordDirectRead() { ++m_directReads; }
    // A hot request answered by the front end's at-once lane (no exchange, no Router).
    void recordAtOnceAnswer() { ++m_atOnceAnswers; }

    qint64 open() const { return m_open; }
    qint64 refusedTotal() const { return m_refusedTotal; }
    qint64 refusedPerIp() const { return m_refusedPerIp; }
    qint64 acceptErrors() const { return m_acceptErrors; }
    qint64 fastRequests() const { return m_fastRequests; }
    qint64 directReads() const { return m_directReads; }
    qint64 atOnceAnswers() const { return m_atOnceAnswers; }

Q_SIGNALS:
    void released();

private:
    friend class ConnectionSlot;
    void release(const QString &key);

    int m_max;
    int m_maxPerIp;
    qint64 m_open = 0;
    qint64 m_refusedTotal = 0;
    qint64 m_refusedPerIp = 0;
    qint64 m_acceptErrors = 0;
    qint64 m_fastRequests = 0;
    qint64 m_directReads = 0;
    qint64 m_atOnceAnswers = 0;
    QHash<QString, int> m_perIp;
};

class ConnectionSlot : public QObject
{
    Q_OBJECT
public:
    ~ConnectionSlot() override;
    // The connection closed (its socket's disconnected()): the count drops at once, not
    // when the socket object is deleted later. Once only.
    void release();
    // Moves the slot of from (if it has one) to to: the connection lives on there, and
    // from's disconnected() no longer releases it. Call before from is closed.
    static void transfer(QObject *from, QObject *to);

private:
    friend class ConnectionCounter;
    ConnectionSlot(ConnectionCounter *counter, QString key);

    QPointer<ConnectionCounter> m_counter;
    QString m_key; // empty: not counted per address
    bool m_released = false;
};

} // namespace ssebuf

#endif
