#ifndef SSEBUF_TEST_HTTPTESTCLIENT_H
#define SSEBUF_TEST_HTTPTESTCLIENT_H

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QUrl>

struct HttpTestReply
{
    int status = 0; // 0 when no HTTP answer came
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString networkError;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const;
};

// Synchronous-looking HTTP calls for tests: each waits (bounded) on the reply's
// finished signal with QSignalSpy.
class HttpTestClient
{
public:
    HttpTestReply get(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpTestReply post(const QUrl &url, const QByteArray &body,
                       const QByteArray &contentType = "application/json",
                       const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpTestReply postJson(const QUrl &url, const QJsonObject &body,
                           const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpTestReply sendCustom(const QByteArray &verb, const QUrl &url, const QByteArray &body = {},
                             const QList<QPair<QByteArray, QByteArray>> &headers = {});

private:
    HttpTestReply wait(class QNetworkReply *reply);
    QNetworkAccessManager m_manager;
};

#endif
