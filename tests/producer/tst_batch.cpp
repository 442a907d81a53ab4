// Contract section 11 (batch publish) and the batch rules of section 18, over real ssebufd
// processes: memory store, and two instances on one Redis.

#include "producertest.h"

using namespace producertest;

class tst_Batch : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void batchAppendsConsecutiveSeqs();
    void batchIsNotInterleaved();
    void badElementRejectsWholeBatch_data();
    void badElementRejectsWholeBatch();
    void finalOnlyAsLastElement();
    void finalAsLastElementEndsSession();
    void emptyArrayIs422();
    void tooManyEventsIs422();
    void endedSessionIs409();
    void overBodyLimitIs413();
    void unknownSessionIs404();
    void batchReachesSubscriberInOneWrite();
    void headerKeyCoversWholeBatch();
    void perEventDuplicatesAreSkipped();
    void allDuplicatesAnswer200();
    void perEventKeyReusedRejectsBatch();

private:
    QJsonArray events(int count, const QString &prefix = QStringLiteral("b"));

    Cluster m_cluster;
};

void tst_Batch::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_Batch::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
}

QJsonArray tst_Batch::events(int count, const QString &prefix)
{
    QJsonArray array;
    for (int i = 1; i <= count; ++i)
        array.append(eventJson(QStringLiteral("%1%2").arg(prefix).arg(i)));
    return array;
}

void tst_Batch::batchAppendsConsecutiveSeqs()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("single"))).status, 201);
    const HttpTestReply reply = m_cluster.publish(m_cluster.b(), id, events(5));
    QCOMPARE(reply.status, 201);
    QCOMPARE(reply.json(),
             (QJsonObject {{QStringLiteral("first_seq"), 2},
                           {QStringLiteral("last_seq"), 6},
                           {QStringLiteral("count"), 5},
                           {QStringLiteral("duplicates"), 0}}));
    const QJsonArray stored = m_cluster.events(m_cluster.a(), id).json().value("events").toArray();
    QCOMPARE(stored.size(), 6);
    for (int i = 1; i <= 5; ++i) {
        QCOMPARE(stored.at(i).toObject().value("seq").toInteger(), i + 1);
        QCOMPARE(stored.at(i).toObject().value("message").toString(), QStringLiteral("b%1").arg(i));
    }
}

// Batches racing single events from another producer (on the other instance): each batch's
// events keep consecutive seqs, nothing in between.
void tst_Batch::batchIsNotInterleaved()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QNetworkAccessManager singles;
    QNetworkAccessManager batches;
    QList<QNetworkReply *> singleReplies;
    QList<QNetworkReply *> batchReplies;
    auto post
        = [&](QNetworkAccessManager &manager, ServiceProcess &target, const QByteArray &body) {
              QNetworkRequest request(target.url(ApiPaths::sessionEvents(ApiPaths::segment(id))));
              request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
              return manager.post(request, body);
          };
    for (int i = 0; i < 6; ++i) {
        batchReplies.append(
            post(batches, m_cluster.a(), compact(events(20, QStringLiteral("batch%1-").arg(i)))));
        for (int j = 0; j < 5; ++j)
            singleReplies.append(
                post(singles, m_cluster.b(), compact(eventJson(QStringLiteral("single")))));
    }
    for (QNetworkReply *reply : singleReplies + batchReplies)
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000);
    const QJsonArray stored = m_cluster.events(m_cluster.a(), id, QStringLiteral("limit=1000"))
                                  .json()
                                  .value("events")
                                  .toArray();
    QCOMPARE(stored.size(), 6 * 20 + 30);
    for (int i = 0; i < batchReplies.size(); ++i) {
        QNetworkReply *reply = batchReplies.at(i);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        const qint64 first = answer.value("first_seq").toInteger();
        QCOMPARE(answer.value("last_seq").toInteger(), first + 19);
        for (int n = 0; n < 20; ++n)
            QCOMPARE(stored.at(first - 1 + n).toObject().value("message").toString(),
                     QStringLiteral("batch%1-%2").arg(i).arg(n + 1));
    }
    qDeleteAll(singleReplies + batchReplies);
}

void tst_Batch::badElementRejectsWholeBatch_data()
{
    QTest::addColumn<QJsonValue>("bad");
    QTest::addColumn<QString>("field");
    QTest::newRow("no type") << QJsonValue(QJsonObject {{"status", "running"}, {"message", "m"}})
                             << QStringLiteral("type");
    QTest::newRow("bad status") << QJsonValue(
        QJsonObject {{"type", "t"}, {"status", "maybe"}, {"message", "m"}})
                                << QStringLiteral("status");
    QTest::newRow("progress 101") << QJsonValue(
        QJsonObject {{"type", "t"}, {"status", "running"}, {"message", "m"}, {"progress", 101}})
                                  << QStringLiteral("progress");
    QTest::newRow("bad key") << QJsonValue(QJsonObject {
        {"type", "t"}, {"status", "running"}, {"message", "m"}, {"idempotency_key", ""}})
                             << QStringLiteral("idempotency_key");
    QTest::newRow("not an object") << QJsonValue(42) << QString();
}

void tst_Batch::badElementRejectsWholeBatch()
{
    QFETCH(QJsonValue, bad);
    QFETCH(QString, field);
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonArray batch = events(4);
    batch.insert(2, bad);
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, batch);
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("index").toInt(-1), 2);
    QCOMPARE(reply.json().value("field").toString(), field);
    QCOMPARE(m_cluster.seqs(m_cluster.b(), id), QList<qint64> {});
    // The session is as it was: the next publish gets seq 1.
    QCOMPARE(m_cluster.publish(m_cluster.b(), id, eventJson(QStringLiteral("after")))
                 .json()
                 .value("seq")
                 .toInteger(),
             1);
}

void tst_Batch::finalOnlyAsLastElement()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonArray batch = events(3);
    batch.insert(1, eventJson(QStringLiteral("end"), QStringLiteral("completed")));
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, batch);
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("index").toInt(-1), 1);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("final"));
    QCOMPARE(m_cluster.summary(m_cluster.b(), id).value("state").toString(),
             QStringLiteral("running"));
    QCOMPARE(m_cluster.seqs(m_cluster.b(), id), QList<qint64> {});
}

void tst_Batch::finalAsLastElementEndsSession()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    RawSseClient subscriber;
    QSignalSpy finished(&subscriber, &RawSseClient::finished);
    subscriber.open(m_cluster.sseUrl(m_cluster.b(), id));
    QJsonArray batch = events(3);
    batch.append(eventJson(QStringLiteral("end"), QStringLiteral("completed")));
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, batch).json().value("last_seq").toInteger(), 4);
    QVERIFY(finished.count() > 0 || finished.wait(5000));
    QCOMPARE(subscriber.sequence(), range(1, 4));
    QCOMPARE(m_cluster.summary(m_cluster.b(), id).value("state").toString(),
             QStringLiteral("completed"));
}

void tst_Batch::emptyArrayIs422()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, QByteArray("[]"));
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("empty_batch"));
}

void tst_Batch::tooManyEventsIs422()
{
    QVERIFY(m_cluster.start({QStringLiteral("--max-batch-events"), QStringLiteral("3")}));
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, events(4)).status, 422);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {});
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, events(3)).status, 201);
}

void tst_Batch::endedSessionIs409()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(
        m_cluster
            .publish(m_cluster.a(), id, eventJson(QStringLiteral("end"), QStringLiteral("failed")))
            .status,
        201);
    const HttpTestReply reply = m_cluster.publish(m_cluster.b(), id, events(2));
    QCOMPARE(reply.status, 409);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("session_ended"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {1});
}

void tst_Batch::overBodyLimitIs413()
{
    QVERIFY(m_cluster.start({QStringLiteral("--max-body-bytes"), QStringLiteral("2048")}));
    const QString id = m_cluster.startSession(m_cluster.a());
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, events(40));
    QCOMPARE(reply.status, 413);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {});
}

void tst_Batch::unknownSessionIs404()
{
    QVERIFY(m_cluster.start());
    QCOMPARE(
        m_cluster
            .publish(m_cluster.a(), QStringLiteral("session_20260101_000000_nothere"), events(2))
            .status,
        404);
}

// A batch is delivered to each subscriber together: one sendmsg per stream for all of it.
void tst_Batch::batchReachesSubscriberInOneWrite()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    RawSseClient subscriber;
    QSignalSpy headers(&subscriber, &RawSseClient::headersReceived);
    subscriber.open(m_cluster.sseUrl(m_cluster.b(), id));
    QVERIFY(headers.wait(5000));
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("warm-up"))).status,
             201);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64> {1}, 5000);
    const qint64 before = m_cluster.metric(m_cluster.b(), "ssebuf_stream_send_calls_total");
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, events(25)).status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), range(1, 26), 5000);
    QCOMPARE(m_cluster.metric(m_cluster.b(), "ssebuf_stream_send_calls_total"), before + 1);
    QCOMPARE(m_cluster.metric(m_cluster.a(), "ssebuf_publish_batches_total"), 1);
    QCOMPARE(m_cluster.metric(m_cluster.a(), "ssebuf_publish_batch_events_sum"), 25);
}

void tst_Batch::headerKeyCoversWholeBatch()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QByteArray body = compact(events(3));
    const Headers key {{"Idempotency-Key", "batch-1"}};
    const HttpTestReply first = m_cluster.publish(m_cluster.a(), id, body, key);
    QCOMPARE(first.status, 201);
    const HttpTestReply retry = m_cluster.publish(m_cluster.b(), id, body, key);
    QCOMPARE(retry.status, 200);
    QJsonObject expected = first.json();
    expected.insert(QStringLiteral("duplicate"), true);
    QCOMPARE(retry.json(), expected);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), range(1, 3));
    QCOMPARE(m_cluster.publish(m_cluster.b(), id, compact(events(2)), key).status, 422);
    QVERIFY(m_cluster.metric(m_cluster.b(), "ssebuf_publish_duplicates_total") >= 1);
}

void tst_Batch::perEventDuplicatesAreSkipped()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QJsonObject a = keyed(eventJson(QStringLiteral("a")), "a");
    const QJsonObject b = keyed(eventJson(QStringLiteral("b")), "b");
    const QJsonObject c = keyed(eventJson(QStringLiteral("c")), "c");
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, QJsonArray {a, b}).status, 201);
    // A dropped connection: the producer resends the whole batch plus what came next, and
    // repeats an event inside the batch.
    const HttpTestReply resend = m_cluster.publish(m_cluster.b(), id, QJsonArray {a, b, c, c});
    QCOMPARE(resend.status, 201);
    QCOMPARE(resend.json(),
             (QJsonObject {{QStringLiteral("first_seq"), 3},
                           {QStringLiteral("last_seq"), 3},
                           {QStringLiteral("count"), 1},
                           {QStringLiteral("duplicates"), 3}}));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), range(1, 3));
}

void tst_Batch::allDuplicatesAnswer200()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QJsonArray batch {keyed(eventJson(QStringLiteral("a")), "a"),
                            keyed(eventJson(QStringLiteral("b")), "b")};
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, batch).status, 201);
    const HttpTestReply again = m_cluster.publish(m_cluster.b(), id, batch);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json(),
             (QJsonObject {{QStringLiteral("first_seq"), QJsonValue()},
                           {QStringLiteral("last_seq"), QJsonValue()},
                           {QStringLiteral("count"), 0},
                           {QStringLiteral("duplicates"), 2}}));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), range(1, 2));
}

void tst_Batch::perEventKeyReusedRejectsBatch()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(
        m_cluster.publish(m_cluster.a(), id, keyed(eventJson(QStringLiteral("a")), "a")).status,
        201);
    const QJsonArray batch {eventJson(QStringLiteral("fresh")),
                            keyed(eventJson(QStringLiteral("not a")), "a")};
    const HttpTestReply reply = m_cluster.publish(m_cluster.b(), id, batch);
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("index").toInt(-1), 1);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("idempotency_key"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {1});
    // Within one batch, too.
    const QJsonArray inner {keyed(eventJson(QStringLiteral("x")), "x"),
                            keyed(eventJson(QStringLiteral("y")), "x")};
    QCOMPARE(m_cluster.publish(m_cluster.b(), id, inner).json().value("index").toInt(-1), 1);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {1});
}

QTEST_GUILESS_MAIN(tst_Batch)
#include "tst_batch.moc"
