#ifndef SSEBUF_TEST_SSEBUFDTEST_H
#define SSEBUF_TEST_SSEBUFDTEST_H

// Helpers shared by the tst_ssebufd_* integration tests (header only).

#include "httptestclient.h"
#include "rawsseclient.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <memory>

namespace ssebuftest {

using testkit::finalEvent;
using testkit::publish;
using testkit::range;
using testkit::residentKib;

inline QJsonObject startBody(const QString &prompt, const QString &user = QStringLiteral("u1"))
{
    return QJsonObject {{QStringLiteral("user_id"), user}, {QStringLiteral("user_prompt"), prompt}};
}

// POST /api/refactor; the session id, or empty when the answer was not a 201.
inline QString startSession(HttpTestClient &http, const ServiceProcess &service,
                            const QString &prompt = QStringLiteral("refactor the parser"))
{
    const HttpTestReply reply
        = http.postJson(service.url(QStringLiteral("/api/refactor")), startBody(prompt));
    if (reply.status != 201)
        return {};
    return reply.json().value(QStringLiteral("session_id")).toString();
}

inline QUrl sseUrl(const ServiceProcess &service, const QString &sessionId,
                   const QString &query = QString())
{
    return service.url(QStringLiteral("/api/refactor/%1/sse").arg(sessionId)
                       + (query.isEmpty() ? QString() : QLatin1Char('?') + query));
}

inline QUrl eventsUrl(const ServiceProcess &service, const QString &sessionId)
{
    return service.url(QStringLiteral("/api/sessions/%1/events").arg(sessionId));
}

inline QJsonObject progressEvent(int n, const QString &message = QString())
{
    return QJsonObject {
        {QStringLiteral("type"), QStringLiteral("progress")},
        {QStringLiteral("status"), QStringLiteral("running")},
        {QStringLiteral("message"), message.isEmpty() ? QStringLiteral("step %1").arg(n) : message},
        {QStringLiteral("progress"), n % 101}};
}

// Publishes many events with several requests in flight (one manager: up to 6 connections),
// so the service appends them as fast as it can. Events are made by makeEvent(i), i from 1.
class BulkPublisher
{
public:
    BulkPublisher(const QUrl &url, int total, std::function<QJsonObject(int)> makeEvent,
                  int inFlight = 6)
        : m_url(url)
        , m_total(total)
        , m_makeEvent(std::move(makeEvent))
        , m_inFlight(inFlight)
    {
    }

    void start()
    {
        for (int i = 0; i < m_inFlight; ++i)
            sendNext();
    }
    // Called after every answer with the number answered so far.
    std::function<void(int)> onAnswered;
    int answered() const { return m_answered; }
    int created() const { return m_created; }
    bool isDone() const { return m_answered == m_total; }

private:
    void sendNext()
    {
        if (m_sent >= m_total)
            return;
        const int index = ++m_sent;
        QNetworkRequest request(m_url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        QNetworkReply *reply = m_manager.post(
            request, QJsonDocument(m_makeEvent(index)).toJson(QJsonDocument::Compact));
        QObject::connect(reply, &QNetworkReply::finished, &m_manager, [this, reply] {
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 201)
                ++m_created;
            reply->deleteLater();
            ++m_answered;
            if (onAnswered)
                onAnswered(m_answered);
            sendNext();
        });
    }

    QNetworkAccessManager m_manager;
    QUrl m_url;
    int m_total;
    std::function<QJsonObject(int)> m_makeEvent;
    int m_inFlight;
    int m_sent = 0;
    int m_answered = 0;
    int m_created = 0;
};

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

} // namespace ssebuftest

#endif
