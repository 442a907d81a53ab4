#include "servicemetrics.h"

#include "api/ndjsonpublishstream.h"
#include "eventloop/writecoalescer.h"
#include "http/connectioncounter.h"
#include "sse/subscriberhub.h"
#include "store/redissubscriber.h"

#include <QPointer>

namespace ssebuf {

namespace {

void family(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void sample(QByteArray &out, const char *name, qint64 value, const QByteArray &labels = {})
{
    out += name;
    if (!labels.isEmpty())
        out += '{' + labels + '}';
    out += ' ' + QByteArray::number(value) + '\n';
}

QByteArray escapeLabel(const QString &value)
{
    QByteArray bytes = value.toUtf8();
    bytes.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return bytes;
}

} // namespace

ServiceMetrics::ServiceMetrics(SessionStore *store, SubscriberHub *hub,
                               const WriteCoalescer *coalescer, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_hub(hub)
    , m_coalescer(coalescer)
{
    connect(store, &SessionStore::sessionCreated, this, [this] { ++m_sessionsCreated; });
    connect(store, &SessionStore::sessionRemoved, this,
            [this](const QString &, RemovalReason reason) {
                if (reason == RemovalReason::Expired)
                    ++m_sessionsExpired;
                else
                    ++m_sessionsDeleted;
            });
    connect(store, &SessionStore::eventAppended, this,
            [this](const QString &, const EventPtr &, const SessionSummary &, int evicted) {
                ++m_eventsAppended;
                m_eventsEvicted += evicted;
            });
    connect(hub, &SubscriberHub::subscriberConnected, this, [this] { ++m_subscribersConnected; });
    connect(store, &SessionStore::sessionEnded, this, [this](const SessionSummary &summary) {
        if (summary.isCancelled())
            ++m_sessionsCancelled;
    });
}

namespace {
constexpr qint64 batchBounds[] = {1, 10, 100, 1000, 10000};
}

void ServiceMetrics::recordBatch(int events)
{
    ++m_batches;
    m_batchEvents += events;
    for (int i = 0; i < 5; ++i) {
        if (events <= batchBounds[i]) {
            ++m_batchBuckets[i];
            break;
        }
    }
}

void ServiceMetrics::recordRequest(const QString &route, int status)
{
    if (m_lastCount && status == m_lastStatus
        && (route.constData() == m_lastRoute.constData() || route == m_lastRoute)) {
        ++*m_lastCount;
        return;
    }
    m_lastCount = &m_requests[std::make_pair(route, status)];
    m_lastRoute = route;
    m_lastStatus = status;
    ++*m_lastCount;
}

void ServiceMetrics::recordRejectedConnection(int status)
{
    recordRequest(QStringLiteral("rejected_by_limits"), status);
}

void ServiceMetrics::renderHardening(QByteArray &out) const
{
    const ConnectionCounter *connections = m_connections;
    family(out, "ssebuf_connections_open", "gauge",
           "Open client connections, event streams included.");
    sample(out, "ssebuf_connections_open", connections ? connections->open() : 0);
    family(out, "ssebuf_connections_refused_total", "counter",
           "Connections closed at accept because of --max-connections or "
           "--max-connections-per-ip.");
    sample(out, "ssebuf_connections_refused_total", connections ? connections->refusedTotal() : 0,
           "reason=\"max_connections\"");
    sample(out, "ssebuf_connections_refused_total", connections ? connections->refusedPerIp() : 0,
           "reason=\"max_connections_per_ip\"");
    family(out, "ssebuf_accept_errors_total", "counter",
           "accept() failures (EMFILE, ENFILE, ...); the listener accepts again after a pause.");
    sample(out, "ssebuf_accept_errors_total", connections ? connections->acceptErrors() : 0);
    family(out, "ssebuf_http_fast_path_requests_total", "counter",
           "Requests of the hot route (one-event publishes) read and parsed by the connection "
           "guard itself instead of QtHttpServer.");
    sample(out, "ssebuf_http_fast_path_requests_total",
           connections ? connections->fastRequests() : 0);
    family(out, "ssebuf_http_direct_reads_total", "counter",
           "Reads of a keep-alive connection's hot requests that the connection guard took "
           "straight off the socket, without Qt's socket buffer.");
    sample(out, "ssebuf_http_direct_reads_total", connections ? connections->directReads() : 0);
    family(out, "ssebuf_http_at_once_answers_total", "counter",
           "Publishes with a JSON body (an event or a batch) answered by the front end at once, "
           "without an exchange object or the router: with the memory store, not behind "
           "--trusted-proxy.");
    sample(out, "ssebuf_http_at_once_answers_total",
           connections ? connections->atOnceAnswers() : 0);
    family(out, "ssebuf_producer_append_retries_total", "counter",
           "Appends of a built-in producer's event that the store refused and that were retried.");
    sample(out, "ssebuf_producer_append_retries_total", m_appendRetries);
    family(out, "ssebuf_sessions_failed_store_total", "counter",
           "Sessions ended failed because the store kept refusing their producer's events.");
    sample(out, "ssebuf_sessions_failed_store_total", m_sessionsFailedByStore);
}

void ServiceMetrics::render(std::function<void(const QByteArray &)> done)
{
    QPointer<ServiceMetrics> self(this);
    m_store->listSessions([self, done](const QList<SessionSummary> &sessions) {
        if (!self)
            return;
        qint64 running = 0;
        qint64 bytes = 0;
        qint64 buffered = 0;
        for (const SessionSummary &summary : sessions) {
            if (!summary.isFinished())
                ++running;
            bytes += summary.bufferedBytes;
            if (summary.firstSeq > 0)
                buffered += summary.lastSeq - summary.firstSeq + 1;
        }
        QByteArray out;
        family(out, "ssebuf_sessions_live", "gauge",
               "Sessions held (running or finished) until they expire.");
        sample(out, "ssebuf_sessions_live", sessions.size());
        family(out, "ssebuf_sessions_running", "gauge",
               "Sessions without their terminal event yet.");
        sample(out, "ssebuf_sessions_running", running);
        family(out, "ssebuf_sessions_created_total", "counter",
               "Sessions created through this instance's store view.");
        sample(out, "ssebuf_sessions_created_total", self->m_sessionsCreated);
        family(out, "ssebuf_sessions_expired_total", "counter",
               "Sessions removed because their time-to-live ran out.");
        sample(out, "ssebuf_sessions_expired_total", self->m_sessionsExpired);
        family(out, "ssebuf_sessions_deleted_total", "counter",
               "Sessions removed through the admin API.");
        sample(out, "ssebuf_sessions_deleted_total", self->m_sessionsDeleted);
        family(out, "ssebuf_events_appended_total", "counter", "Events appended to sessions.");
        sample(out, "ssebuf_events_appended_total", self->m_eventsAppended);
        family(out, "ssebuf_events_delivered_total", "counter",
               "Events written to session streams.");
        sample(out, "ssebuf_events_delivered_total", self->m_hub->eventsDelivered());
        family(out, "ssebuf_events_evicted_total", "counter",
               "Events evicted by the per-session event or byte limits.");
        sample(out, "ssebuf_events_evicted_total", self->m_eventsEvicted);
        family(out, "ssebuf_events_buffered", "gauge", "Events held in session buffers.");
        sample(out, "ssebuf_events_buffered", buffered);
        family(out, "ssebuf_buffered_bytes", "gauge", "Encoded SSE bytes held in session buffers.");
        sample(out, "ssebuf_buffered_bytes", bytes);
        family(out, "ssebuf_subscribers", "gauge", "Open session streams on this instance.");
        sample(out, "ssebuf_subscribers", self->m_hub->subscriberCount());
        family(out, "ssebuf_subscribers_connected_total", "counter",
               "Session streams opened on this instance.");
        sample(out, "ssebuf_subscribers_connected_total", self->m_subscribersConnected);
        family(out, "ssebuf_slow_subscribers_disconnected_total", "counter",
               "Streams cut off because their unsent output passed the bound or stalled.");
        sample(out, "ssebuf_slow_subscribers_disconnected_total", self->m_hub->slowDisconnects());
        family(out, "ssebuf_stream_send_calls_total", "counter",
               "sendmsg calls that wrote event-stream bytes (plain TCP streams); fewer than "
               "ssebuf_events_delivered_total when writes of one loop pass were coalesced.");
        sample(out, "ssebuf_stream_send_calls_total",
               self->m_coalescer ? qint64(self->m_coalescer->sendCalls()) : 0);
        family(out, "ssebuf_redis_subscriber_bytes_total", "counter",
               "Bytes read on Redis pub/sub connections: the live traffic this instance "
               "receives (contract section 17).");
        sample(out, "ssebuf_redis_subscriber_bytes_total", RedisSubscriber::totalBytesRead());
        family(out, "ssebuf_sessions_cancelled_total", "counter",
               "Sessions ended by a cancel (POST /api/refactor/{id}/cancel), on any instance.");
        sample(out, "ssebuf_sessions_cancelled_total", self->m_sessionsCancelled);
        family(out, "ssebuf_publish_duplicates_total", "counter",
               "Published events, and whole requests under an Idempotency-Key, not appended "
               "again because their key was known (this instance).");
        sample(out, "ssebuf_publish_duplicates_total", self->m_duplicates);
        family(out, "ssebuf_publish_batches_total", "counter",
               "Batch publishes (JSON arrays) appended on this instance.");
        sample(out, "ssebuf_publish_batches_total", self->m_batches);
        family(out, "ssebuf_publish_batch_events", "histogram",
               "Events appended per batch publish (duplicates not counted).");
        qint64 cumulative = 0;
        for (int i = 0; i < 5; ++i) {
            cumulative += self->m_batchBuckets[i];
            sample(out, "ssebuf_publish_batch_events_bucket", cumulative,
                   "le=\"" + QByteArray::number(batchBounds[i]) + '"');
        }
        sample(out, "ssebuf_publish_batch_events_bucket", self->m_batches, "le=\"+Inf\"");
        sample(out, "ssebuf_publish_batch_events_sum", self->m_batchEvents);
        sample(out, "ssebuf_publish_batch_events_count", self->m_batches);
        const PublishStreamStats *streams = self->m_streamStats;
        family(out, "ssebuf_publish_streams_open", "gauge",
               "Streaming publishes (NDJSON) open on this instance.");
        sample(out, "ssebuf_publish_streams_open", streams ? streams->open : 0);
        family(out, "ssebuf_publish_stream_lines_total", "counter",
               "Non-empty lines read from streaming publishes.");
        sample(out, "ssebuf_publish_stream_lines_total", streams ? streams->lines : 0);
        family(out, "ssebuf_store_up", "gauge", "1 when the session store is reachable.");
        sample(out, "ssebuf_store_up", self->m_store->isAvailable() ? 1 : 0);
        self->renderHardening(out);
        family(out, "ssebuf_http_requests_total", "counter",
               "HTTP requests answered, by route pattern and status.");
        for (const auto &[key, count] : self->m_requests) {
            sample(out, "ssebuf_http_requests_total", count,
                   "route=\"" + escapeLabel(key.first) + "\",status=\""
                       + QByteArray::number(key.second) + '"');
        }
        done(out);
    });
}

} // namespace ssebuf
