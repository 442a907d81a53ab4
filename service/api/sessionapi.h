#ifndef SSEBUF_SESSIONAPI_H
#define SSEBUF_SESSIONAPI_H

#include "accesspolicy.h"

#include <QObject>
#include <QPointer>

namespace ssebuf {

class HttpExchange;
class Router;
class SessionManager;
class SubscriberHub;

// Contract sections 1, 2 and 14: start a session, stream it (from where the client asks);
// and /healthz. Publishing is PublishApi's.
class SessionApi : public QObject
{
    Q_OBJECT
public:
    SessionApi(SessionManager *sessions, SubscriberHub *hub, const AccessPolicy &access,
               int retryAfterSeconds, QObject *parent = nullptr);

    void registerRoutes(Router &router);

private:
    void startSession(HttpExchange &exchange);
    void streamSession(HttpExchange &exchange, const QString &sessionId);
    void health(HttpExchange &exchange);

    SessionManager *m_sessions;
    SubscriberHub *m_hub;
    AccessPolicy m_access;
    int m_retryAfterSeconds;
};

} // namespace ssebuf

#endif
