#ifndef SSEBUF_TEST_NDJSONPRODUCER_H
#define SSEBUF_TEST_NDJSONPRODUCER_H

// A streaming publish (contract section 12) over a raw socket, for the tests that decide
// when each byte of the body is sent (header only).

#include "serviceprocess.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>

// One streaming publish over a raw socket: the head, then body bytes when the test says,
// chunked (one chunk per send) or with a Content-Length given up front.
class NdjsonProducer
{
public:
    // A whole response with a Content-Length body at the start of what was received.
    static bool hasResponseIn(const QByteArray &received)
    {
        const qsizetype headEnd = received.indexOf("\r\n\r\n");
        if (!received.startsWith("HTTP/1.1 ") || headEnd < 0)
            return false;
        static const QRegularExpression length(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
        const auto match = length.match(QString::fromLatin1(received.left(headEnd)));
        return received.size()
            >= headEnd + 4 + (match.hasMatch() ? match.captured(1).toLongLong() : 0);
    }

    enum class Framing { Chunked, Length };

    explicit NdjsonProducer(const ServiceProcess &service)
        : m_service(service)
    {
    }

    bool open(const QString &sessionId, Framing framing = Framing::Chunked,
              qint64 contentLength = 0, const QByteArray &extraHeaders = {},
              const QByteArray &method = "POST")
    {
        m_framing = framing;
        m_socket.connectToHost(m_service.baseUrl().host(), m_service.port());
        if (!m_socket.waitForConnected(5000))
            return false;
        QByteArray head = method + " /api/sessions/" + sessionId.toUtf8()
            + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
            + extraHeaders;
        head += framing == Framing::Chunked
            ? QByteArray("Transfer-Encoding: chunked\r\n")
            : "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
        m_socket.write(head + "\r\n");
        return m_socket.waitForBytesWritten(5000);
    }
    void send(const QByteArray &bytes)
    {
        if (m_framing == Framing::Chunked)
            m_socket.write(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
        else
            m_socket.write(bytes);
        m_socket.flush();
    }
    void sendRaw(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    void end()
    {
        if (m_framing == Framing::Chunked)
            sendRaw("0\r\n\r\n");
    }
    // Reads until a whole response came (true) or timeoutMs passed.
    bool waitResponse(int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!hasResponseIn(m_received) && !deadline.hasExpired()) {
            if (m_socket.bytesAvailable() == 0
                && m_socket.state() != QAbstractSocket::ConnectedState)
                break;
            m_socket.waitForReadyRead(20);
            m_received += m_socket.readAll();
        }
        m_received += m_socket.readAll();
        return hasResponseIn(m_received);
    }
    bool hasResponse()
    {
        m_received += m_socket.readAll();
        return hasResponseIn(m_received);
    }
    // Reads until the service closes the connection (true) or timeoutMs passed.
    bool waitClosed(int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
            m_socket.waitForReadyRead(20);
            m_received += m_socket.readAll();
        }
        return m_socket.state() != QAbstractSocket::ConnectedState;
    }
    void abort() { m_socket.abort(); }
    int status() const
    {
        return m_received.startsWith("HTTP/1.1 ") ? m_received.mid(9, 3).toInt() : 0;
    }
    QJsonObject json() const
    {
        const qsizetype end = m_received.indexOf("\r\n\r\n");
        return QJsonDocument::fromJson(m_received.mid(end + 4)).object();
    }
    QByteArray received() const { return m_received; }

private:
    const ServiceProcess &m_service;
    QTcpSocket m_socket;
    Framing m_framing = Framing::Chunked;
    QByteArray m_received;
};

#endif
