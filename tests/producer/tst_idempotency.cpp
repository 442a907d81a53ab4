// Contract section 10 (idempotent publish) and the idempotency rules of section 18, over
// real ssebufd processes: on the memory store, and on Redis with the retry sent to the
// other instance.

#include "producertest.h"

using namespace producertest;

class tst_Idempotency : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void retryWithSameKeyIsDuplicate();
    void keyWithOtherBodyIs422();
    void invalidHeaderKeyIs400_data();
    void invalidHeaderKeyIs400();
    void perEventKeyIsConsumed();
    void perEventKeyRetryIsDuplicate();
    void invalidPerEventKeyIs422_data();
    void invalidPerEventKeyIs422();
    void perEventKeyWithOtherEventIs422();
    void retriedFinalAfterEndIsDuplicate();
    void racingRetriesAppendOnce();
    void oldestKeysAreForgottenFirst();
    void headerAndEventKeysShareNamespace();
    void keysBelongToOneSession();

private:
    HttpTestReply publishKeyed(ServiceProcess &instance, const QString &id, const QString &message,
                               const QString &key);

    Cluster m_cluster;
};

// Publishes a running event with the message, carrying the key as its idempotency_key.
HttpTestReply tst_Idempotency::publishKeyed(ServiceProcess &instance, const QString &id,
                                            const QString &message, const QString &key)
{
    return m_cluster.publish(instance, id, keyed(eventJson(message), key));
}

void tst_Idempotency::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_Idempotency::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
}

// The first request appends (201); the same key and body again, to the other instance,
// appends nothing and answers 200 with the first answer plus "duplicate": true. A subscriber
// sees the event once.
void tst_Idempotency::retryWithSameKeyIsDuplicate()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QVERIFY(!id.isEmpty());
    RawSseClient subscriber;
    QSignalSpy headers(&subscriber, &RawSseClient::headersReceived);
    subscriber.open(m_cluster.sseUrl(m_cluster.b(), id));
    QVERIFY(headers.wait(5000));

    const QByteArray body = compact(eventJson(QStringLiteral("once")));
    const Headers key {{"Idempotency-Key", "req-1"}};
    const HttpTestReply first = m_cluster.publish(m_cluster.a(), id, body, key);
    QCOMPARE(first.status, 201);
    QCOMPARE(first.json(), (QJsonObject {{QStringLiteral("seq"), 1}}));
    const HttpTestReply retry = m_cluster.publish(m_cluster.b(), id, body, key);
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.json(),
             (QJsonObject {{QStringLiteral("seq"), 1}, {QStringLiteral("duplicate"), true}}));
    // A later event proves the duplicate was not delivered before it.
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("next"))).status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), (QList<qint64> {1, 2}), 5000);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), (QList<qint64> {1, 2}));
}

void tst_Idempotency::keyWithOtherBodyIs422()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const Headers key {{"Idempotency-Key", "req-1"}};
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("one")), key).status,
             201);
    const HttpTestReply reused
        = m_cluster.publish(m_cluster.b(), id, eventJson(QStringLiteral("two")), key);
    QCOMPARE(reused.status, 422);
    QCOMPARE(reused.json().value("error").toString(), QStringLiteral("idempotency_key_reused"));
    // Same event, other bytes (spacing): still another body for the header key.
    const HttpTestReply respaced = m_cluster.publish(
        m_cluster.b(), id, compact(eventJson(QStringLiteral("one"))).replace(",", ", "), key);
    QCOMPARE(respaced.status, 422);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), (QList<qint64> {1}));
}

void tst_Idempotency::invalidHeaderKeyIs400_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("256 characters") << QByteArray(256, 'k');
    QTest::newRow("space inside") << QByteArray("two words");
    QTest::newRow("not ASCII") << QByteArray("cl\xc3\xa9");
    QTest::newRow("control character") << QByteArray("tab\there");
}

void tst_Idempotency::invalidHeaderKeyIs400()
{
    QFETCH(QByteArray, key);
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("x")),
                                                  {{"Idempotency-Key", key}});
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value("error").toString(), QStringLiteral("invalid_idempotency_key"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {});
    // 255 printable characters are fine.
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), id, eventJson(QStringLiteral("x")),
                          {{"Idempotency-Key", QByteArray(255, '~')}})
                 .status,
             201);
}

// The "idempotency_key" field is consumed: neither the stream nor the JSON read shows it.
void tst_Idempotency::perEventKeyIsConsumed()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    RawSseClient subscriber;
    subscriber.open(m_cluster.sseUrl(m_cluster.b(), id));
    QCOMPARE(publishKeyed(m_cluster.a(), id, "k", "ev-1").status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), QList<qint64> {1}, 5000);
    QVERIFY(!subscriber.rawBody().contains("idempotency_key"));
    QVERIFY(!subscriber.rawBody().contains("ev-1"));
    const QByteArray read = m_cluster.events(m_cluster.a(), id).body;
    QVERIFY(read.contains("\"message\":\"k\""));
    QVERIFY(!read.contains("idempotency_key"));
}

void tst_Idempotency::perEventKeyRetryIsDuplicate()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QJsonObject one = keyed(eventJson(QStringLiteral("one")), "ev-1");
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, one).json().value("seq").toInteger(), 1);
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, eventJson(QStringLiteral("two"))).status, 201);
    // The same event in other spelling (key order, spacing) is the same event.
    const HttpTestReply retry = m_cluster.publish(
        m_cluster.b(), id,
        QByteArray(R"({ "idempotency_key": "ev-1", "message": "one", "status": "running",)"
                   R"( "type": "progress" })"));
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.json(),
             (QJsonObject {{QStringLiteral("seq"), 1}, {QStringLiteral("duplicate"), true}}));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), (QList<qint64> {1, 2}));
}

void tst_Idempotency::invalidPerEventKeyIs422_data()
{
    QTest::addColumn<QJsonValue>("key");
    QTest::newRow("empty") << QJsonValue(QString());
    QTest::newRow("256 characters") << QJsonValue(QString(256, QLatin1Char('k')));
    QTest::newRow("space") << QJsonValue(QStringLiteral("a b"));
    QTest::newRow("not ASCII") << QJsonValue(QStringLiteral("cl\u00e9"));
    QTest::newRow("number") << QJsonValue(7);
    QTest::newRow("null") << QJsonValue(QJsonValue::Null);
}

void tst_Idempotency::invalidPerEventKeyIs422()
{
    QFETCH(QJsonValue, key);
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QJsonObject json = eventJson(QStringLiteral("x"));
    json.insert(QStringLiteral("idempotency_key"), key);
    const HttpTestReply reply = m_cluster.publish(m_cluster.a(), id, json);
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("idempotency_key"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {});
}

void tst_Idempotency::perEventKeyWithOtherEventIs422()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(publishKeyed(m_cluster.a(), id, "one", "k").status, 201);
    const HttpTestReply reused = publishKeyed(m_cluster.b(), id, "other", "k");
    QCOMPARE(reused.status, 422);
    QCOMPARE(reused.json().value("error").toString(), QStringLiteral("idempotency_key_reused"));
    QCOMPARE(reused.json().value("field").toString(), QStringLiteral("idempotency_key"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {1});
}

// Retrying the final event that ended the session answers 200 duplicate, not 409; anything
// new after the end is still 409.
void tst_Idempotency::retriedFinalAfterEndIsDuplicate()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QByteArray final
        = compact(eventJson(QStringLiteral("done"), QStringLiteral("completed")));
    const Headers key {{"Idempotency-Key", "final-1"}};
    QCOMPARE(m_cluster.publish(m_cluster.a(), id, final, key).status, 201);
    const HttpTestReply retry = m_cluster.publish(m_cluster.b(), id, final, key);
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.json().value("duplicate").toBool(), true);
    QCOMPARE(retry.json().value("seq").toInteger(), 1);
    // The per-event form, too.
    const QString other = m_cluster.startSession(m_cluster.a());
    const QJsonObject keyedFinal
        = keyed(eventJson(QStringLiteral("done"), QStringLiteral("failed")), "final-2");
    QCOMPARE(m_cluster.publish(m_cluster.a(), other, keyedFinal).status, 201);
    QCOMPARE(m_cluster.publish(m_cluster.b(), other, keyedFinal).status, 200);
    QCOMPARE(m_cluster.publish(m_cluster.b(), other, eventJson(QStringLiteral("late"))).status,
             409);
    QCOMPARE(m_cluster.publish(m_cluster.b(), id, final, {{"Idempotency-Key", "new"}}).status, 409);
}

// Many requests with one key in flight at once, on both instances: exactly one appends,
// every other answers 200 duplicate with the same seq.
void tst_Idempotency::racingRetriesAppendOnce()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    const QByteArray body = compact(eventJson(QStringLiteral("raced")));
    QNetworkAccessManager managers[2];
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 12; ++i) {
        ServiceProcess &target = i % 2 ? m_cluster.b() : m_cluster.a();
        QNetworkRequest request(target.url(ApiPaths::sessionEvents(ApiPaths::segment(id))));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setRawHeader("Idempotency-Key", "raced-key");
        replies.append(managers[i % 2].post(request, body));
    }
    for (QNetworkReply *reply : std::as_const(replies))
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    int created = 0;
    int duplicates = 0;
    for (QNetworkReply *reply : std::as_const(replies)) {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(answer.value("seq").toInteger(), 1);
        if (status == 201)
            ++created;
        else if (status == 200 && answer.value("duplicate").toBool())
            ++duplicates;
        reply->deleteLater();
    }
    QCOMPARE(created, 1);
    QCOMPARE(duplicates, 11);
    QCOMPARE(m_cluster.seqs(m_cluster.b(), id), QList<qint64> {1});
}

// --max-idempotency-keys 3: past three keys the oldest (by first use) is forgotten.
void tst_Idempotency::oldestKeysAreForgottenFirst()
{
    QVERIFY(m_cluster.start({QStringLiteral("--max-idempotency-keys"), QStringLiteral("3")}));
    const QString id = m_cluster.startSession(m_cluster.a());
    for (int i = 1; i <= 4; ++i) {
        const QJsonObject json
            = keyed(eventJson(QStringLiteral("e%1").arg(i)), QStringLiteral("k%1").arg(i));
        QCOMPARE(m_cluster.publish(m_cluster.a(), id, json).status, 201);
    }
    // A duplicate does not count as a new use.
    QCOMPARE(publishKeyed(m_cluster.b(), id, "e2", "k2").status, 200);
    QCOMPARE(publishKeyed(m_cluster.b(), id, "e4", "k4").status, 200);
    const HttpTestReply forgotten = publishKeyed(m_cluster.b(), id, "e1", "k1");
    QCOMPARE(forgotten.status, 201);
    QCOMPARE(forgotten.json().value("seq").toInteger(), 5);
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), range(1, 5));
}

// A header key and a per-event key are one namespace: K used by the header cannot name
// another event in a body.
void tst_Idempotency::headerAndEventKeysShareNamespace()
{
    QVERIFY(m_cluster.start());
    const QString id = m_cluster.startSession(m_cluster.a());
    QCOMPARE(m_cluster
                 .publish(m_cluster.a(), id, eventJson(QStringLiteral("by header")),
                          {{"Idempotency-Key", "shared"}})
                 .status,
             201);
    const HttpTestReply reply = publishKeyed(m_cluster.b(), id, "by field", "shared");
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.json().value("field").toString(), QStringLiteral("idempotency_key"));
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), QList<qint64> {1});
}

void tst_Idempotency::keysBelongToOneSession()
{
    QVERIFY(m_cluster.start());
    const QString first = m_cluster.startSession(m_cluster.a());
    const QString second = m_cluster.startSession(m_cluster.a());
    const QByteArray body = compact(eventJson(QStringLiteral("same")));
    const Headers key {{"Idempotency-Key", "k"}};
    QCOMPARE(m_cluster.publish(m_cluster.a(), first, body, key).status, 201);
    QCOMPARE(m_cluster.publish(m_cluster.b(), second, body, key).status, 201);
    QCOMPARE(m_cluster.publish(m_cluster.b(), second, body, key).status, 200);
}

QTEST_GUILESS_MAIN(tst_Idempotency)
#include "tst_idempotency.moc"
