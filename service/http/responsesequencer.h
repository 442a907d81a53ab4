#ifndef SSEBUF_RESPONSESEQUENCER_H
#define SSEBUF_RESPONSESEQUENCER_H

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <map>

namespace ssebuf {

// Keeps the answers of one connection in request order (contract 1.1 section 16): a handler
// that answers at once (GET /healthz) must not overtake one that waits for the store (a
// publish on Redis) that came before it on the same connection. Every HttpExchange takes a
// ticket when it is created; an answer whose turn has not come is held until the earlier ones
// are written (or abandoned).
class ResponseSequencer : public QObject
{
    Q_OBJECT
public:
    // The connection's sequencer, created on first use (a child of the socket).
    static ResponseSequencer *of(QTcpSocket *socket);

    quint64 takeTicket() { return m_nextTicket++; }
    // Writes bytes now, or once every earlier ticket is done; then closes when asked.
    void deliver(quint64 ticket, const QByteArray &bytes, bool closeAfter);
    // The exchange of ticket goes without an answer (its client is gone or it became a stream).
    void abandon(quint64 ticket) { deliver(ticket, QByteArray(), false); }
    bool hasEarlierPending(quint64 ticket) const { return ticket > m_nextToSend; }
    qsizetype heldAnswers() const { return qsizetype(m_held.size()); }

private:
    explicit ResponseSequencer(QTcpSocket *socket);
    void write(const QByteArray &bytes, bool closeAfter);

    struct Held
    {
        QByteArray bytes;
        bool closeAfter = false;
    };
    QPointer<QTcpSocket> m_socket;
    quint64 m_nextTicket = 0;
    quint64 m_nextToSend = 0;
    std::map<quint64, Held> m_held;
    bool m_closed = false;
};

} // namespace ssebuf

#endif
