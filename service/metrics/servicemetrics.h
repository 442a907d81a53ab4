#ifndef SSEBUF_SERVICEMETRICS_H
#define SSEBUF_SERVICEMETRICS_H

#include "eventloop/writecoalescer.h"
#include "http/connectioncounter.h"
#include "http/httprequest.h"
#include "store/sessionstore.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>
#include <map>
#include <utility>

namespace ssebuf {

class SubscriberHub;
struct PublishStreamStats;

// Counters of the service, rendered in the Prometheus text exposition format (0.0.4).
// Counters follow signals; gauges are read when /metrics is scraped.
class ServiceMetrics : public QObject
{
    Q_OBJECT
public:
    // coalescer: the source of ssebuf_stream_send_calls_total.
    ServiceMetrics(SessionStore *store, SubscriberHub *hub, const WriteCoalescer *coalescer,
                   QObject *parent = nullptr);

    void recordRequest(const QString &route, int status);
    void recordRejectedConnection(int status);
    // Open and refused connections, accept() errors (the HTTP front end's; it has them
    // only once listening).
    void setConnectionCounter(const ConnectionCounter *counter) { m_connections = counter; }
    // A built-in producer's event the store refused and that is tried again.
    void recordAppendRetry() { ++m_appendRetries; }
    // A session ended failed because the store kept refusing its producer's events.
    void recordSessionFailedByStore() { ++m_sessionsFailedByStore; }
    // Publish requests on this instance: events or requests not appended again because
    // their idempotency key was known; a batch (JSON array) and the events it appended.
    void recordDuplicates(int count) { m_duplicates += count; }
    void recordBatch(int events);
    // The source of the streaming publish gauge and line counter (the publish API's).
    void setPublishStreamStats(const PublishStreamStats *stats) { m_streamStats = stats; }
    // Renders the exposition text; asks the store for live sessions (asynchronous).
    void render(std::function<void(const QByteArray &)> done);

private:
    void renderHardening(QByteArray &out) const;

    SessionStore *m_store;
    SubscriberHub *m_hub;
    QPointer<const WriteCoalescer> m_coalescer;
    QPointer<const ConnectionCounter> m_connections;
    qint64 m_appendRetries = 0;
    qint64 m_sessionsFailedByStore = 0;
    const PublishStreamStats *m_streamStats = nullptr;
    qint64 m_sessionsCreated = 0;
    qint64 m_sessionsExpired = 0;
    qint64 m_sessionsDeleted = 0;
    qint64 m_eventsAppended = 0;
    qint64 m_eventsEvicted = 0;
    qint64 m_subscribersConnected = 0;
    qint64 m_sessionsCancelled = 0;
    qint64 m_duplicates = 0;
    qint64 m_batches = 0;
    qint64 m_batchEvents = 0;
    qint64 m_batchBuckets[5] = {}; // le 1, 10, 100, 1000, 10000 (not cumulative here)
    // By route pattern and status, in that order on /metrics. The last counter counted is
    // kept: a keep-alive producer's requests are all the same route and status, and the
    // route names are the router's shared strings (compared by their data first).
    std::map<std::pair<QString, int>, qint64> m_requests;
    QString m_lastRoute;
    int m_lastStatus = 0;
    qint64 *m_lastCount = nullptr; // a node of m_requests (std::map nodes stay put)
};

} // namespace ssebuf

#endif
