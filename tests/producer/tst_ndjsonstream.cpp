// Contract section 12 (streaming publish) across instances: on the memory store (one ssebufd)
// and, as tst_ndjsonstream_redis, two ssebufd instances on one real Redis, where the stream
// goes to a(), the subscriber, the other producer, the cancel and the retry to b().

#include "ndjsonproducer.h"
#include "producertest.h"

#include <QElapsedTimer>

using namespace producertest;

namespace {

QByteArray line(const QJsonObject &event)
{
    return compact(event) + '\n';
}

} // namespace

class tst_NdjsonStream : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void deliveredOnTheOtherInstanceWhileOpen();
    void cancelOnTheOtherInstance409AtOnce();
    void finalOnTheOtherInstance409AtOnce();
    void resumedOnTheOtherInstanceExactlyOnce();

private:
    Cluster m_cluster;
};

void tst_NdjsonStream::initTestCase()
{
    QString skip;
    if (!m_cluster.prepare(&skip)) {
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QFAIL("redis-server did not start");
    }
}

void tst_NdjsonStream::init()
{
    QVERIFY(m_cluster.start());
}

void tst_NdjsonStream::cleanup()
{
    m_cluster.dumpOnFailure();
    m_cluster.stop();
}

void tst_NdjsonStream::deliveredOnTheOtherInstanceWhileOpen()
{
    const QString id = m_cluster.startSession(m_cluster.a());
    RawSseClient subscriber;
    subscriber.open(m_cluster.sseUrl(m_cluster.b(), id));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.headersDone(), 5000);
    NdjsonProducer producer(m_cluster.a());
    QVERIFY(producer.open(id));
    producer.send(line(eventJson("one")) + line(eventJson("two")));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), range(1, 2), 5000);
    QVERIFY(!producer.hasResponse());
    producer.send(line(eventJson("three")));
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), range(1, 3), 5000);
    QVERIFY(!producer.hasResponse());
    producer.send(line(eventJson("done", "completed")));
    producer.end();
    QVERIFY(producer.waitResponse());
    QCOMPARE(producer.status(), 201);
    QCOMPARE(producer.json(),
             QJsonObject({{"first_seq", 1}, {"last_seq", 4}, {"count", 4}, {"duplicates", 0}}));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isFinished(), 5000);
    QCOMPARE(subscriber.sequence(), range(1, 4));
}

void tst_NdjsonStream::cancelOnTheOtherInstance409AtOnce()
{
    const QString id = m_cluster.startSession(m_cluster.a());
    NdjsonProducer producer(m_cluster.a());
    QVERIFY(producer.open(id));
    producer.send(line(eventJson("one")));
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.seqs(m_cluster.b(), id), range(1, 1), 5000);
    QElapsedTimer sinceCancel;
    sinceCancel.start();
    const HttpTestReply cancelled = m_cluster.cancel(m_cluster.b(), id);
    QCOMPARE(cancelled.status, 200);
    // Answered without another byte from the producer, within the cross-instance bound (1 s).
    QVERIFY(producer.waitResponse(5000));
    QVERIFY2(sinceCancel.elapsed() < 1500, qPrintable(QString::number(sinceCancel.elapsed())));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("reason").toString(), QStringLiteral("cancelled"));
    QCOMPARE(producer.json().value("count").toInt(), 1);
    QVERIFY(producer.waitClosed());
    QCOMPARE(m_cluster.seqs(m_cluster.a(), id), range(1, 2)); // the event and the cancel
}

void tst_NdjsonStream::finalOnTheOtherInstance409AtOnce()
{
    const QString id = m_cluster.startSession(m_cluster.a());
    NdjsonProducer producer(m_cluster.a());
    QVERIFY(producer.open(id));
    producer.send(line(eventJson("one")));
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.seqs(m_cluster.b(), id), range(1, 1), 5000);
    QCOMPARE(m_cluster.publish(m_cluster.b(), id, eventJson("over", "failed")).status, 201);
    QVERIFY(producer.waitResponse(5000));
    QCOMPARE(producer.status(), 409);
    QCOMPARE(producer.json().value("error").toString(), QStringLiteral("session_ended"));
    QVERIFY(!producer.json().contains("reason"));
    QVERIFY(producer.waitClosed());
}

void tst_NdjsonStream::resumedOnTheOtherInstanceExactlyOnce()
{
    const QString id = m_cluster.startSession(m_cluster.a());
    RawSseClient subscriber;
    subscriber.open(m_cluster.sseUrl(m_cluster.a(), id));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.headersDone(), 5000);
    QList<QByteArray> lines;
    for (int i = 1; i <= 10; ++i)
        lines.append(line(keyed(eventJson(QStringLiteral("token %1").arg(i)),
                                QStringLiteral("%1:%2").arg(id).arg(i))));
    lines.append(line(keyed(eventJson("answer", "completed"), id + QStringLiteral(":final"))));
    {
        NdjsonProducer first(m_cluster.a());
        QVERIFY(first.open(id));
        for (int i = 0; i < 4; ++i)
            first.send(lines.at(i));
        QTRY_COMPARE_WITH_TIMEOUT(subscriber.sequence(), range(1, 4), 5000);
        first.send(lines.at(4).left(12));
        first.abort();
    }
    // The retry lands on the other instance: still a duplicate for the first four.
    NdjsonProducer retry(m_cluster.b());
    QVERIFY(retry.open(id));
    QByteArray all;
    for (const QByteArray &bytes : std::as_const(lines))
        all += bytes;
    retry.send(all.left(all.size() / 2));
    retry.send(all.mid(all.size() / 2));
    retry.end();
    QVERIFY(retry.waitResponse());
    QCOMPARE(retry.status(), 201);
    QCOMPARE(retry.json(),
             QJsonObject({{"first_seq", 5}, {"last_seq", 11}, {"count", 7}, {"duplicates", 4}}));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isFinished(), 5000);
    QCOMPARE(subscriber.sequence(), range(1, 11));
    const QList<QJsonObject> events = subscriber.jsonEvents();
    for (int i = 0; i < 10; ++i)
        QCOMPARE(events.at(i).value("message").toString(), QStringLiteral("token %1").arg(i + 1));
}

QTEST_GUILESS_MAIN(tst_NdjsonStream)
#include "tst_ndjsonstream.moc"
