// The admin API against the real ssebufd: session summaries, one session with paged events,
// DELETE, and the admin lifecycle stream (docs/admin-api.md, contract section 4).

#include "processtestkit.h"
#include "sessiontestkit.h"

#include <QDateTime>

using namespace testkit;

namespace {

const QRegularExpression
    kIsoUtc(QStringLiteral(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)"));

qint64 msOf(const QJsonValue &iso)
{
    return QDateTime::fromString(iso.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

QString retryLine()
{
    return QStringLiteral("retry: 3000\n\n");
}

} // namespace

// Runs once over the memory store and, when redis-server is installed, once more over a
// Redis store (each service its own database, so they do not see each other's sessions).
class tst_AdminApi : public QObject
{
    Q_OBJECT

public:
    explicit tst_AdminApi(const RedisProcess *redis = nullptr)
        : m_redis(redis)
    {
    }

private slots:
    void initTestCase();
    void summaryHasEveryField();
    void stateFilterAndOrder();
    void pagedEvents();
    void badParameters_data();
    void badParameters();
    void unknownSession();
    void deleteEndsOpenStreams();
    void adminStreamLifecycle();
    void adminStreamSessionExpired();
    void adminStreamEventsEvicted();
    void adminStreamKeepaliveAndShutdown();
    void adminStreamSlowSubscriber();
    void adminStreamSeesOtherInstances();

private:
    QStringList storeArgs() { return freshStoreArgs(m_redis, &m_database); }
    // Starts ssebufd on a fresh store with the extra arguments; true once it is healthy.
    bool startService(ServiceProcess &service, const QStringList &extra)
    {
        if (!service.start(storeArgs() + extra)) {
            qWarning("%s", qPrintable(service.errorText()));
            return false;
        }
        return waitUntilHealthy(m_http, service);
    }

    const RedisProcess *m_redis;
    int m_database = 0;
    ServiceProcess m_service; // --pipeline external: the test publishes every event
    HttpTestClient m_http;
};

void tst_AdminApi::initTestCase()
{
    QVERIFY2(
        m_service.start(storeArgs()
                        + QStringList {QStringLiteral("--pipeline"), QStringLiteral("external"),
                                       QStringLiteral("--session-ttl"), QStringLiteral("600")}),
        qPrintable(m_service.errorText()));
    QVERIFY(waitUntilHealthy(m_http, m_service));
}

void tst_AdminApi::summaryHasEveryField()
{
    const QString id
        = startSession(m_http, m_service,
                       startBody(QStringLiteral("refactor this"),
                                 {{QStringLiteral("mode"), QStringLiteral("interactive")}}));
    QVERIFY(!id.isEmpty());
    QCOMPARE(publishStatus(m_http, m_service, id,
                           eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                     QStringLiteral("step one"),
                                     {{QStringLiteral("stage"), QStringLiteral("analyzing")},
                                      {QStringLiteral("progress"), 10}})),
             201);
    QCOMPARE(publishStatus(m_http, m_service, id,
                           eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                     QStringLiteral("step two"))),
             201);

    // A live subscriber shows in "subscribers".
    RawSseClient live;
    live.open(sseUrl(m_service, id));
    QTRY_COMPARE_WITH_TIMEOUT(live.events().size(), 2, 10000);

    HttpTestReply reply = m_http.get(m_service.url(QStringLiteral("/api/admin/sessions")));
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("Content-Type").startsWith("application/json"));
    QJsonObject summary = findSummary(reply.json().value(QLatin1String("sessions")).toArray(), id);
    QVERIFY2(!summary.isEmpty(), reply.body.constData());

    const QStringList fields {"session_id", "user_id",        "mode",           "state",
                              "created_at", "updated_at",     "event_count",    "first_seq",
                              "last_seq",   "buffered_bytes", "dropped_events", "subscribers",
                              "expires_at"};
    for (const QString &field : fields)
        QVERIFY2(summary.contains(field), qPrintable(field));
    QCOMPARE(summary.value("session_id").toString(), id);
    QCOMPARE(summary.value("user_id").toString(), QStringLiteral("admin_test_user"));
    QCOMPARE(summary.value("mode").toString(), QStringLiteral("interactive"));
    QCOMPARE(summary.value("state").toString(), QStringLiteral("running"));
    QVERIFY(kIsoUtc.match(summary.value("created_at").toString()).hasMatch());
    QVERIFY(kIsoUtc.match(summary.value("updated_at").toString()).hasMatch());
    QVERIFY(kIsoUtc.match(summary.value("expires_at").toString()).hasMatch());
    QCOMPARE(summary.value("event_count").toInteger(), 2);
    QCOMPARE(summary.value("first_seq").toInteger(), 1);
    QCOMPARE(summary.value("last_seq").toInteger(), 2);
    QCOMPARE(summary.value("dropped_events").toInteger(), 0);
    QCOMPARE(summary.value("subscribers").toInteger(), 1);
    // buffered_bytes counts the encoded SSE bytes: exactly what a full replay carries.
    QCOMPARE(summary.value("buffered_bytes").toInteger(),
             qint64(live.rawBody().size() - retryLine().size()));
    QVERIFY(msOf(summary.value("updated_at")) >= msOf(summary.value("created_at")));
    QCOMPARE(msOf(summary.value("expires_at")) - msOf(summary.value("updated_at")),
             qint64(600 * 1000));
    // updated_at is the time of the last event.
    QCOMPARE(summary.value("updated_at").toString(),
             live.jsonEvents().last().value("timestamp").toString());

    // One session's answer is its summary (subscribers: the count) plus the list of its
    // subscribers with their position and lag.
    const QJsonObject detail = m_http.get(m_service.url(adminSessionPath(id))).json();
    QCOMPARE(detail.value("subscribers").toInteger(), 1);
    const QJsonArray subscribers = detail.value("subscriber_list").toArray();
    QCOMPARE(subscribers.size(), 1);
    const QJsonObject subscriber = subscribers.first().toObject();
    QCOMPARE(subscriber.value("resume_from").toInteger(), 0);
    QCOMPARE(subscriber.value("next_seq").toInteger(), 3);
    QCOMPARE(subscriber.value("events_sent").toInteger(), 2);
    QCOMPARE(subscriber.value("lag_bytes").toInteger(), 0);
    QCOMPARE(subscriber.value("peer").toString(),
             QStringLiteral("127.0.0.1:%1").arg(live.socket()->localPort()));
    QVERIFY(subscriber.value("id").toInteger() > 0);
    QVERIFY(kIsoUtc.match(subscriber.value("connected_at").toString()).hasMatch());

    // Ending the session moves its state; the stream closes and subscribers drops to 0.
    QCOMPARE(publishStatus(m_http, m_service, id,
                           eventJson(QStringLiteral("result"), QStringLiteral("failed"),
                                     QStringLiteral("gave up"))),
             201);
    QTRY_VERIFY_WITH_TIMEOUT(live.isFinished(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        findSummary(m_http.get(m_service.url(QStringLiteral("/api/admin/sessions")))
                        .json()
                        .value(QLatin1String("sessions"))
                        .toArray(),
                    id)
            .value("subscribers")
            .toInteger(),
        0, 5000);
    reply = m_http.get(m_service.url(adminSessionPath(id)));
    QCOMPARE(reply.status, 200);
    summary = reply.json();
    QCOMPARE(summary.value("state").toString(), QStringLiteral("failed"));
    QCOMPARE(summary.value("event_count").toInteger(), 3);
    QCOMPARE(summary.value("buffered_bytes").toInteger(),
             qint64(live.rawBody().size() - retryLine().size()));
}

void tst_AdminApi::stateFilterAndOrder()
{
    const QString finished = startSession(m_http, m_service);
    QVERIFY(!finished.isEmpty());
    QCOMPARE(publishStatus(m_http, m_service, finished,
                           eventJson(QStringLiteral("result"), QStringLiteral("completed"),
                                     QStringLiteral("done"), {{QStringLiteral("final"), true}})),
             201);
    const QString running = startSession(m_http, m_service);
    QVERIFY(!running.isEmpty());

    const auto ids = [this](const QString &query) {
        const HttpTestReply reply
            = m_http.get(m_service.url(QStringLiteral("/api/admin/sessions") + query));
        QStringList result;
        for (const QJsonValue &value : reply.json().value(QLatin1String("sessions")).toArray())
            result.append(value.toObject().value(QLatin1String("session_id")).toString());
        return result;
    };
    const QStringList all = ids(QString());
    QVERIFY(all.contains(finished));
    QVERIFY(all.contains(running));
    // Newest first: created_at never increases down the list (sessions created in the same
    // millisecond may come in either order).
    const QJsonArray listed = m_http.get(m_service.url(QStringLiteral("/api/admin/sessions")))
                                  .json()
                                  .value(QLatin1String("sessions"))
                                  .toArray();
    QVERIFY(listed.size() >= 2);
    for (int i = 1; i < listed.size(); ++i) {
        QVERIFY(msOf(listed.at(i - 1).toObject().value("created_at"))
                >= msOf(listed.at(i).toObject().value("created_at")));
    }

    const QStringList runningOnly = ids(QStringLiteral("?state=running"));
    QVERIFY(runningOnly.contains(running));
    QVERIFY(!runningOnly.contains(finished));
    const QStringList completedOnly = ids(QStringLiteral("?state=completed"));
    QVERIFY(completedOnly.contains(finished));
    QVERIFY(!completedOnly.contains(running));
    const QStringList failedOnly = ids(QStringLiteral("?state=failed"));
    QVERIFY(!failedOnly.contains(finished));
    QVERIFY(!failedOnly.contains(running));

    const HttpTestReply bad
        = m_http.get(m_service.url(QStringLiteral("/api/admin/sessions?state=sleeping")));
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.json().value("error").toString(), QStringLiteral("invalid_parameter"));
    QCOMPARE(bad.json().value("field").toString(), QStringLiteral("state"));
}

void tst_AdminApi::pagedEvents()
{
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    for (int i = 1; i <= 5; ++i) {
        QCOMPARE(publishStatus(m_http, m_service, id,
                               eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                         QStringLiteral("message %1").arg(i),
                                         {{QStringLiteral("data"), QJsonObject {{"i", i}}}})),
                 201);
    }
    const auto page = [this, &id](const QString &query) {
        return m_http.get(m_service.url(adminSessionPath(id) + query));
    };

    // The whole event JSON, exactly as streamed (message and data included).
    HttpTestReply reply = page(QString());
    QCOMPARE(reply.status, 200);
    QJsonArray events = reply.json().value("events").toArray();
    QCOMPARE(events.size(), 5);
    QCOMPARE(reply.json().value("next_after"), QJsonValue(QJsonValue::Null));
    QVERIFY(reply.json().value("subscriber_list").isArray());
    QCOMPARE(reply.json().value("subscribers").toInteger(), 0);
    for (int i = 0; i < 5; ++i) {
        const QJsonObject e = events.at(i).toObject();
        QCOMPARE(e.value("seq").toInteger(), i + 1);
        QCOMPARE(e.value("session_id").toString(), id);
        QCOMPARE(e.value("message").toString(), QStringLiteral("message %1").arg(i + 1));
        QCOMPARE(e.value("data").toObject().value("i").toInt(), i + 1);
    }

    QList<qint64> seen;
    QJsonValue after(0);
    int pages = 0;
    while (!after.isNull() && pages < 10) {
        reply = page(QStringLiteral("?after=%1&limit=2").arg(after.toInteger()));
        QCOMPARE(reply.status, 200);
        events = reply.json().value("events").toArray();
        QVERIFY(events.size() <= 2);
        for (const QJsonValue &e : std::as_const(events))
            seen.append(e.toObject().value("seq").toInteger());
        after = reply.json().value("next_after");
        ++pages;
    }
    QCOMPARE(seen, (QList<qint64> {1, 2, 3, 4, 5}));
    QCOMPARE(pages, 3);

    reply = page(QStringLiteral("?after=1&limit=2"));
    QCOMPARE(reply.json().value("next_after").toInteger(), 3);
    reply = page(QStringLiteral("?after=3&limit=2"));
    QCOMPARE(reply.json().value("events").toArray().size(), 2);
    // The page reached the last event: there is no next page.
    QCOMPARE(reply.json().value("next_after"), QJsonValue(QJsonValue::Null));
    reply = page(QStringLiteral("?after=5"));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value("events").toArray().size(), 0);
    QCOMPARE(reply.json().value("next_after"), QJsonValue(QJsonValue::Null));
    QCOMPARE(reply.json().value("event_count").toInteger(), 5);
}

void tst_AdminApi::badParameters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("field");
    QTest::newRow("after negative") << "?after=-1"
                                    << "after";
    QTest::newRow("after text") << "?after=abc"
                                << "after";
    QTest::newRow("after empty") << "?after="
                                 << "after";
    QTest::newRow("limit zero") << "?limit=0"
                                << "limit";
    QTest::newRow("limit too big") << "?limit=10001"
                                   << "limit";
    QTest::newRow("limit fraction") << "?after=1&limit=2.5"
                                    << "limit";
}

void tst_AdminApi::badParameters()
{
    QFETCH(QString, query);
    QFETCH(QString, field);
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    const HttpTestReply reply = m_http.get(m_service.url(adminSessionPath(id) + query));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("invalid_parameter"));
    QCOMPARE(reply.json().value("field").toString(), field);
    QVERIFY(!reply.json().value("message").toString().isEmpty());
}

void tst_AdminApi::unknownSession()
{
    const QString unknown
        = QStringLiteral("session_20260101_000000_0123456789abcdef0123456789abcdef");
    HttpTestReply reply = m_http.get(m_service.url(adminSessionPath(unknown)));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("session_not_found"));
    reply = m_http.sendCustom("DELETE", m_service.url(adminSessionPath(unknown)));
    QCOMPARE(reply.status, 404);
}

void tst_AdminApi::deleteEndsOpenStreams()
{
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    QCOMPARE(publishStatus(m_http, m_service, id,
                           eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                     QStringLiteral("one"))),
             201);
    RawSseClient first;
    RawSseClient second;
    first.open(sseUrl(m_service, id));
    second.open(sseUrl(m_service, id), {{"Last-Event-ID", "1"}});
    QTRY_COMPARE_WITH_TIMEOUT(first.events().size(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(second.headersDone(), 10000);
    QCOMPARE(second.status(), 200);
    QVERIFY(!first.isFinished());

    const QUrl url = m_service.url(adminSessionPath(id));
    HttpTestReply reply = m_http.sendCustom("DELETE", url);
    QCOMPARE(reply.status, 204);
    QVERIFY(reply.body.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(first.isFinished(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(second.isFinished(), 5000);

    QCOMPARE(m_http.get(url).status, 404);
    QCOMPARE(m_http.sendCustom("DELETE", url).status, 404);
    QCOMPARE(m_http.get(sseUrl(m_service, id)).status, 404);
    QCOMPARE(publishStatus(m_http, m_service, id,
                           eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                     QStringLiteral("late"))),
             404);
    QVERIFY(findSummary(m_http.get(m_service.url(QStringLiteral("/api/admin/sessions")))
                            .json()
                            .value(QLatin1String("sessions"))
                            .toArray(),
                        id)
                .isEmpty());
}

void tst_AdminApi::adminStreamLifecycle()
{
    const QString before = startSession(m_http, m_service);
    QVERIFY(!before.isEmpty());

    RawSseClient admin;
    admin.open(m_service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    QCOMPARE(admin.status(), 200);
    QVERIFY(admin.header("Content-Type").startsWith("text/event-stream"));

    // The snapshot comes first, without an id, with every session and the service.
    const ssebuf::SseEvent first = admin.events().first();
    QVERIFY(!first.hasId);
    const QJsonObject snapshot = admin.jsonEvents().first();
    QCOMPARE(snapshot.value("kind").toString(), QStringLiteral("snapshot"));
    const QJsonObject listed = findSummary(snapshot.value("sessions").toArray(), before);
    QCOMPARE(listed.value("state").toString(), QStringLiteral("running"));
    QVERIFY(listed.contains("expires_at"));
    const QJsonObject service = snapshot.value("service").toObject();
    QCOMPARE(service.value("pipeline").toString(), QStringLiteral("external"));
    QCOMPARE(service.value("store").toString().isEmpty(), false);
    QVERIFY(!service.value("version").toString().isEmpty());
    QVERIFY(kIsoUtc.match(service.value("started_at").toString()).hasMatch());

    int cursor = 1;
    const QString id
        = startSession(m_http, m_service,
                       startBody(QStringLiteral("refactor the admin stream"),
                                 {{QStringLiteral("mode"), QStringLiteral("interactive")}}));
    QVERIFY(!id.isEmpty());
    QJsonObject message = waitForMessage(admin, kindIs("session_created", id), &cursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("session").toObject().value("state").toString(),
             QStringLiteral("running"));
    QCOMPARE(message.value("session").toObject().value("mode").toString(),
             QStringLiteral("interactive"));
    QCOMPARE(message.value("session").toObject().value("event_count").toInteger(), 0);

    // event_appended: the summary after the append and the event's summary, never the payload.
    const QString payloadMarker = QStringLiteral("PAYLOAD-9f1c2b7e-never-on-the-admin-stream");
    QCOMPARE(publishStatus(
                 m_http, m_service, id,
                 eventJson(QStringLiteral("progress"), QStringLiteral("running"), payloadMarker,
                           {{QStringLiteral("stage"), QStringLiteral("planning")},
                            {QStringLiteral("progress"), 40},
                            {QStringLiteral("data"), QJsonObject {{"note", payloadMarker}}}})),
             201);
    message = waitForMessage(admin, kindIs("event_appended", id), &cursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("session").toObject().value("event_count").toInteger(), 1);
    QCOMPARE(message.value("session").toObject().value("last_seq").toInteger(), 1);
    const QJsonObject appended = message.value("event").toObject();
    QCOMPARE(appended.value("seq").toInteger(), 1);
    QCOMPARE(appended.value("type").toString(), QStringLiteral("progress"));
    QCOMPARE(appended.value("status").toString(), QStringLiteral("running"));
    QCOMPARE(appended.value("stage").toString(), QStringLiteral("planning"));
    QCOMPARE(appended.value("progress").toInt(), 40);
    QCOMPARE(appended.value("final").toBool(true), false);
    QVERIFY(kIsoUtc.match(appended.value("timestamp").toString()).hasMatch());
    QCOMPARE(appended.value("bytes").toInteger(),
             message.value("session").toObject().value("buffered_bytes").toInteger());
    QVERIFY(!appended.contains("message"));
    QVERIFY(!appended.contains("data"));
    QVERIFY(!admin.rawBody().contains(payloadMarker.toUtf8()));

    // subscriber_connected with its resume point; subscriber_disconnected with the reason.
    {
        RawSseClient subscriber;
        subscriber.open(sseUrl(m_service, id), {{"Last-Event-ID", "1"}});
        message = waitForMessage(admin, kindIs("subscriber_connected", id), &cursor);
        QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
        const QJsonObject info = message.value("subscriber").toObject();
        QCOMPARE(info.value("resume_from").toInteger(), 1);
        QCOMPARE(info.value("next_seq").toInteger(), 2);
        QVERIFY(info.value("peer").toString().startsWith(QLatin1String("127.0.0.1:")));
        QVERIFY(info.contains("lag_bytes"));
        QVERIFY(info.contains("events_sent"));
        QVERIFY(kIsoUtc.match(info.value("connected_at").toString()).hasMatch());
        QCOMPARE(message.value("session").toObject().value("subscribers").toInteger(), 1);
        const qint64 subscriberId = info.value("id").toInteger();

        subscriber.close();
        message = waitForMessage(admin, kindIs("subscriber_disconnected", id), &cursor);
        QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
        QCOMPARE(message.value("reason").toString(), QStringLiteral("client_closed"));
        QCOMPARE(message.value("subscriber").toObject().value("id").toInteger(), subscriberId);
        QCOMPARE(message.value("session").toObject().value("subscribers").toInteger(), 0);
    }

    // A subscriber live when the terminal event comes leaves with reason "finished".
    RawSseClient follower;
    follower.open(sseUrl(m_service, id));
    message = waitForMessage(admin, kindIs("subscriber_connected", id), &cursor);
    QVERIFY(!message.isEmpty());
    QCOMPARE(message.value("subscriber").toObject().value("resume_from").toInteger(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(follower.events().size(), 1, 5000);
    QCOMPARE(
        publishStatus(m_http, m_service, id,
                      eventJson(QStringLiteral("result"), QStringLiteral("completed"),
                                QStringLiteral("all done"), {{QStringLiteral("final"), true}})),
        201);
    int endCursor = cursor;
    message = waitForMessage(admin, kindIs("session_ended", id), &endCursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("session").toObject().value("state").toString(),
             QStringLiteral("completed"));
    QCOMPARE(message.value("session").toObject().value("event_count").toInteger(), 2);
    message = waitForMessage(admin, kindIs("subscriber_disconnected", id), &cursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("reason").toString(), QStringLiteral("finished"));
    QCOMPARE(message.value("subscriber").toObject().value("events_sent").toInteger(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(follower.isFinished(), 5000);
    cursor = qMax(cursor, endCursor);

    // DELETE: the open stream leaves with session_deleted, then session_removed "deleted".
    RawSseClient doomed;
    doomed.open(sseUrl(m_service, before));
    message = waitForMessage(admin, kindIs("subscriber_connected", before), &cursor);
    QVERIFY(!message.isEmpty());
    QCOMPARE(m_http.sendCustom("DELETE", m_service.url(adminSessionPath(before))).status, 204);
    int removedCursor = cursor;
    message = waitForMessage(admin, kindIs("session_removed", before), &removedCursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("reason").toString(), QStringLiteral("deleted"));
    message = waitForMessage(admin, kindIs("subscriber_disconnected", before), &cursor);
    QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
    QCOMPARE(message.value("reason").toString(), QStringLiteral("session_deleted"));
    QTRY_VERIFY_WITH_TIMEOUT(doomed.isFinished(), 5000);

    // Every message but the snapshot carries an increasing id.
    qint64 previous = 0;
    const QList<ssebuf::SseEvent> all = admin.events();
    for (int i = 1; i < all.size(); ++i) {
        QVERIFY(all.at(i).hasId);
        QVERIFY(all.at(i).id.toLongLong() > previous);
        previous = all.at(i).id.toLongLong();
    }
    QVERIFY(!admin.isFinished());
}

void tst_AdminApi::adminStreamSessionExpired()
{
    ServiceProcess service;
    QVERIFY(startService(service,
                         QStringList {QStringLiteral("--pipeline"), QStringLiteral("external"),
                                      QStringLiteral("--session-ttl"), QStringLiteral("1"),
                                      QStringLiteral("--sweep-interval"), QStringLiteral("1")}));
    RawSseClient admin;
    admin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    int cursor = 1;
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    QVERIFY(!waitForMessage(admin, kindIs("session_created", id), &cursor).isEmpty());
    const QJsonObject removed = waitForMessage(admin, kindIs("session_removed", id), &cursor, 5000);
    QVERIFY2(!removed.isEmpty(), admin.rawBody().constData());
    QCOMPARE(removed.value("reason").toString(), QStringLiteral("expired"));
    QCOMPARE(m_http.get(service.url(adminSessionPath(id))).status, 404);
}

void tst_AdminApi::adminStreamEventsEvicted()
{
    ServiceProcess service;
    QVERIFY(startService(service,
                         QStringList {QStringLiteral("--pipeline"), QStringLiteral("external"),
                                      QStringLiteral("--max-events"), QStringLiteral("3")}));
    RawSseClient admin;
    admin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    for (int i = 1; i <= 5; ++i) {
        QCOMPARE(publishStatus(m_http, service, id,
                               eventJson(QStringLiteral("progress"), QStringLiteral("running"),
                                         QStringLiteral("n%1").arg(i))),
                 201);
    }
    int cursor = 1;
    QList<qint64> evictedAt;
    for (int i = 0; i < 2; ++i) {
        const QJsonObject message = waitForMessage(admin, kindIs("events_evicted", id), &cursor);
        QVERIFY2(!message.isEmpty(), admin.rawBody().constData());
        QCOMPARE(message.value("evicted").toInt(), 1);
        evictedAt.append(message.value("session").toObject().value("last_seq").toInteger());
        QCOMPARE(message.value("session").toObject().value("dropped_events").toInteger(), i + 1);
    }
    QCOMPARE(evictedAt, (QList<qint64> {4, 5}));
    // Only two: nothing was evicted by the first three appends.
    QVERIFY(waitForMessage(admin, kindIs("events_evicted", id), &cursor, 300).isEmpty());

    const QJsonObject summary = m_http.get(service.url(adminSessionPath(id))).json();
    QCOMPARE(summary.value("event_count").toInteger(), 5);
    QCOMPARE(summary.value("first_seq").toInteger(), 3);
    QCOMPARE(summary.value("last_seq").toInteger(), 5);
    QCOMPARE(summary.value("dropped_events").toInteger(), 2);
    QCOMPARE(summary.value("events").toArray().size(), 3);
}

void tst_AdminApi::adminStreamKeepaliveAndShutdown()
{
    ServiceProcess service;
    QVERIFY(
        startService(service, QStringList {QStringLiteral("--keepalive"), QStringLiteral("1")}));
    RawSseClient admin;
    admin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    QCOMPARE(admin.retryMs(), 3000);
    // Idle for the keep-alive interval: a comment keeps proxies from closing the stream.
    QTRY_VERIFY_WITH_TIMEOUT(admin.commentCount() >= 1, 5000);
    QVERIFY(admin.rawBody().contains(": keepalive\n\n"));
    // SIGTERM ends the admin stream cleanly and the service exits 0.
    QCOMPARE(terminateServing(service), 0);
    QTRY_VERIFY_WITH_TIMEOUT(admin.isFinished(), 5000);
}

void tst_AdminApi::adminStreamSlowSubscriber()
{
    // A subscriber that stops reading is cut off; the admin stream says why and how far
    // behind it was, so the console can show it.
    ServiceProcess service;
    QVERIFY(
        startService(service,
                     QStringList {QStringLiteral("--pipeline"), QStringLiteral("external"),
                                  QStringLiteral("--max-unsent-bytes"), QStringLiteral("262144")}));
    RawSseClient admin;
    admin.open(service.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    RawSseClient stalled;
    stalled.open(sseUrl(service, id));
    int cursor = 1;
    QVERIFY(!waitForMessage(admin, kindIs("subscriber_connected", id), &cursor).isEmpty());
    stalled.stopReading();
    const QString bulk(60000, QLatin1Char('x'));
    QJsonObject message;
    for (int i = 0; i < 400 && message.isEmpty(); ++i) {
        QCOMPARE(
            publishStatus(m_http, service, id,
                          eventJson(QStringLiteral("progress"), QStringLiteral("running"), bulk)),
            201);
        int probe = cursor;
        message = waitForMessage(admin, kindIs("subscriber_disconnected", id), &probe, 1);
    }
    QVERIFY2(!message.isEmpty(), "the stalled subscriber was never cut off");
    QCOMPARE(message.value("reason").toString(), QStringLiteral("slow_consumer"));
    const QJsonObject subscriber = message.value("subscriber").toObject();
    // 60 kB events, so the cut-off comes when about 196 kB or more were unsent.
    QVERIFY2(subscriber.value("lag_bytes").toInteger() > 190000,
             QJsonDocument(subscriber).toJson().constData());
    QVERIFY(subscriber.value("next_seq").toInteger() > 1);
    QVERIFY(subscriber.value("events_sent").toInteger() > 0);
    QCOMPARE(message.value("session").toObject().value("subscribers").toInteger(), 0);
    // Its payload never reached the admin stream.
    QVERIFY(!admin.rawBody().contains(bulk.left(1000).toUtf8()));
}

void tst_AdminApi::adminStreamSeesOtherInstances()
{
    // With a shared store, the console on one instance follows sessions served by another.
    if (!m_redis)
        QSKIP("needs a shared (Redis) store");
    const QStringList shared = storeArgs();
    ServiceProcess watched;
    ServiceProcess other;
    for (ServiceProcess *service : {&watched, &other}) {
        QVERIFY2(
            service->start(
                shared + QStringList {QStringLiteral("--pipeline"), QStringLiteral("external")}),
            qPrintable(service->errorText()));
        QVERIFY(waitUntilHealthy(m_http, *service));
    }
    RawSseClient admin;
    admin.open(watched.url(QStringLiteral("/api/admin/stream")));
    QTRY_VERIFY_WITH_TIMEOUT(admin.events().size() >= 1, 10000);
    int cursor = 1;
    const QString id = startSession(m_http, other);
    QVERIFY(!id.isEmpty());
    QVERIFY2(!waitForMessage(admin, kindIs("session_created", id), &cursor).isEmpty(),
             admin.rawBody().constData());
    // Events of another instance's session reach this instance while it streams the
    // session (contract section 17); creations, ends and removals always do.
    RawSseClient stream;
    QVERIFY(openStream(stream, sseUrl(watched, id)));
    QTRY_VERIFY_WITH_TIMEOUT(!m_redis
                                  ->cli({QStringLiteral("PUBSUB"), QStringLiteral("CHANNELS"),
                                         QStringLiteral("ssebuf:live:*:") + id})
                                  .isEmpty(),
                             5000);
    QCOMPARE(publishStatus(m_http, other, id,
                           eventJson(QStringLiteral("result"), QStringLiteral("completed"),
                                     QStringLiteral("done elsewhere"))),
             201);
    const QJsonObject appended = waitForMessage(admin, kindIs("event_appended", id), &cursor);
    QVERIFY2(!appended.isEmpty(), admin.rawBody().constData());
    QCOMPARE(appended.value("event").toObject().value("seq").toInteger(), 1);
    const QJsonObject ended = waitForMessage(admin, kindIs("session_ended", id), &cursor);
    QCOMPARE(ended.value("session").toObject().value("state").toString(),
             QStringLiteral("completed"));
    QCOMPARE(m_http.sendCustom("DELETE", other.url(adminSessionPath(id))).status, 204);
    const QJsonObject removed = waitForMessage(admin, kindIs("session_removed", id), &cursor);
    QCOMPARE(removed.value("reason").toString(), QStringLiteral("deleted"));
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    tst_AdminApi overMemory;
    int failures = QTest::qExec(&overMemory, argc, argv);
    if (!RedisProcess::isInstalled()) {
        qInfo("redis-server is not installed: the admin API is tested over memory only");
        return failures;
    }
    RedisProcess redis;
    if (!redis.start()) {
        qWarning("redis-server did not start: %s", qPrintable(redis.errorText()));
        return failures + 1;
    }
    tst_AdminApi overRedis(&redis);
    failures += QTest::qExec(&overRedis, argc, argv);
    return failures;
}
#include "tst_adminapi.moc"
