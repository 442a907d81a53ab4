#include "serviceendpoint.h"

#include <apipaths.h>

#include <QJsonDocument>
#include <QJsonObject>

namespace ssebuf {

ServiceEndpoint::ServiceEndpoint(const QUrl &baseUrl, const QByteArray &token)
    : m_baseUrl(baseUrl)
    , m_token(token)
{
}

std::optional<QUrl> ServiceEndpoint::parseBaseUrl(const QString &text, QString *error)
{
    const auto setError = [error](const QString &message) {
        if (error)
            *error = message;
    };
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        setError(QStringLiteral("Enter the service URL, e.g. http://127.0.0.1:8000"));
        return std::nullopt;
    }
    if (!trimmed.contains(QLatin1String("://")))
        trimmed.prepend(QLatin1String("http://"));
    QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid()) {
        setError(
            QStringLiteral("\"%1\" is not a valid URL: %2").arg(text.trimmed(), url.errorString()));
        return std::nullopt;
    }
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        setError(QStringLiteral("Unsupported scheme \"%1\" in the service URL: use http or https")
                     .arg(url.scheme()));
        return std::nullopt;
    }
    if (url.host().isEmpty()) {
        setError(QStringLiteral("The service URL \"%1\" has no host").arg(text.trimmed()));
        return std::nullopt;
    }
    url.setQuery(QString());
    url.setFragment(QString());
    url.setUserInfo(QString());
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path);
    return url;
}

QUrl ServiceEndpoint::url(const QString &path, const QUrlQuery &query) const
{
    QUrl result = m_baseUrl;
    result.setPath(m_baseUrl.path() + path);
    if (!query.isEmpty())
        result.setQuery(query);
    return result;
}

QString ServiceEndpoint::sessionStreamPath(const QString &sessionId)
{
    return ApiPaths::sessionStream(ApiPaths::segment(sessionId));
}

QNetworkRequest ServiceEndpoint::adminRequest(const QString &path, const QUrlQuery &query) const
{
    QNetworkRequest request = publicRequest(path, query);
    if (hasToken())
        request.setRawHeader("Authorization", "Bearer " + m_token);
    return request;
}

QNetworkRequest ServiceEndpoint::publicRequest(const QString &path, const QUrlQuery &query) const
{
    QNetworkRequest request(url(path, query));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    return request;
}

QString ServiceEndpoint::describeFailure(QNetworkReply *reply) const
{
    return describeFailure(reply->error(),
                           reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                           reply->readAll(), reply->url(), reply->errorString());
}

QString ServiceEndpoint::describeFailure(QNetworkReply::NetworkError error, int httpStatus,
                                         const QByteArray &body, const QUrl &url,
                                         const QString &errorString) const
{
    const QString where = url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery).toString();
    QString serverMessage;
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    if (json.contains(QLatin1String("message")))
        serverMessage = json.value(QLatin1String("message")).toString();
    const QString suffix
        = serverMessage.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(serverMessage);

    switch (httpStatus) {
    case 0:
        break;
    case 401:
        return hasToken()
            ? QStringLiteral("401 Unauthorized: the service did not accept the admin token%1")
                  .arg(suffix)
            : QStringLiteral("401 Unauthorized: the service requires an admin token; enter it "
                             "next to the URL%1")
                  .arg(suffix);
    case 403:
        return hasToken()
            ? QStringLiteral("403 Forbidden: the admin token is wrong%1").arg(suffix)
            : QStringLiteral("403 Forbidden: without a token the service answers admin routes "
                             "only on loopback; enter the admin token%1")
                  .arg(suffix);
    case 404:
        return QStringLiteral("404 Not Found: %1 has no %2; check the URL%3")
            .arg(where, url.path(), suffix);
    default:
        if (httpStatus >= 400)
            return QStringLiteral("HTTP %1 from %2%3").arg(httpStatus).arg(where, suffix);
        break;
    }

    switch (error) {
    case QNetworkReply::NoError:
        return QString();
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("Connection refused by %1: is ssebufd running on that port?")
            .arg(where);
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("Host \"%1\" not found: check the URL").arg(url.host());
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        return QStringLiteral("No answer from %1 in time").arg(where);
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("%1 closed the connection").arg(where);
    case QNetworkReply::ProtocolUnknownError:
        return QStringLiteral("Unsupported URL %1: use http or https").arg(where);
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("TLS handshake with %1 failed: %2").arg(where, errorString);
    default:
        return QStringLiteral("%1: %2").arg(where, errorString);
    }
}

} // namespace ssebuf
