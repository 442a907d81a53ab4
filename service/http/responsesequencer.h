#ifndef SSEBUF_RESPONSESEQUENCER_H
#define SSEBUF_RESPONSESEQUENCER_H

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <map>
#include <vector>

namespace ssebuf {

class HttpExchange;

// Keeps the answers of one connection in request order (contract 1.1 section 16): a handler
// that answers at once (GET /healthz) must not overtake one that waits for the store (a
// publish on Redis) that came before it on the same connection. Every HttpExchange takes a
// ticket when it is created; an answer whose turn has not come is held until the earlier ones
// are written (or abandoned). It also owns the connection's exchanges: they go with it, and it
// goes with its socket (its parent), so an answer that comes after the client left is dropped.
class ResponseSequencer : public QObject
{
    Q_OBJECT
public:
    ~ResponseSequencer() override;

    // The connection's sequencer, created on first use (a child of the socket); nullptr for
    // nullptr. A dynamic property look-up: the request path gets the pointer from the
    // connection's ConnectionGuard instead (ConnectionGuard::sequencer()), which looks once.
    static ResponseSequencer *of(QTcpSocket *socket);

    quint64 takeTicket() { return m_nextTicket++; }
    // Writes bytes now, or once every earlier ticket is done; then closes when asked.
    void deliver(quint64 ticket, const QByteArray &bytes, bool closeAfter);
    // The exchange of ticket goes without an answer (its client is gone or it became a stream).
    void abandon(quint64 ticket) { deliver(ticket, QByteArray(), false); }
    bool hasEarlierPending(quint64 ticket) const { return ticket > m_nextToSend; }
    qsizetype heldAnswers() const { return qsizetype(m_held.size()); }

private:
    friend class HttpExchange;

    explicit ResponseSequencer(QTcpSocket *socket);
    void write(const QByteArray &bytes, bool closeAfter);
    // Called by HttpExchange: the exchanges deleted with this sequencer.
    void adopt(HttpExchange *exchange) { m_exchanges.push_back(exchange); }
    void release(HttpExchange *exchange);

    struct Held
    {
        QByteArray bytes;
        bool closeAfter = false;
    };
    QPointer<QTcpSocket> m_socket;
    quint64 m_nextTicket = 0;
    quint64 m_nextToSend = 0;
    std::map<quint64, Held> m_held;
    std::vector<HttpExchange *> m_exchanges; // alive, owned
    bool m_closed = false;
};

} // namespace ssebuf

#endif
