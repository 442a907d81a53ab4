#ifndef SSEBUF_PUBLISHAPI_H
#define SSEBUF_PUBLISHAPI_H

#include "accesspolicy.h"

#include <QObject>

namespace ssebuf {

class HttpExchange;
class PublishService;
class Router;
struct PublishOutcome;

// Contract sections 3, 10, 11 and 13 over HTTP: POST /api/sessions/{id}/events with one
// event object or a JSON array (a batch), an optional Idempotency-Key header, and
// POST /api/refactor/{id}/cancel. Both behind the publish check of the AccessPolicy.
class PublishApi : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int maxBatchEvents = 1000;
        int retryAfterSeconds = 5;
    };

    PublishApi(PublishService *publisher, const AccessPolicy &access, const Options &options,
               QObject *parent = nullptr);

    void registerRoutes(Router &router);

private:
    bool allowed(HttpExchange &exchange) const;
    void publish(HttpExchange &exchange, const QString &sessionId);
    void cancel(HttpExchange &exchange, const QString &sessionId);
    // The answer to everything but a success.
    void respondFailure(HttpExchange &exchange, const PublishOutcome &outcome, bool isBatch);

    PublishService *m_publisher;
    AccessPolicy m_access;
    Options m_options;
};

} // namespace ssebuf

#endif
