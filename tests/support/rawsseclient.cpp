#include "rawsseclient.h"

#include <QJsonDocument>

RawSseClient::RawSseClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawSseClient::socket_readyRead);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        socket_readyRead();
        m_finished = true;
        Q_EMIT finished();
    });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_socket.state() == QAbstractSocket::UnconnectedState && !m_finished) {
            m_finished = true;
            Q_EMIT finished();
        }
    });
}

void RawSseClient::open(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray request = "GET " + url.path(QUrl::FullyEncoded).toUtf8();
    if (url.hasQuery())
        request += '?' + url.query(QUrl::FullyEncoded).toUtf8();
    request += " HTTP/1.1\r\nHost: " + url.host().toUtf8() + ':' + QByteArray::number(url.port())
        + "\r\nAccept: text/event-stream\r\n";
    for (const auto &header : headers)
        request += header.first + ": " + header.second + "\r\n";
    request += "\r\n";
    m_socket.connectToHost(url.host(), quint16(url.port()));
    m_socket.write(request);
}

void RawSseClient::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
}

void RawSseClient::stopReading()
{
    m_reading = false;
    m_socket.setReadBufferSize(1);
}

void RawSseClient::close()
{
    m_socket.abort();
}

void RawSseClient::socket_readyRead()
{
    if (!m_reading)
        return;
    const QByteArray bytes = m_socket.readAll();
    if (m_headersDone) {
        processBody(bytes);
        return;
    }
    m_head += bytes;
    const int end = m_head.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    const QList<QByteArray> lines = m_head.left(end).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    m_status = statusLine.value(1).toInt();
    for (int i = 1; i < lines.size(); ++i) {
        const int colon = lines.at(i).indexOf(':');
        if (colon > 0)
            m_headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                             lines.at(i).mid(colon + 1).trimmed());
    }
    m_headersDone = true;
    const QByteArray rest = m_head.mid(end + 4);
    m_head.clear();
    Q_EMIT headersReceived();
    processBody(rest);
}

void RawSseClient::processBody(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return;
    m_body += bytes;
    const qint64 commentsBefore = m_parser.commentCount();
    m_parser.feed(bytes);
    for (const ssebuf::SseEvent &event : m_parser.takeEvents()) {
        m_events.append(event);
        Q_EMIT eventReceived(event);
    }
    if (m_parser.commentCount() != commentsBefore)
        Q_EMIT commentReceived();
}

QList<QJsonObject> RawSseClient::jsonEvents() const
{
    QList<QJsonObject> result;
    for (const auto &event : m_events)
        result.append(QJsonDocument::fromJson(event.data).object());
    return result;
}

QList<qint64> RawSseClient::sequence() const
{
    QList<qint64> result;
    for (const auto &event : m_events) {
        if (event.hasId)
            result.append(event.id.toLongLong());
    }
    return result;
}
