#ifndef SSEBUF_TEST_HARDENINGSUPPORT_H
#define SSEBUF_TEST_HARDENINGSUPPORT_H

// Helpers of the hardening tests (header only): raw HTTP exchanges, sessions, metrics.

#include "httptestclient.h"
#include "metricsexposition.h"
#include "serviceprocess.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

namespace hardening {

// Sends bytes on a new loopback connection and reads until the server closes it, the
// answer holds `until`, or timeoutMs pass. Returns everything read.
inline QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs,
                              const QByteArray &until = {}, bool *closed = nullptr)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(bytes);
    socket.waitForBytesWritten(5000);
    QByteArray answer;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (socket.bytesAvailable() == 0)
            socket.waitForReadyRead(int(qBound(qint64(1), deadline.remainingTime(), qint64(100))));
        answer += socket.readAll();
        if (!until.isEmpty() && answer.contains(until))
            break;
        if (socket.state() != QAbstractSocket::ConnectedState) {
            answer += socket.readAll();
            if (closed)
                *closed = true;
            break;
        }
    }
    return answer;
}

inline QByteArray postHead(const QByteArray &path, const QByteArray &extra = {})
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + extra;
}

inline QString startSession(HttpTestClient &http, const ServiceProcess &service,
                            const QJsonObject &extra = {}, int *status = nullptr)
{
    QJsonObject body {{QStringLiteral("user_id"), QStringLiteral("hardening")},
                      {QStringLiteral("user_prompt"), QStringLiteral("refactor the module")}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    const HttpTestReply reply = http.postJson(service.url(QStringLiteral("/api/refactor")), body);
    if (status)
        *status = reply.status;
    return reply.status == 201 ? reply.json().value(QStringLiteral("session_id")).toString()
                               : QString();
}

// The value of one sample of /metrics ("name" or "name{labels}"); -1 when absent.
inline qint64 metric(HttpTestClient &http, const ServiceProcess &service, const QString &sample,
                     const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    return testkit::metricSample(http, service, sample, headers);
}

inline QProcessEnvironment environmentWith(const QList<QPair<QString, QString>> &variables)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &variable : variables)
        environment.insert(variable.first, variable.second);
    return environment;
}

} // namespace hardening

#endif
