#ifndef SSEBUF_ADMINAPI_H
#define SSEBUF_ADMINAPI_H

#include "accesspolicy.h"

#include <QObject>

namespace ssebuf {

class AdminFeed;
class HttpExchange;
class Router;
class ServiceMetrics;
class SessionStore;
class SubscriberHub;

// Contract section 4: session summaries, one session with paged events, DELETE, the
// admin lifecycle stream and /metrics; all behind the AccessPolicy (section 5).
class AdminApi : public QObject
{
    Q_OBJECT
public:
    AdminApi(SessionStore *store, SubscriberHub *hub, AdminFeed *feed, ServiceMetrics *metrics,
             const AccessPolicy &access, int retryAfterSeconds, QObject *parent = nullptr);

    void registerRoutes(Router &router);

private:
    bool allowed(HttpExchange &exchange) const;
    void listSessions(HttpExchange &exchange);
    void showSession(HttpExchange &exchange, const QString &sessionId);
    void deleteSession(HttpExchange &exchange, const QString &sessionId);
    void openStream(HttpExchange &exchange);
    void metrics(HttpExchange &exchange);

    SessionStore *m_store;
    SubscriberHub *m_hub;
    AdminFeed *m_feed;
    ServiceMetrics *m_metrics;
    AccessPolicy m_access;
    int m_retryAfterSeconds;
};

} // namespace ssebuf

#endif
