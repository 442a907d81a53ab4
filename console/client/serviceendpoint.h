#ifndef SSEBUF_CONSOLE_SERVICEENDPOINT_H
#define SSEBUF_CONSOLE_SERVICEENDPOINT_H

#include <QByteArray>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <optional>

namespace ssebuf {

// Where the service is and how to authenticate to its admin routes. The token is sent only
// on admin routes and never appears in logs or error texts.
class ServiceEndpoint
{
public:
    ServiceEndpoint() = default;
    ServiceEndpoint(const QUrl &baseUrl, const QByteArray &token);

    // Accepts "host:port" as well as "http(s)://host:port[/prefix]"; returns the base URL
    // without query, fragment or trailing slash, or nullopt with a human error.
    static std::optional<QUrl> parseBaseUrl(const QString &text, QString *error = nullptr);

    bool isValid() const { return m_baseUrl.isValid() && !m_baseUrl.isEmpty(); }
    QUrl baseUrl() const { return m_baseUrl; }
    QByteArray token() const { return m_token; }
    bool hasToken() const { return !m_token.isEmpty(); }

    // path starts with '/', e.g. "/api/admin/stream"; a prefix of the base URL is kept.
    QUrl url(const QString &path, const QUrlQuery &query = {}) const;
    static QString sessionStreamPath(const QString &sessionId);
    QUrl sessionStreamUrl(const QString &sessionId) const
    {
        return url(sessionStreamPath(sessionId));
    }
    // A request for an admin route: carries "Authorization: Bearer <token>" when one is set.
    QNetworkRequest adminRequest(const QString &path, const QUrlQuery &query = {}) const;
    // A request for a public route (session streams, starting sessions): never the token.
    QNetworkRequest publicRequest(const QString &path, const QUrlQuery &query = {}) const;

    // One sentence an operator can act on, for a reply that failed or answered >= 400.
    QString describeFailure(QNetworkReply *reply) const;
    QString describeFailure(QNetworkReply::NetworkError error, int httpStatus,
                            const QByteArray &body, const QUrl &url,
                            const QString &errorString) const;

private:
    QUrl m_baseUrl;
    QByteArray m_token;
};

} // namespace ssebuf

#endif
