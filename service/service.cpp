#include "service.h"

#include "admin/adminfeed.h"
#include "api/accesspolicy.h"
#include "api/adminapi.h"
#include "api/eventqueryapi.h"
#include "api/publishapi.h"
#include "api/sessionapi.h"
#include "apipaths.h"
#include "eventloop/writecoalescer.h"
#include "http/connectioncounter.h"
#include "http/httpfrontend.h"
#include "isotime.h"
#include "metrics/servicemetrics.h"
#include "pipeline/demopipeline.h"
#include "pipeline/execpipeline.h"
#include "pipeline/externalpipeline.h"
#include "session/publishservice.h"
#include "session/sessionmanager.h"
#include "sse/subscriberhub.h"
#include "store/memorystore.h"
#include "store/redisclusterstore.h"
#include "store/redisstore.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#ifdef __GLIBC__
#include <malloc.h>
#endif

Q_LOGGING_CATEGORY(lcService, "ssebuf.service")
Q_LOGGING_CATEGORY(lcAccess, "ssebuf.access")

namespace ssebuf {

Service::Service(const ServiceConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

Service::~Service() = default;

bool Service::start(QString *error)
{
    RetentionPolicy retention;
    retention.sessionTtlSeconds = m_config.sessionTtlSeconds;
    retention.maxEvents = m_config.maxEvents;
    retention.maxBufferBytes = m_config.maxBufferBytes;
    retention.maxSessions = m_config.maxSessions;
    retention.sweepIntervalSeconds = m_config.sweepIntervalSeconds;
    retention.maxIdempotencyKeys = m_config.maxIdempotencyKeys;

    m_coalescer = new WriteCoalescer(this);
    if (m_config.store == QLatin1String("memory")) {
        m_store = new MemoryStore(retention, this);
    } else if (m_config.store.startsWith(QLatin1String("redis"))) {
        // Starts without Redis too: /healthz says 503 until it is reachable.
        const std::optional<RedisEndpoint> endpoint = RedisEndpoint::parse(m_config.store, error);
        if (!endpoint)
            return false;
        if (endpoint->kind == RedisEndpoint::Kind::Cluster) {
            auto *cluster = new RedisClusterStore(*endpoint, retention, m_config.redisWaitReplicas,
                                                  m_coalescer, this);
            m_store = cluster;
            // Until the slot map is known (or the bound passes).
            awaitFirstConnection(cluster, [cluster] { return !cluster->isAvailable(); });
        } else {
            auto *redis = new RedisStore(*endpoint, retention, m_config.redisWaitReplicas,
                                         m_coalescer, this);
            m_store = redis;
            awaitFirstConnection(redis, [redis] { return redis->isConnecting(); });
        }
    } else {
        *error = QStringLiteral("store %1 is not supported by this build").arg(m_config.store);
        return false;
    }

    if (m_config.pipeline == QLatin1String("demo")) {
        m_pipeline = std::make_unique<DemoPipeline>(m_config.demoStepMs);
    } else if (m_config.pipeline == QLatin1String("external")) {
        m_pipeline = std::make_unique<ExternalPipeline>();
    } else if (m_config.pipeline.startsWith(QLatin1String("exec:"))) {
        auto exec = std::make_unique<ExecPipeline>(
            m_config.pipeline.mid(5), m_config.execTimeoutSeconds, m_config.execPassCredentials,
            m_coalescer, m_config.execKillGraceSeconds);
        exec->setMaxProducers(m_config.execMaxProducers);
        exec->setStderrInEvent(m_config.execStderrInEvent);
        if (!exec->isValid()) {
            *error = QStringLiteral("the exec pipeline needs a command: exec:COMMAND");
            return false;
        }
        m_pipeline = std::move(exec);
    } else {
        *error
            = QStringLiteral("pipeline %1 is not supported by this build").arg(m_config.pipeline);
        return false;
    }

    m_sessions = new SessionManager(m_store, m_pipeline.get(), this);
    SseOptions sse;
    sse.retryMs = m_config.retryMs;
    sse.keepaliveSeconds = m_config.keepaliveSeconds;
    sse.maxUnsentBytes = m_config.maxUnsentBytes;
    m_hub = new SubscriberHub(m_store, sse, this);
    // Expired sessions and closed streams free their memory, but glibc keeps it in its heaps:
    // without a trim the RSS stays at its high-water mark (soak: 36 MB before a 10-minute
    // load, 66 MB after every session had expired; 21 MB with the trim).
    m_trimTimer.setSingleShot(true);
    m_trimTimer.setInterval(1000);
    connect(&m_trimTimer, &QTimer::timeout, this, &Service::trimTimer_timeout);
    connect(m_store, &SessionStore::sessionRemoved, this, &Service::scheduleMemoryTrim);
    connect(m_hub, &SubscriberHub::subscriberDisconnected, this, &Service::scheduleMemoryTrim);

    const AccessPolicy access(m_config.adminToken, m_config.publishToken,
                              m_config.effectiveAllowedHosts());
    m_sessionApi = new SessionApi(m_sessions, m_hub, access, m_config.retryAfterSeconds, this);
    m_sessionApi->registerRoutes(m_router);

    ServiceInfo serviceInfo;
    serviceInfo.version = QStringLiteral(SSEBUF_VERSION);
    serviceInfo.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    serviceInfo.store = m_store->description();
    serviceInfo.pipeline = m_pipeline->name();
    m_adminFeed = new AdminFeed(m_store, m_hub, serviceInfo, m_config.maxUnsentBytes,
                                m_config.keepaliveSeconds, this);
    m_metrics = new ServiceMetrics(m_store, m_hub, m_coalescer, this);
    connect(m_sessions, &SessionManager::appendRetried, m_metrics,
            &ServiceMetrics::recordAppendRetry);
    connect(m_sessions, &SessionManager::sessionFailedByStore, m_metrics,
            &ServiceMetrics::recordSessionFailedByStore);
    m_adminApi = new AdminApi(m_store, m_hub, m_adminFeed, m_metrics, access,
                              m_config.retryAfterSeconds, this);
    m_adminApi->registerRoutes(m_router);

    HttpLimits limits;
    limits.maxBodyBytes = m_config.maxBodyBytes;
    limits.maxHeaderBytes = m_config.maxHeaderBytes;
    limits.requestTimeoutMs = m_config.requestTimeoutSeconds * 1000;
    limits.maxConnections = m_config.maxConnections;
    limits.maxConnectionsPerIp = m_config.maxConnectionsPerIp;
    m_frontend = new HttpFrontend(limits, &m_router, m_coalescer, this);
    m_frontend->setTrustedProxies(TrustedProxies(m_config.trustedProxies));
    // A batch reaches each subscriber in one write: the publisher corks the streams.
    m_publisher = new PublishService(m_store, m_coalescer, this);
    connect(m_publisher, &PublishService::duplicatesSkipped, m_metrics,
            &ServiceMetrics::recordDuplicates);
    connect(m_publisher, &PublishService::batchAppended, m_metrics, &ServiceMetrics::recordBatch);
    m_publishApi = new PublishApi(
        m_publisher, access,
        PublishApi::Options {m_config.maxBatchEvents, m_config.retryAfterSeconds,
                             m_config.maxBodyBytes, m_config.publishIdleTimeoutSeconds * 1000},
        this);
    m_publishApi->registerRoutes(m_router);
    // The one-event publish of a keep-alive producer, answered without an exchange or the
    // Router when the store answers at once (memory); the same answer and metrics.
    m_frontend->setAtOnceHandler(ApiPaths::sessionEvents(ApiPaths::RouteArg),
                                 [api = m_publishApi](const HttpRequest &request,
                                                      const QString &sessionId,
                                                      HttpResponse *answer) {
                                     return api->publishAtOnce(request, sessionId, answer);
                                 });
    m_metrics->setPublishStreamStats(m_publishApi->publishStreamStats());
    m_eventQueryApi = new EventQueryApi(m_store, m_config.retryAfterSeconds, this);
    m_eventQueryApi->registerRoutes(m_router);
    connect(m_frontend, &HttpFrontend::exchangeAnswered, this,
            [this](const HttpRequest &request, const QString &route, int status, qint64 elapsedMs) {
                m_metrics->recordRequest(route, status);
                // Method, path, status, time and peer only: never headers, query or body, which
                // may carry tokens or credentials.
                // printf-style: the access line is on every request's path.
                qCInfo(lcAccess, "%s %s %d %lldms %s", request.method.constData(),
                       qPrintable(request.path), status, static_cast<long long>(elapsedMs),
                       qPrintable(request.peerText()));
            });
    connect(m_frontend, &HttpFrontend::connectionRejected, this,
            [this](int status) { m_metrics->recordRejectedConnection(status); });
    if (m_config.usesTls()) {
        const std::optional<QSslConfiguration> tls = loadTlsConfiguration(error);
        if (!tls)
            return false;
        m_frontend->setTlsConfiguration(*tls);
    }
    if (!m_frontend->listen(m_config.listenAddress, m_config.listenPort, error))
        return false;
    m_metrics->setConnectionCounter(m_frontend->connectionCounter());
    // Every closed connection schedules a trim too, not only closed streams: a burst of
    // connections that never became streams (idle ones, half-sent heads) frees its memory
    // after the trim its first stream scheduled; the last close always has a trim after it.
    connect(m_frontend->connectionCounter(), &ConnectionCounter::released, this,
            &Service::scheduleMemoryTrim);
    qCInfo(lcService).noquote() << "serving on" << baseUrl() << "store" << m_store->description()
                                << "pipeline" << m_pipeline->name();
    return true;
}

void Service::awaitFirstConnection(SessionStore *store, const std::function<bool()> &connecting)
{
    // Before listening: a request that came the moment "listening on" was printed would
    // otherwise find the connection still being made and get 503 from a healthy fleet.
    // Bounded: an instance whose Redis is down starts all the same and answers 503.
    QDeadlineTimer deadline(firstConnectionWaitMs);
    QEventLoop loop;
    QTimer poll;
    connect(&poll, &QTimer::timeout, &loop, [&] {
        if (!connecting() || deadline.hasExpired())
            loop.quit();
    });
    poll.start(5);
    if (connecting())
        loop.exec();
    if (!store->isAvailable())
        qCWarning(lcService).noquote() << "starting without the Redis store" << store->description()
                                       << "(unreachable for now): requests get 503 until it is";
}

std::optional<QSslConfiguration> Service::loadTlsConfiguration(QString *error) const
{
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral("TLS was asked for but no TLS backend is available");
        return std::nullopt;
    }
    QFile certificateFile(m_config.tlsCertificateFile);
    if (!certificateFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read --tls-cert %1: %2")
                     .arg(m_config.tlsCertificateFile, certificateFile.errorString());
        return std::nullopt;
    }
    const QList<QSslCertificate> chain
        = QSslCertificate::fromData(certificateFile.readAll(), QSsl::Pem);
    QFile keyFile(m_config.tlsKeyFile);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read --tls-key %1: %2")
                     .arg(m_config.tlsKeyFile, keyFile.errorString());
        return std::nullopt;
    }
    const QByteArray keyBytes = keyFile.readAll();
    QSslKey key(keyBytes, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyBytes, QSsl::Ec, QSsl::Pem);
    if (chain.isEmpty() || key.isNull()) {
        *error = QStringLiteral("--tls-cert or --tls-key does not hold a PEM certificate and key");
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(chain.first());
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

void Service::scheduleMemoryTrim()
{
    // At most one trim a second, however many sessions or streams go.
    if (!m_trimTimer.isActive())
        m_trimTimer.start();
}

void Service::trimTimer_timeout()
{
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

quint16 Service::port() const
{
    return m_frontend ? m_frontend->port() : 0;
}

QString Service::baseUrl() const
{
    ServiceConfig shown = m_config;
    shown.listenPort = port();
    return (m_config.usesTls() ? QStringLiteral("https://") : QStringLiteral("http://"))
        + shown.listenText();
}

void Service::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcService) << "shutting down:" << m_hub->subscriberCount() << "open streams";
    m_frontend->close();
    m_sessions->stopAll();
    m_publishApi->closeStreams(); // open streaming publishes: 503, retry elsewhere
    connect(m_hub, &SubscriberHub::allClosed, this, &Service::stopped, Qt::QueuedConnection);
    m_graceTimer.setSingleShot(true);
    m_graceTimer.setInterval(m_config.shutdownGraceSeconds * 1000);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcService) << "streams did not close within the grace period; cutting them";
        Q_EMIT stopped();
    });
    m_graceTimer.start();
    m_adminFeed->closeAll();
    m_hub->closeAll(QStringLiteral("shutdown"));
}

} // namespace ssebuf
