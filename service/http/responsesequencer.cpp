#include "responsesequencer.h"

#include "httpexchange.h"
#include "socketwriter.h"

#include <algorithm>
#include <utility>

namespace ssebuf {

namespace {
const char *const kSequencerProperty = "_ssebuf_sequencer";
}

ResponseSequencer::ResponseSequencer(QTcpSocket *socket)
    : QObject(socket)
    , m_socket(socket)
{
    socket->setProperty(kSequencerProperty, QVariant::fromValue<QObject *>(this));
}

ResponseSequencer::~ResponseSequencer()
{
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
    if (auto *sequencer = qobject_cast<ResponseSequencer *>(
            socket->property(kSequencerProperty).value<QObject *>()))
        return sequencer;
    return new ResponseSequencer(socket);
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
