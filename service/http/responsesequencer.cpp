#include "responsesequencer.h"

#include "httpexchange.h"
#include "socketwriter.h"

#include <QHash>

#include <algorithm>
#include <utility>

namespace ssebuf {

namespace {

// Socket to its sequencer. An entry leaves when its sequencer is deleted, which happens while
// its socket is deleted (it is the socket's child), so a later socket at the same address
// never finds it. Sockets live in the main thread only. Never destroyed: a socket deleted
// late at exit still finds the table.
QHash<const QTcpSocket *, ResponseSequencer *> &sequencers()
{
    static auto *table = new QHash<const QTcpSocket *, ResponseSequencer *>;
    return *table;
}

} // namespace

ResponseSequencer::ResponseSequencer(QTcpSocket *socket)
    : QObject(socket)
    , m_key(socket)
    , m_socket(socket)
{
    sequencers().insert(socket, this);
}

ResponseSequencer::~ResponseSequencer()
{
    sequencers().remove(m_key);
    // Whatever of the connection's exchanges is left goes with it (as children would).
    const std::vector<HttpExchange *> exchanges = std::exchange(m_exchanges, {});
    for (HttpExchange *exchange : exchanges) {
        exchange->m_sequencer = nullptr;
        delete exchange;
    }
}

ResponseSequencer *ResponseSequencer::of(QTcpSocket *socket)
{
    if (!socket)
        return nullptr;
    if (ResponseSequencer *sequencer = sequencers().value(socket))
        return sequencer;
    return new ResponseSequencer(socket); // enters itself in the table
}

void ResponseSequencer::release(HttpExchange *exchange)
{
    const auto it = std::find(m_exchanges.begin(), m_exchanges.end(), exchange);
    if (it == m_exchanges.end())
        return;
    *it = m_exchanges.back();
    m_exchanges.pop_back();
}

void ResponseSequencer::deliver(quint64 ticket, const QByteArray &bytes, bool closeAfter)
{
    if (ticket < m_nextToSend)
        return; // delivered or abandoned already
    if (ticket > m_nextToSend) {
        m_held[ticket] = Held {bytes, closeAfter};
        return;
    }
    write(bytes, closeAfter);
    ++m_nextToSend;
    for (auto it = m_held.begin(); it != m_held.end() && it->first == m_nextToSend;
         it = m_held.erase(it)) {
        write(it->second.bytes, it->second.closeAfter);
        ++m_nextToSend;
    }
}

void ResponseSequencer::write(const QByteArray &bytes, bool closeAfter)
{
    if (m_closed || !m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (!bytes.isEmpty())
        SocketWriter::write(m_socket, bytes);
    if (closeAfter) {
        m_closed = true;
        m_socket->disconnectFromHost();
    }
}

} // namespace ssebuf
