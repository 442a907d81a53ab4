#include "httptestclient.h"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>

QByteArray HttpTestReply::header(const QByteArray &name) const
{
    for (const auto &pair : headers) {
        if (pair.first.compare(name, Qt::CaseInsensitive) == 0)
            return pair.second;
    }
    return {};
}

QJsonObject HttpTestReply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

static QNetworkRequest makeRequest(const QUrl &url,
                                   const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    for (const auto &header : headers)
        request.setRawHeader(header.first, header.second);
    return request;
}

HttpTestReply HttpTestClient::get(const QUrl &url,
                                  const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return wait(m_manager.get(makeRequest(url, headers)));
}

HttpTestReply HttpTestClient::post(const QUrl &url, const QByteArray &body,
                                   const QByteArray &contentType,
                                   const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request = makeRequest(url, headers);
    if (!contentType.isEmpty())
        request.setRawHeader("Content-Type", contentType);
    return wait(m_manager.post(request, body));
}

HttpTestReply HttpTestClient::postJson(const QUrl &url, const QJsonObject &body,
                                       const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return post(url, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json",
                headers);
}

HttpTestReply HttpTestClient::sendCustom(const QByteArray &verb, const QUrl &url,
                                         const QByteArray &body,
                                         const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return wait(m_manager.sendCustomRequest(makeRequest(url, headers), verb, body));
}

HttpTestReply HttpTestClient::wait(QNetworkReply *reply)
{
    HttpTestReply result;
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(15000)) {
        result.networkError = QStringLiteral("timed out");
        reply->abort();
        reply->deleteLater();
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError)
        result.networkError = reply->errorString();
    reply->deleteLater();
    return result;
}
