#ifndef SSEBUF_SESSIONAPI_H
#define SSEBUF_SESSIONAPI_H

#include "accesspolicy.h"
#include "ndjsonpublishstream.h"
#include "streamappender.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace ssebuf {

class HttpExchange;
class Router;
class SessionManager;
class SubscriberHub;

// Contract sections 1, 2 and 3: start a session, stream it, publish into it; and /healthz.
class SessionApi : public QObject
{
    Q_OBJECT
public:
    SessionApi(SessionManager *sessions, SubscriberHub *hub, const AccessPolicy &access,
               int retryAfterSeconds, QObject *parent = nullptr);

    void registerRoutes(Router &router);
    // Streaming publish (section 12): per-line limit, idle timeout; its counters for /metrics.
    void setStreamingPublishOptions(const NdjsonPublishStream::Options &options)
    {
        m_streamOptions = options;
    }
    const PublishStreamStats *publishStreamStats() const { return m_streamStats.get(); }

private:
    void startSession(HttpExchange &exchange);
    void streamSession(HttpExchange &exchange, const QString &sessionId);
    void publishEvent(HttpExchange &exchange, const QString &sessionId);
    void publishStream(HttpExchange &exchange, const QString &sessionId);
    void health(HttpExchange &exchange);

    SessionManager *m_sessions;
    SubscriberHub *m_hub;
    AccessPolicy m_access;
    int m_retryAfterSeconds;
    StreamAppender m_streamAppender;
    NdjsonPublishStream::Options m_streamOptions;
    // Shared with the open streams (children, deleted after this object's members).
    std::shared_ptr<PublishStreamStats> m_streamStats = std::make_shared<PublishStreamStats>();
};

} // namespace ssebuf

#endif
