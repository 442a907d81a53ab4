#include "adminclient.h"

#include <apipaths.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace ssebuf {

namespace {

QString sessionPath(const QString &sessionId)
{
    return ApiPaths::adminSession(ApiPaths::segment(sessionId));
}

// Calls handler(reply) when the reply finishes, unless context is gone; deletes the reply.
template<typename Handler>
void whenFinished(QNetworkReply *reply, QObject *context, Handler handler)
{
    QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    QObject::connect(reply, &QNetworkReply::finished, context,
                     [reply, handler = std::move(handler)]() { handler(reply); });
}

} // namespace

SessionPage SessionPage::fromJson(const QJsonObject &json)
{
    SessionPage page;
    page.summary = SessionSummary::fromJson(json);
    const QJsonArray events = json.value(QLatin1String("events")).toArray();
    page.events.reserve(events.size());
    for (const QJsonValue &event : events)
        page.events.append(event.toObject());
    // The open streams; "subscribers" is the summary's count.
    const QJsonValue subscribers = json.value(QLatin1String("subscriber_list"));
    if (subscribers.isArray()) {
        const QJsonArray list = subscribers.toArray();
        for (const QJsonValue &subscriber : list)
            page.subscribers.append(SubscriberInfo::fromJson(subscriber.toObject()));
        page.summary.subscribers = int(list.size());
    }
    const QJsonValue next = json.value(QLatin1String("next_after"));
    if (next.isDouble())
        page.nextAfter = next.toInteger();
    return page;
}

AdminClient::AdminClient(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
{
}

QString AdminClient::failureOf(QNetworkReply *reply) const
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300)
        return QString();
    const QString text = m_endpoint.describeFailure(reply);
    return text.isEmpty() ? QStringLiteral("HTTP %1").arg(status) : text;
}

void AdminClient::fetchSessions(QObject *context, SessionsCallback callback)
{
    QNetworkReply *reply = m_manager->get(m_endpoint.adminRequest(ApiPaths::adminSessions()));
    whenFinished(reply, context, [this, callback](QNetworkReply *reply) {
        const QString error = failureOf(reply);
        QList<SessionSummary> sessions;
        if (error.isEmpty()) {
            const QJsonArray array = QJsonDocument::fromJson(reply->readAll())
                                         .object()
                                         .value(QLatin1String("sessions"))
                                         .toArray();
            for (const QJsonValue &value : array)
                sessions.append(SessionSummary::fromJson(value.toObject()));
        }
        callback(sessions, error);
    });
}

void AdminClient::fetchSessionPage(const QString &sessionId, qint64 after, int limit,
                                   QObject *context, PageCallback callback)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("after"), QString::number(after));
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    QNetworkReply *reply = m_manager->get(m_endpoint.adminRequest(sessionPath(sessionId), query));
    whenFinished(reply, context, [this, callback](QNetworkReply *reply) {
        const QString error = failureOf(reply);
        if (!error.isEmpty()) {
            callback(SessionPage(), error);
            return;
        }
        const QJsonDocument document = QJsonDocument::fromJson(reply->readAll());
        if (!document.isObject()) {
            callback(SessionPage(),
                     QStringLiteral("the service answered with something other than JSON"));
            return;
        }
        callback(SessionPage::fromJson(document.object()), QString());
    });
}

void AdminClient::fetchSession(const QString &sessionId, qint64 after, QObject *context,
                               PageCallback callback)
{
    continueFetch(sessionId, SessionPage(), after, context, std::move(callback));
}

void AdminClient::continueFetch(const QString &sessionId, SessionPage collected, qint64 after,
                                QPointer<QObject> context, PageCallback callback)
{
    if (!context)
        return;
    fetchSessionPage(sessionId, after, PageLimit, context,
                     [this, sessionId, collected, after, context,
                      callback](const SessionPage &page, const QString &error) mutable {
                         if (!error.isEmpty()) {
                             callback(collected, error);
                             return;
                         }
                         collected.summary = page.summary;
                         collected.subscribers = page.subscribers;
                         collected.events += page.events;
                         collected.nextAfter.reset();
                         if (page.nextAfter && *page.nextAfter > after && !page.events.isEmpty()) {
                             continueFetch(sessionId, std::move(collected), *page.nextAfter,
                                           context, callback);
                             return;
                         }
                         callback(collected, QString());
                     });
}

void AdminClient::deleteSession(const QString &sessionId, QObject *context, DoneCallback callback)
{
    QNetworkReply *reply
        = m_manager->deleteResource(m_endpoint.adminRequest(sessionPath(sessionId)));
    whenFinished(reply, context,
                 [this, callback](QNetworkReply *reply) { callback(failureOf(reply)); });
}

void AdminClient::cancelSession(const QString &sessionId, const QString &reason, QObject *context,
                                DoneCallback callback)
{
    QNetworkRequest request
        = m_endpoint.adminRequest(ApiPaths::sessionCancel(ApiPaths::segment(sessionId)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QByteArray body = reason.isEmpty()
        ? QByteArray()
        : QJsonDocument(QJsonObject {{QStringLiteral("reason"), reason}})
              .toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_manager->post(request, body);
    whenFinished(reply, context,
                 [this, callback](QNetworkReply *reply) { callback(failureOf(reply)); });
}

void AdminClient::startSession(const QString &userId, const QString &prompt, const QString &mode,
                               QObject *context, StartedCallback callback)
{
    QNetworkRequest request = m_endpoint.publicRequest(ApiPaths::startSession());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QJsonObject body {{QStringLiteral("user_id"), userId}, {QStringLiteral("user_prompt"), prompt}};
    if (!mode.isEmpty())
        body.insert(QStringLiteral("mode"), mode);
    QNetworkReply *reply
        = m_manager->post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    whenFinished(reply, context, [this, callback](QNetworkReply *reply) {
        const QString error = failureOf(reply);
        if (!error.isEmpty()) {
            callback(QString(), error);
            return;
        }
        const QString id = QJsonDocument::fromJson(reply->readAll())
                               .object()
                               .value(QLatin1String("session_id"))
                               .toString();
        callback(id,
                 id.isEmpty() ? QStringLiteral("the service answered without a session_id")
                              : QString());
    });
}

} // namespace ssebuf
