#ifndef SSEBUF_TEST_PRODUCERTEST_H
#define SSEBUF_TEST_PRODUCERTEST_H

// The fixture of the producer-side tests (contract 1.1 sections 10 to 15, issue 13). Each
// test source is built twice: on the memory store (one ssebufd; a() and b() are the same
// instance) and, with SSEBUF_PRODUCER_REDIS, on one real redis-server with two ssebufd
// instances, where a() and b() are different processes: a retry sent to b() of a request
// answered by a() must still be a duplicate, a cancel on b() must stop a()'s producer.

#include "apipaths.h"
#include "httptestclient.h"
#include "rawsseclient.h"
#include "redisprocess.h"
#include "seqrange.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace producertest {

using Headers = QList<QPair<QByteArray, QByteArray>>;
using testkit::range;
using namespace ssebuf;

inline QJsonObject eventJson(const QString &message,
                             const QString &status = QStringLiteral("running"))
{
    QJsonObject json {{QStringLiteral("type"), QStringLiteral("progress")},
                      {QStringLiteral("status"), status},
                      {QStringLiteral("message"), message}};
    if (status != QLatin1String("running"))
        json.insert(QStringLiteral("final"), true);
    return json;
}

inline QJsonObject keyed(QJsonObject json, const QString &key)
{
    json.insert(QStringLiteral("idempotency_key"), key);
    return json;
}

inline QByteArray compact(const QJsonObject &json)
{
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

inline QByteArray compact(const QJsonArray &json)
{
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

// One or two ssebufd instances (see above), fresh for each test.
class Cluster
{
public:
    static bool onRedis()
    {
#ifdef SSEBUF_PRODUCER_REDIS
        return true;
#else
        return false;
#endif
    }

    // In initTestCase(): a Redis for the whole test case when built for it.
    bool prepare(QString *skip)
    {
        if (!onRedis())
            return true;
        if (!RedisProcess::isInstalled()) {
            *skip = QStringLiteral("redis-server is not installed");
            return false;
        }
        m_redis = std::make_unique<RedisProcess>();
        return m_redis->start();
    }

    // Starts the instances with --pipeline external (unless extra says otherwise) plus extra.
    bool start(const QStringList &extra = {})
    {
        stop();
        QStringList args {QStringLiteral("--session-ttl"), QStringLiteral("600")};
        if (!extra.contains(QStringLiteral("--pipeline")))
            args << QStringLiteral("--pipeline") << QStringLiteral("external");
        if (m_redis) {
            if (m_redis->cli({QStringLiteral("FLUSHALL")}) != "OK")
                return false;
            args << QStringLiteral("--store") << m_redis->url();
        }
        m_a = std::make_unique<ServiceProcess>();
        if (!startOne(*m_a, args + extra))
            return false;
        if (m_redis) {
            m_b = std::make_unique<ServiceProcess>();
            if (!startOne(*m_b, args + extra))
                return false;
        }
        return true;
    }

    void stop()
    {
        m_a.reset();
        m_b.reset();
    }

    void dumpOnFailure()
    {
        if (!QTest::currentTestFailed())
            return;
        for (ServiceProcess *service : {m_a.get(), m_b.get()}) {
            if (service)
                qWarning().noquote() << "ssebufd output:" << service->output();
        }
    }

    ServiceProcess &a()
    {
        return *m_a;
    }
    ServiceProcess &b()
    {
        return m_b ? *m_b : *m_a;
    }
    RedisProcess *redis()
    {
        return m_redis.get();
    }
    HttpTestClient &http()
    {
        return m_http;
    }

    QString startSession(ServiceProcess &service,
                         const QString &prompt = QStringLiteral("refactor the parser"))
    {
        return testkit::startSession(
            m_http, service,
            testkit::startBody(prompt,
                               {{QStringLiteral("user_id"), QStringLiteral("producer_test")}}));
    }

    HttpTestReply publish(ServiceProcess &service, const QString &id, const QByteArray &body,
                          const Headers &headers = {})
    {
        return m_http.post(service.url(ApiPaths::sessionEvents(ApiPaths::segment(id))), body,
                           "application/json", headers);
    }
    HttpTestReply publish(ServiceProcess &service, const QString &id, const QJsonObject &json,
                          const Headers &headers = {})
    {
        return publish(service, id, compact(json), headers);
    }
    HttpTestReply publish(ServiceProcess &service, const QString &id, const QJsonArray &json,
                          const Headers &headers = {})
    {
        return publish(service, id, compact(json), headers);
    }
    HttpTestReply cancel(ServiceProcess &service, const QString &id, const QByteArray &body = {},
                         const Headers &headers = {})
    {
        return m_http.post(service.url(ApiPaths::sessionCancel(ApiPaths::segment(id))), body,
                           "application/json", headers);
    }
    // GET /api/refactor/{id}/events with the query.
    HttpTestReply events(ServiceProcess &service, const QString &id, const QString &query = {})
    {
        return m_http.get(service.url(ApiPaths::sessionEventsJson(ApiPaths::segment(id))
                                      + (query.isEmpty() ? QString() : QLatin1Char('?') + query)));
    }
    // The seqs of the session's buffered events, as the JSON read answers them.
    QList<qint64> seqs(ServiceProcess &service, const QString &id)
    {
        QList<qint64> values;
        const QJsonArray list = events(service, id, QStringLiteral("limit=1000"))
                                    .json()
                                    .value(QLatin1String("events"))
                                    .toArray();
        for (const QJsonValue &value : list)
            values.append(value.toObject().value(QLatin1String("seq")).toInteger());
        return values;
    }
    QJsonObject summary(ServiceProcess &service, const QString &id)
    {
        const HttpTestReply reply
            = m_http.get(service.url(ApiPaths::adminSession(ApiPaths::segment(id))));
        return reply.status == 200 ? reply.json() : QJsonObject {};
    }
    // One sample of /metrics (without labels), -1 when absent.
    qint64 metric(ServiceProcess &service, const QByteArray &name)
    {
        const QByteArray text = m_http.get(service.url(ApiPaths::metrics())).body;
        for (const QByteArray &line : text.split('\n')) {
            if (line.startsWith(name + ' '))
                return line.mid(name.size() + 1).toLongLong();
        }
        return -1;
    }
    QUrl sseUrl(ServiceProcess &service, const QString &id, const QString &query = {})
    {
        return service.url(ApiPaths::sessionStream(ApiPaths::segment(id))
                           + (query.isEmpty() ? QString() : QLatin1Char('?') + query));
    }

private:
    bool startOne(ServiceProcess &service, const QStringList &args)
    {
        if (!service.start(args)) {
            qWarning().noquote() << service.errorText();
            return false;
        }
        return QTest::qWaitFor(
            [&] { return m_http.get(service.url(ApiPaths::health())).status == 200; }, 10000);
    }

    std::unique_ptr<RedisProcess> m_redis;
    std::unique_ptr<ServiceProcess> m_a;
    std::unique_ptr<ServiceProcess> m_b;
    HttpTestClient m_http;
};

} // namespace producertest

#endif
