#include "responsesequencer.h"

#include "socketwriter.h"

namespace ssebuf {

namespace {
const char *const kSequencerProperty = "_ssebuf_sequencer";
}

ResponseSequencer::ResponseSequencer(QTcpSocket *socket)
    : QObject(socket)
    , m_socket(socket)
{
}

ResponseSequencer *ResponseSequencer::of(QTcpSocket *socket)
{
    if (!socket)
        return nullptr;
    auto *sequencer = qobject_cast<ResponseSequencer *>(
        socket->property(kSequencerProperty).value<QObject *>());
    if (!sequencer) {
        sequencer = new ResponseSequencer(socket);
        socket->setProperty(kSequencerProperty, QVariant::fromValue<QObject *>(sequencer));
    }
    return sequencer;
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
