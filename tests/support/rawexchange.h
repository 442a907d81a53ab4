#ifndef SSEBUF_TEST_RAWEXCHANGE_H
#define SSEBUF_TEST_RAWEXCHANGE_H

// The test kit's raw HTTP/1.1 exchange (header only, namespace testkit).

#include "serviceprocess.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QRegularExpression>
#include <QTcpSocket>

#include <functional>

namespace testkit {

// One HTTP/1.1 exchange over a raw socket, for what QNetworkAccessManager cannot send
// (oversized heads, Expect: 100-continue, pipelining). Reads until the peer closes or
// `until` matches what was read, bounded by timeoutMs.
struct RawExchange
{
    QByteArray received;
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    bool closedByPeer = false;

    int status() const { return received.startsWith("HTTP/1.1 ") ? received.mid(9, 3).toInt() : 0; }
    // The last response in what was received (after any 100 Continue).
    QByteArray lastBody() const
    {
        const qsizetype end = received.lastIndexOf("\r\n\r\n");
        return end < 0 ? QByteArray() : received.mid(end + 4);
    }
};

// Sends request, then reads until `until` holds for what was read, the peer closes, or
// timeoutMs pass.
inline RawExchange rawExchange(const ServiceProcess &service, const QByteArray &request,
                               const std::function<bool(const QByteArray &)> &until = {},
                               int timeoutMs = 5000)
{
    RawExchange result;
    QTcpSocket socket;
    socket.connectToHost(service.baseUrl().host(), service.port());
    if (!socket.waitForConnected(timeoutMs))
        return result;
    socket.write(request);
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (until && until(result.received))
            break;
        if (socket.state() != QAbstractSocket::ConnectedState)
            break;
        socket.waitForReadyRead(50);
        result.received += socket.readAll();
    }
    result.received += socket.readAll();
    result.error = socket.error();
    result.closedByPeer = socket.error() == QAbstractSocket::RemoteHostClosedError;
    return result;
}

// Until a whole response with a Content-Length body was read.
inline bool hasCompleteResponse(const QByteArray &received)
{
    qsizetype start = 0;
    while (received.mid(start).startsWith("HTTP/1.1 100")) {
        const qsizetype end = received.indexOf("\r\n\r\n", start);
        if (end < 0)
            return false;
        start = end + 4;
    }
    const qsizetype headEnd = received.indexOf("\r\n\r\n", start);
    if (headEnd < 0)
        return false;
    static const QRegularExpression length(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
    const auto match = length.match(QString::fromLatin1(received.mid(start, headEnd - start)));
    const qint64 bodySize = match.hasMatch() ? match.captured(1).toLongLong() : 0;
    return received.size() >= headEnd + 4 + bodySize;
}

// One response read off a raw connection.
struct RawResponse
{
    int status = 0;
    QByteArray head; // status line and headers
    QByteArray body;

    // The value of a header (name case-insensitive), or a null QByteArray.
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// The complete responses (each with a Content-Length body) at the start of what was read
// on one connection; *consumed is how many bytes they took.
inline QList<RawResponse> completeResponses(const QByteArray &received,
                                            qsizetype *consumed = nullptr)
{
    QList<RawResponse> responses;
    qsizetype at = 0;
    for (;;) {
        const qsizetype headEnd = received.indexOf("\r\n\r\n", at);
        if (headEnd < 0)
            break;
        RawResponse response;
        response.head = received.mid(at, headEnd - at);
        if (!response.head.startsWith("HTTP/1.1 "))
            break;
        response.status = response.head.mid(9, 3).toInt();
        const qint64 length = response.header("Content-Length").toLongLong();
        if (received.size() < headEnd + 4 + length)
            break;
        response.body = received.mid(headEnd + 4, length);
        responses.append(response);
        at = headEnd + 4 + length;
    }
    if (consumed)
        *consumed = at;
    return responses;
}

} // namespace testkit

#endif
