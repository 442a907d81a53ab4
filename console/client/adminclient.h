#ifndef SSEBUF_CONSOLE_ADMINCLIENT_H
#define SSEBUF_CONSOLE_ADMINCLIENT_H

#include "adminstreammessage.h"
#include "client/serviceendpoint.h"

#include <sessionsummary.h>

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace ssebuf {

// One answer of GET /api/admin/sessions/{id}.
struct SessionPage
{
    SessionSummary summary;
    QList<QJsonObject> events; // exactly as streamed
    QList<SubscriberInfo> subscribers;
    std::optional<qint64> nextAfter; // the "after" of the next page, nullopt on the last

    static SessionPage fromJson(const QJsonObject &json);
};

// The request/response part of the admin API, plus starting a session. Every call takes a
// context object: when it is destroyed before the answer comes, the callback is not called.
class AdminClient : public QObject
{
    Q_OBJECT
public:
    using PageCallback = std::function<void(const SessionPage &page, const QString &error)>;
    using DoneCallback = std::function<void(const QString &error)>;
    using StartedCallback = std::function<void(const QString &sessionId, const QString &error)>;
    using SessionsCallback
        = std::function<void(const QList<SessionSummary> &sessions, const QString &error)>;

    explicit AdminClient(QNetworkAccessManager *manager, QObject *parent = nullptr);

    void setEndpoint(const ServiceEndpoint &endpoint) { m_endpoint = endpoint; }
    ServiceEndpoint endpoint() const { return m_endpoint; }

    void fetchSessions(QObject *context, SessionsCallback callback);
    void fetchSessionPage(const QString &sessionId, qint64 after, int limit, QObject *context,
                          PageCallback callback);
    // Follows next_after until the last page; the result holds every event with seq > after
    // and the summary and subscribers of the last page.
    void fetchSession(const QString &sessionId, qint64 after, QObject *context,
                      PageCallback callback);
    void deleteSession(const QString &sessionId, QObject *context, DoneCallback callback);
    // POST /api/refactor/{id}/cancel with the admin token (which grants publish access);
    // an empty reason lets the service say "cancelled".
    void cancelSession(const QString &sessionId, const QString &reason, QObject *context,
                       DoneCallback callback);
    // POST /api/refactor (a public route: no token is sent).
    void startSession(const QString &userId, const QString &prompt, const QString &mode,
                      QObject *context, StartedCallback callback);

    static constexpr int PageLimit = 1000;

private:
    void continueFetch(const QString &sessionId, SessionPage collected, qint64 after,
                       QPointer<QObject> context, PageCallback callback);
    QString failureOf(QNetworkReply *reply) const;

    QPointer<QNetworkAccessManager> m_manager;
    ServiceEndpoint m_endpoint;
};

} // namespace ssebuf

#endif
