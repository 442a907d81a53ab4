#ifndef SSEBUF_SERVICE_H
#define SSEBUF_SERVICE_H

#include "config/serviceconfig.h"
#include "http/router.h"

#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace ssebuf {

class AdminApi;
class AdminFeed;
class HttpFrontend;
class ServiceMetrics;
class Pipeline;
class PublishApi;
class PublishService;
class EventQueryApi;
class RedisStore;
class SessionApi;
class SessionManager;
class SessionStore;
class SubscriberHub;
class WriteCoalescer;

// ssebufd put together: store, pipeline, sessions, streams, routes and the HTTP frontend.
class Service : public QObject
{
    Q_OBJECT
public:
    explicit Service(const ServiceConfig &config, QObject *parent = nullptr);
    ~Service() override;

    bool start(QString *error);
    // Stops accepting, stops producers, ends open streams cleanly (cut after the grace
    // period), then emits stopped().
    void shutdown();
    quint16 port() const;
    QString baseUrl() const;

    SessionStore *store() const { return m_store; }
    SessionManager *sessions() const { return m_sessions; }
    SubscriberHub *hub() const { return m_hub; }
    PublishService *publisher() const { return m_publisher; }
    HttpFrontend *frontend() const { return m_frontend; }
    Router &router() { return m_router; }

Q_SIGNALS:
    void stopped();

private:
    std::optional<QSslConfiguration> loadTlsConfiguration(QString *error) const;
    // Runs the event loop until the first Redis connection attempt succeeds or fails, at
    // most firstConnectionWaitMs.
    // connecting: whether the store's first attempt is still under way.
    void awaitFirstConnection(SessionStore *store, const std::function<bool()> &connecting);
    static constexpr int firstConnectionWaitMs = 5000;
    void scheduleMemoryTrim();
    void trimTimer_timeout();

    ServiceConfig m_config;
    std::unique_ptr<Pipeline> m_pipeline;
    SessionStore *m_store = nullptr;
    SessionManager *m_sessions = nullptr;
    SubscriberHub *m_hub = nullptr;
    SessionApi *m_sessionApi = nullptr;
    PublishService *m_publisher = nullptr;
    PublishApi *m_publishApi = nullptr;
    EventQueryApi *m_eventQueryApi = nullptr;
    AdminFeed *m_adminFeed = nullptr;
    ServiceMetrics *m_metrics = nullptr;
    AdminApi *m_adminApi = nullptr;
    HttpFrontend *m_frontend = nullptr;
    // Corks the event streams of a pass that brings several events (pipelined publishes,
    // exec lines, Redis notifications); lives as long as the service.
    WriteCoalescer *m_coalescer = nullptr;
    Router m_router;
    QTimer m_graceTimer;
    QTimer m_trimTimer;
    bool m_stopping = false;
};

} // namespace ssebuf

#endif
