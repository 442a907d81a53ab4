// GET /metrics (Prometheus text exposition format 0.0.4) and /healthz against the real
// ssebufd: every family has HELP and TYPE, and each value moves exactly as the requests
// made here say it must (docs/metrics.md).

#include "metricsexposition.h"
#include "sessiontestkit.h"

using namespace testkit;

namespace {

const QStringList kFamilies {
    "ssebuf_sessions_live",
    "ssebuf_sessions_running",
    "ssebuf_sessions_created_total",
    "ssebuf_sessions_expired_total",
    "ssebuf_sessions_deleted_total",
    "ssebuf_events_appended_total",
    "ssebuf_events_delivered_total",
    "ssebuf_events_evicted_total",
    "ssebuf_events_buffered",
    "ssebuf_buffered_bytes",
    "ssebuf_subscribers",
    "ssebuf_subscribers_connected_total",
    "ssebuf_slow_subscribers_disconnected_total",
    "ssebuf_store_up",
    "ssebuf_http_requests_total",
    "ssebuf_sessions_cancelled_total",
    "ssebuf_publish_duplicates_total",
    "ssebuf_publish_batches_total",
};

QString requests(const QString &route, int status)
{
    return QStringLiteral("ssebuf_http_requests_total{route=\"%1\",status=\"%2\"}")
        .arg(route)
        .arg(status);
}

using Samples = QList<QPair<QString, double>>;

// The value of each sample named in expected, to compare with it in one go.
Samples sampled(const Exposition &exposition, const Samples &expected)
{
    Samples values;
    for (const auto &[sample, value] : expected)
        values.append({sample, exposition.value(sample)});
    return values;
}

} // namespace

// Runs over the memory store and, when redis-server is installed, over a Redis store (one
// database per service).
class tst_Metrics : public QObject
{
    Q_OBJECT

public:
    explicit tst_Metrics(const RedisProcess *redis = nullptr)
        : m_redis(redis)
    {
    }

private slots:
    void initTestCase();
    void expositionFormat();
    void valuesFollowTheTraffic();
    void expiredSessions();
    void healthz();

private:
    QStringList storeArgs() { return freshStoreArgs(m_redis, &m_database); }

    const RedisProcess *m_redis;
    int m_database = 0;
    Exposition scrape();

    ServiceProcess m_service;
    HttpTestClient m_http;
    int m_scrapes = 0;
};

void tst_Metrics::initTestCase()
{
    QVERIFY2(m_service.start(
                 storeArgs()
                 + QStringList {QStringLiteral("--pipeline"), QStringLiteral("external"),
                                QStringLiteral("--max-events"), QStringLiteral("3"),
                                QStringLiteral("--max-unsent-bytes"), QStringLiteral("262144")}),
             qPrintable(m_service.errorText()));
    QVERIFY(waitUntilHealthy(m_http, m_service));
}

Exposition tst_Metrics::scrape()
{
    ++m_scrapes;
    return fetchMetrics(m_http, m_service);
}

void tst_Metrics::expositionFormat()
{
    const HttpTestReply reply = m_http.get(m_service.url(QStringLiteral("/metrics")));
    ++m_scrapes;
    QCOMPARE(reply.status, 200);
    QVERIFY2(reply.header("Content-Type").startsWith("text/plain; version=0.0.4"),
             reply.header("Content-Type").constData());
    const Exposition exposition = parseExposition(reply.body);
    QVERIFY2(exposition.problems.isEmpty(), qPrintable(exposition.problems.join('\n')));
    for (const QString &family : kFamilies) {
        QVERIFY2(exposition.help.contains(family), qPrintable(family));
        QVERIFY2(!exposition.help.value(family).trimmed().isEmpty(), qPrintable(family));
        QVERIFY2(exposition.type.contains(family), qPrintable(family));
    }
    for (auto it = exposition.type.cbegin(); it != exposition.type.cend(); ++it) {
        // Counters end in _total; the batch sizes are a histogram; everything else a gauge.
        const QString expected = it.key().endsWith(QLatin1String("_total"))
            ? QStringLiteral("counter")
            : it.key() == QLatin1String("ssebuf_publish_batch_events") ? QStringLiteral("histogram")
                                                                       : QStringLiteral("gauge");
        QCOMPARE(it.value(), expected);
        QVERIFY2(exposition.help.contains(it.key()), qPrintable(it.key()));
    }
    // A fresh service: nothing happened yet.
    for (const QString &family : kFamilies) {
        if (family == QLatin1String("ssebuf_http_requests_total"))
            continue;
        QCOMPARE(exposition.value(family), family == QLatin1String("ssebuf_store_up") ? 1.0 : 0.0);
    }
}

void tst_Metrics::valuesFollowTheTraffic()
{
    Exposition m = scrape();
    QCOMPARE(m.value("ssebuf_sessions_created_total"), 0.0);

    const QString first = startSession(m_http, m_service);
    const QString second = startSession(m_http, m_service);
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    m = scrape();
    QCOMPARE(m.value("ssebuf_sessions_created_total"), 2.0);
    QCOMPARE(m.value("ssebuf_sessions_live"), 2.0);
    QCOMPARE(m.value("ssebuf_sessions_running"), 2.0);
    QCOMPARE(m.value(requests("/api/refactor", 201)), 2.0);

    // Five events into a buffer of three: two evicted.
    int published = 0;
    for (int i = 1; i <= 5; ++i) {
        QCOMPARE(publishStatus(m_http, m_service, first,
                               eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                         QStringLiteral("event %1").arg(i))),
                 201);
        ++published;
    }
    m = scrape();
    QCOMPARE(m.value("ssebuf_events_appended_total"), 5.0);
    QCOMPARE(m.value("ssebuf_events_evicted_total"), 2.0);
    QCOMPARE(m.value("ssebuf_events_buffered"), 3.0);
    const QJsonObject summary = m_http.get(m_service.url(adminSessionPath(first))).json();
    QCOMPARE(m.value("ssebuf_buffered_bytes"), double(summary.value("buffered_bytes").toInteger()));
    QVERIFY(m.value("ssebuf_buffered_bytes") > 0);
    QCOMPARE(m.value("ssebuf_events_delivered_total"), 0.0);

    // A reader from the start gets the three retained events (after a gap notice).
    RawSseClient reader;
    reader.open(sseUrl(m_service, first));
    QTRY_COMPARE_WITH_TIMEOUT(reader.sequence().size(), 3, 10000);
    m = scrape();
    QCOMPARE(m.value("ssebuf_events_delivered_total"), 3.0);
    QCOMPARE(m.value("ssebuf_subscribers"), 1.0);
    QCOMPARE(m.value("ssebuf_subscribers_connected_total"), 1.0);

    QCOMPARE(publishStatus(m_http, m_service, first,
                           eventJson(QStringLiteral("result"), QStringLiteral("completed"),
                                     QStringLiteral("done"))),
             201);
    ++published;
    QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(scrape().value("ssebuf_subscribers"), 0.0, 5000);
    m = scrape();
    const Samples afterTheEnd {{"ssebuf_events_delivered_total", 4},
                               {"ssebuf_events_appended_total", 6},
                               {"ssebuf_events_evicted_total", 3},
                               {"ssebuf_sessions_running", 1},
                               {"ssebuf_sessions_live", 2},
                               {"ssebuf_subscribers_connected_total", 1},
                               {"ssebuf_slow_subscribers_disconnected_total", 0}};
    QCOMPARE(sampled(m, afterTheEnd), afterTheEnd);

    // A subscriber that stops reading is cut off once its unsent output passes 256 KiB.
    RawSseClient stalled;
    stalled.open(sseUrl(m_service, second));
    QTRY_VERIFY_WITH_TIMEOUT(stalled.headersDone(), 10000);
    stalled.stopReading();
    QTRY_COMPARE_WITH_TIMEOUT(scrape().value("ssebuf_subscribers"), 1.0, 5000);
    const QString bulk(60000, QLatin1Char('x'));
    int big = 0;
    while (big < 400 && scrape().value("ssebuf_slow_subscribers_disconnected_total") < 1) {
        QCOMPARE(
            publishStatus(m_http, m_service, second,
                          eventJson(QStringLiteral("progress"), QStringLiteral("running"), bulk)),
            201);
        ++big;
        ++published;
    }
    m = scrape();
    QVERIFY2(m.value("ssebuf_slow_subscribers_disconnected_total") == 1.0,
             qPrintable(QStringLiteral("no cut-off after %1 events of 60 kB").arg(big)));
    QCOMPARE(m.value("ssebuf_subscribers"), 0.0);
    QCOMPARE(m.value("ssebuf_subscribers_connected_total"), 2.0);
    QCOMPARE(m.value("ssebuf_events_appended_total"), 6.0 + big);

    // DELETE: the deleted counter, not the expired one.
    QCOMPARE(m_http.sendCustom("DELETE", m_service.url(adminSessionPath(second))).status, 204);
    QCOMPARE(m_http.get(m_service.url(adminSessionPath(second))).status, 404);
    QCOMPARE(m_http.get(m_service.url(QStringLiteral("/no/such/route"))).status, 404);
    QCOMPARE(m_http.sendCustom("PUT", m_service.url(QStringLiteral("/metrics"))).status, 405);
    m = scrape();
    const Samples afterTheDelete {{"ssebuf_sessions_deleted_total", 1},
                                  {"ssebuf_sessions_expired_total", 0},
                                  {"ssebuf_sessions_live", 1},
                                  {"ssebuf_sessions_running", 0},
                                  {"ssebuf_sessions_created_total", 2}};
    QCOMPARE(sampled(m, afterTheDelete), afterTheDelete);

    // Requests by route pattern and status, counted exactly.
    QCOMPARE(m.value(requests("/api/refactor", 201)), 2.0);
    QCOMPARE(m.value(requests("/api/sessions/{}/events", 201)), double(published));
    QCOMPARE(m.value(requests("/api/refactor/{}/sse", 200)), 2.0);
    QCOMPARE(m.value(requests("/api/admin/sessions/{}", 200)), 1.0);
    QCOMPARE(m.value(requests("/api/admin/sessions/{}", 204)), 1.0);
    QCOMPARE(m.value(requests("/api/admin/sessions/{}", 404)), 1.0);
    QCOMPARE(m.value(requests("not_found", 404)), 1.0);
    QCOMPARE(m.value(requests("method_not_allowed", 405)), 1.0);
    // This scrape is counted once it is answered: every earlier one is in.
    QCOMPARE(m.value(requests("/metrics", 200)), double(m_scrapes - 1));
    QVERIFY(m.problems.isEmpty());
}

void tst_Metrics::expiredSessions()
{
    ServiceProcess service;
    QVERIFY2(service.start(storeArgs()
                           + QStringList {QStringLiteral("--session-ttl"), QStringLiteral("1"),
                                          QStringLiteral("--sweep-interval"), QStringLiteral("1")}),
             qPrintable(service.errorText()));
    QVERIFY(waitUntilHealthy(m_http, service));
    const QString id = startSession(m_http, service, startBody(QStringLiteral("hello")));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(fetchMetrics(m_http, service).value("ssebuf_events_appended_total"),
                              1.0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(fetchMetrics(m_http, service).value("ssebuf_sessions_expired_total"),
                              1.0, 5000);
    const Exposition m = fetchMetrics(m_http, service);
    const Samples afterTheExpiry {{"ssebuf_sessions_live", 0},
                                  {"ssebuf_sessions_created_total", 1},
                                  {"ssebuf_sessions_deleted_total", 0},
                                  {"ssebuf_events_buffered", 0},
                                  {"ssebuf_buffered_bytes", 0}};
    QCOMPARE(sampled(m, afterTheExpiry), afterTheExpiry);
}

void tst_Metrics::healthz()
{
    HttpTestReply reply = m_http.get(m_service.url(QStringLiteral("/healthz")));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json(), (QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")}}));

    // A configured store that cannot be reached: 503, and ssebuf_store_up says 0.
    ServiceProcess unreachable;
    if (!unreachable.start({QStringLiteral("--store"), QStringLiteral("redis://127.0.0.1:1")})) {
        if (unreachable.errorText().contains(QLatin1String("not supported")))
            QSKIP("this build has no redis store");
        QFAIL(qPrintable(unreachable.errorText()));
    }
    reply = m_http.get(unreachable.url(QStringLiteral("/healthz")));
    QCOMPARE(reply.status, 503);
    QCOMPARE(fetchMetrics(m_http, unreachable).value("ssebuf_store_up"), 0.0);
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    tst_Metrics overMemory;
    int failures = QTest::qExec(&overMemory, argc, argv);
    if (!RedisProcess::isInstalled())
        return failures;
    RedisProcess redis;
    if (!redis.start()) {
        qWarning("redis-server did not start: %s", qPrintable(redis.errorText()));
        return failures + 1;
    }
    tst_Metrics overRedis(&redis);
    failures += QTest::qExec(&overRedis, argc, argv);
    return failures;
}
#include "tst_metrics.moc"
