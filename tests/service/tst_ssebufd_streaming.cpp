// Contract section 2 against the real ssebufd: the stream's framing, resuming, 204 and 404,
// keep-alives, gaps after eviction, many subscribers, the replay/live race, clients that
// vanish, and a clean end on SIGTERM.

#include "bulkpublisher.h"
#include "rawexchange.h"
#include "sessiontestkit.h"

#include <QElapsedTimer>
#include <QSignalSpy>

#include <csignal>

using ssebuf::SseParser;
using namespace testkit;

class tst_SsebufdStreaming : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void headersAndRetryFirst();
    void resumePoint_data();
    void resumePoint();
    void invalidLastEventId();
    void finishedSession_data();
    void finishedSession();
    void liveEventsThenEndAfterTerminal();
    void failedTerminalEventEndsStream();
    void keepAlive();
    void gapAfterEviction_data();
    void gapAfterEviction();
    void manySubscribers();
    void sessionsAreSeparate();
    void streamOnReusedConnection();
    void replayLiveRace();
    void lateClientReplaysThousandEvents();
    void vanishedClientCostsNothing();
    void signalEndsStreamsCleanly_data();
    void signalEndsStreamsCleanly();

private:
    QString sessionWithEvents(int count, bool finished);

    ServiceProcess m_service; // external pipeline
    HttpTestClient m_http;
};

void tst_SsebufdStreaming::initTestCase()
{
    QVERIFY2(m_service.start({"--pipeline", "external"}), qPrintable(m_service.errorText()));
}

QString tst_SsebufdStreaming::sessionWithEvents(int count, bool finished)
{
    const QString id = startSession(m_http, m_service);
    for (int i = 1; i <= count; ++i) {
        const bool last = finished && i == count;
        if (publishSeq(m_http, m_service, id, last ? finalEvent() : progressEvent(i)) != i)
            return {};
    }
    return id;
}

void tst_SsebufdStreaming::headersAndRetryFirst()
{
    const QString id = sessionWithEvents(2, false);
    QVERIFY(!id.isEmpty());
    RawSseClient client;
    client.open(sseUrl(m_service, id));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), range(1, 2), 5000);
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.header("Content-Type"), QByteArray("text/event-stream"));
    QCOMPARE(client.header("Cache-Control"), QByteArray("no-cache"));
    QCOMPARE(client.header("X-Accel-Buffering"), QByteArray("no"));
    // The very first bytes of the body are the retry line, then the events, each framed as
    // "id: <seq>\ndata: <one line of JSON>\n\n".
    const QByteArray body = client.rawBody();
    QVERIFY2(body.startsWith("retry: 3000\n\nid: 1\ndata: {"), body.left(40).constData());
    QCOMPARE(client.retryMs(), 3000);
    QCOMPARE(body.count("\ndata: "), 2);
    QVERIFY(!body.contains("event:"));
    QVERIFY(body.endsWith("}\n\n"));
    QVERIFY(!client.isFinished());
}

void tst_SsebufdStreaming::resumePoint_data()
{
    QTest::addColumn<QByteArray>("header"); // Last-Event-ID; empty: none
    QTest::addColumn<QString>("query");
    QTest::addColumn<QList<qint64>>("expected");

    QTest::newRow("from start") << QByteArray() << QString() << range(1, 5);
    QTest::newRow("header") << QByteArray("3") << QString() << range(4, 5);
    QTest::newRow("header 0") << QByteArray("0") << QString() << range(1, 5);
    QTest::newRow("query") << QByteArray() << "last_event_id=2" << range(3, 5);
    QTest::newRow("header wins over query") << QByteArray("4") << "last_event_id=1" << range(5, 5);
    QTest::newRow("header 0 wins over query")
        << QByteArray("0") << "last_event_id=4" << range(1, 5);
    QTest::newRow("header with spaces") << QByteArray(" 2 ") << QString() << range(3, 5);
}

void tst_SsebufdStreaming::resumePoint()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, query);
    QFETCH(QList<qint64>, expected);
    const QString id = sessionWithEvents(5, false);
    QVERIFY(!id.isEmpty());
    RawSseClient client;
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!header.isNull())
        headers.append({"Last-Event-ID", header});
    client.open(sseUrl(m_service, id, query), headers);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), expected, 5000);
    // Then live events follow on the same stream.
    QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(6)), 6);
    expected.append(6);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), expected, 5000);
    QCOMPARE(client.events().size(), expected.size()); // no gap event
}

void tst_SsebufdStreaming::invalidLastEventId()
{
    const QString id = sessionWithEvents(1, false);
    for (const QByteArray value :
         {QByteArray("abc"), QByteArray("-1"), QByteArray("1.5"), QByteArray("9223372036854775807"),
          QByteArray("9223372036854775808"), QByteArray("9007199254740992")}) {
        const HttpTestReply reply = m_http.get(sseUrl(m_service, id), {{"Last-Event-ID", value}});
        QVERIFY2(reply.status == 400, value.constData());
        QVERIFY(!reply.json().value("error").toString().isEmpty());
    }
    QCOMPARE(m_http.get(sseUrl(m_service, id, "last_event_id=x")).status, 400);
    QCOMPARE(m_http.get(sseUrl(m_service, id, "last_event_id=9223372036854775807")).status, 400);
    // The largest id a JSON client holds exactly is accepted. It is beyond what the store
    // holds, so the stream says so (the store_reset gap of contract section 17) and goes on
    // from what the store has; the service is unharmed.
    RawSseClient client;
    client.open(sseUrl(m_service, id), {{"Last-Event-ID", "9007199254740991"}});
    QTRY_VERIFY_WITH_TIMEOUT(client.rawBody().startsWith("retry: "), 5000);
    QCOMPARE(client.status(), 200);
    QTRY_COMPARE_WITH_TIMEOUT(client.events().size(), 1, 5000);
    const QJsonObject gap = client.jsonEvents().first();
    QCOMPARE(gap.value("reason").toString(), QStringLiteral("store_reset"));
    QCOMPARE(gap.value("missed_from").toInteger(), 2);
    QCOMPARE(gap.value("missed_to").toInteger(), Q_INT64_C(9007199254740991));
    QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(2)), 2);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), QList<qint64> {2}, 5000);
    QCOMPARE(m_http.get(m_service.url("/healthz")).status, 200);
    QCOMPARE(m_service.process().state(), QProcess::Running);
}

void tst_SsebufdStreaming::finishedSession_data()
{
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<int>("status");
    QTest::addColumn<QList<qint64>>("expected");

    // Events 1..3, the third terminal.
    QTest::newRow("all") << QByteArray("0") << 200 << range(1, 3);
    QTest::newRow("the terminal one") << QByteArray("2") << 200 << range(3, 3);
    QTest::newRow("at the end") << QByteArray("3") << 204 << QList<qint64> {};
    QTest::newRow("past the end") << QByteArray("50") << 204 << QList<qint64> {};
}

void tst_SsebufdStreaming::finishedSession()
{
    QFETCH(QByteArray, lastEventId);
    QFETCH(int, status);
    QFETCH(QList<qint64>, expected);
    const QString id = sessionWithEvents(3, true);
    QVERIFY(!id.isEmpty());
    RawSseClient client;
    client.open(sseUrl(m_service, id), {{"Last-Event-ID", lastEventId}});
    QTRY_VERIFY_WITH_TIMEOUT(client.headersDone(), 5000);
    QCOMPARE(client.status(), status);
    // A 204 is a complete answer on a connection that stays usable; a stream ends with the
    // connection.
    if (status == 200)
        QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    QCOMPARE(client.sequence(), expected);
    if (status == 204)
        QVERIFY(client.rawBody().isEmpty());
    QCOMPARE(m_http.get(sseUrl(m_service, id, "last_event_id=" + lastEventId)).status, status);
}

void tst_SsebufdStreaming::liveEventsThenEndAfterTerminal()
{
    const QString id = startSession(m_http, m_service);
    RawSseClient client;
    client.open(sseUrl(m_service, id));
    QTRY_VERIFY_WITH_TIMEOUT(client.headersDone(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(client.rawBody().startsWith("retry: "), 5000);
    for (int i = 1; i <= 3; ++i) {
        QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(i)), i);
        QTRY_COMPARE_WITH_TIMEOUT(client.sequence().size(), i, 5000);
    }
    QVERIFY(!client.isFinished());
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), 4);
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    QCOMPARE(client.sequence(), range(1, 4));
    const QJsonObject last = client.jsonEvents().last();
    QCOMPARE(last.value("final").toBool(), true);
    QCOMPARE(last.value("status").toString(), QStringLiteral("completed"));
    // Ended by the server with a clean close, right after the terminal event.
    QCOMPARE(client.socket()->error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(client.rawBody().endsWith(client.events().last().data + "\n\n"));
}

void tst_SsebufdStreaming::failedTerminalEventEndsStream()
{
    const QString id = sessionWithEvents(2, false);
    RawSseClient client;
    client.open(sseUrl(m_service, id));
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), range(1, 2), 5000);
    const QJsonObject failed {{"type", "error"}, {"status", "failed"}, {"message", "boom"}};
    QCOMPARE(publishSeq(m_http, m_service, id, failed), 3);
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    QCOMPARE(client.sequence(), range(1, 3));
    const QJsonObject last = client.jsonEvents().last();
    QCOMPARE(last.value("status").toString(), QStringLiteral("failed"));
    QCOMPARE(last.value("final").toBool(), true);
    QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(4)), -409);
    QCOMPARE(m_http.get(sseUrl(m_service, id, "last_event_id=3")).status, 204);
}

void tst_SsebufdStreaming::keepAlive()
{
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--keepalive", "1"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    RawSseClient client;
    QSignalSpy comments(&client, &RawSseClient::commentReceived);
    QElapsedTimer elapsed;
    elapsed.start();
    client.open(sseUrl(service, id));
    QTRY_VERIFY_WITH_TIMEOUT(client.commentCount() >= 2, 5000);
    // Not more often than the interval.
    QVERIFY2(elapsed.elapsed() >= 1500, qPrintable(QString::number(elapsed.elapsed())));
    QVERIFY(client.rawBody().contains("\n\n: keepalive\n\n"));
    QVERIFY(client.events().isEmpty());
    // Events still come, and a stream that is busy needs no keep-alive.
    QCOMPARE(publishSeq(http, service, id, progressEvent(1)), 1);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), QList<qint64> {1}, 5000);
}

void tst_SsebufdStreaming::gapAfterEviction_data()
{
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<qint64>("missedFrom"); // 0: no gap
    QTest::addColumn<qint64>("missedTo");

    // Events 1..10 published with --max-events 5: 6..10 are retained.
    QTest::newRow("from the start") << QByteArray() << qint64(1) << qint64(5);
    QTest::newRow("after 3") << QByteArray("3") << qint64(4) << qint64(5);
    QTest::newRow("after 5: no gap") << QByteArray("5") << qint64(0) << qint64(0);
    QTest::newRow("after 7: no gap") << QByteArray("7") << qint64(0) << qint64(0);
}

void tst_SsebufdStreaming::gapAfterEviction()
{
    QFETCH(QByteArray, lastEventId);
    QFETCH(qint64, missedFrom);
    QFETCH(qint64, missedTo);
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external", "--max-events", "5"}),
             qPrintable(service.errorText()));
    HttpTestClient http;
    const QString id = startSession(http, service);
    for (int i = 1; i <= 10; ++i)
        QCOMPARE(publishSeq(http, service, id, progressEvent(i)), i);

    RawSseClient client;
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!lastEventId.isEmpty())
        headers.append({"Last-Event-ID", lastEventId});
    client.open(sseUrl(service, id), headers);
    const qint64 resume = lastEventId.toLongLong();
    const QList<qint64> expected = range(qMax<qint64>(6, resume + 1), 10);
    QTRY_COMPARE_WITH_TIMEOUT(client.sequence(), expected, 5000);
    const auto events = client.events();
    const QList<QJsonObject> json = client.jsonEvents();
    if (missedFrom == 0) {
        QCOMPARE(events.size(), expected.size());
        return;
    }
    // One event without an id announces the gap, then the oldest retained event follows.
    QCOMPARE(events.size(), expected.size() + 1);
    QVERIFY(!events.at(0).hasId);
    QCOMPARE(json.at(0).value("type").toString(), QStringLiteral("gap"));
    QCOMPARE(json.at(0).value("missed_from").toInteger(), missedFrom);
    QCOMPARE(json.at(0).value("missed_to").toInteger(), missedTo);
    QCOMPARE(json.at(0).value("session_id").toString(), id);
    QVERIFY(events.at(1).hasId);
    QCOMPARE(json.at(1).value("seq").toInteger(), 6);
    // The gap does not move the client's Last-Event-ID.
    QVERIFY(events.at(0).lastEventId.isEmpty());
    QCOMPARE(events.at(1).lastEventId, QByteArray("6"));
    QVERIFY(client.rawBody().startsWith("retry: 3000\n\ndata: {"));
}

void tst_SsebufdStreaming::manySubscribers()
{
    const int clientCount = 20;
    const QString id = sessionWithEvents(3, false);
    QVERIFY(!id.isEmpty());
    std::vector<std::unique_ptr<RawSseClient>> clients;
    for (int i = 0; i < clientCount; ++i) {
        clients.push_back(std::make_unique<RawSseClient>());
        clients.back()->open(sseUrl(m_service, id));
    }
    for (const auto &client : clients)
        QTRY_COMPARE_WITH_TIMEOUT(client->sequence().size(), 3, 5000);
    BulkPublisher publisher(eventsUrl(m_service, id), 50,
                            [](int i) { return progressEvent(3 + i); });
    publisher.start();
    QTRY_VERIFY_WITH_TIMEOUT(publisher.isDone(), 15000);
    QCOMPARE(publisher.created(), 50);
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), 54);
    for (const auto &client : clients) {
        QTRY_VERIFY_WITH_TIMEOUT(client->isFinished(), 5000);
        QCOMPARE(client->sequence(), range(1, 54));
        QCOMPARE(client->events().size(), 54);
    }
}

void tst_SsebufdStreaming::sessionsAreSeparate()
{
    const QString a = startSession(m_http, m_service);
    const QString b = startSession(m_http, m_service);
    RawSseClient clientA;
    RawSseClient clientB;
    clientA.open(sseUrl(m_service, a));
    clientB.open(sseUrl(m_service, b));
    QTRY_VERIFY_WITH_TIMEOUT(clientA.headersDone() && clientB.headersDone(), 5000);
    for (int i = 1; i <= 5; ++i) {
        QCOMPARE(publishSeq(m_http, m_service, a, progressEvent(i)), i);
        if (i % 2)
            QCOMPARE(publishSeq(m_http, m_service, b, progressEvent(i)), (i + 1) / 2);
    }
    QCOMPARE(publishSeq(m_http, m_service, a, finalEvent()), 6);
    QCOMPARE(publishSeq(m_http, m_service, b, finalEvent()), 4);
    QTRY_VERIFY_WITH_TIMEOUT(clientA.isFinished() && clientB.isFinished(), 5000);
    QCOMPARE(clientA.sequence(), range(1, 6));
    QCOMPARE(clientB.sequence(), range(1, 4));
    for (const QJsonObject &event : clientA.jsonEvents())
        QCOMPARE(event.value("session_id").toString(), a);
    for (const QJsonObject &event : clientB.jsonEvents())
        QCOMPARE(event.value("session_id").toString(), b);
}

void tst_SsebufdStreaming::streamOnReusedConnection()
{
    // Pooling clients (Java's HttpClient, WebClient) send the POST and then the GET of the
    // stream on the same keep-alive connection.
    const QByteArray body = R"({"user_id":"u","user_prompt":"pooled"})";
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_service.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /api/refactor HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\nContent-Length: "
                 + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT(hasCompleteResponse(received += socket.readAll()), 5000);
    QVERIFY2(received.startsWith("HTTP/1.1 201 "), received.constData());
    const QString id = QJsonDocument::fromJson(received.mid(received.indexOf("\r\n\r\n") + 4))
                           .object()
                           .value("session_id")
                           .toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(1)), 1);

    received.clear();
    socket.write("GET /api/refactor/" + id.toUtf8()
                 + "/sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll()).contains("\nid: 1\n"), 5000);
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());
    QVERIFY(received.contains("text/event-stream"));
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), 2);
    QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::UnconnectedState
                                 || (received += socket.readAll()).contains("\nid: 2\n"),
                             5000);
    received += socket.readAll();
    SseParser parser;
    parser.feed(received.mid(received.indexOf("\r\n\r\n") + 4));
    const auto events = parser.takeEvents();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(1).id, QByteArray("2"));
}

void tst_SsebufdStreaming::replayLiveRace()
{
    // Clients join while events are appended as fast as the service takes them, so their
    // replay from the buffer and the live fan-out overlap: each must still see every event
    // exactly once, in order.
    const int total = 500;
    const QString id = startSession(m_http, m_service);
    RawSseClient fromStart;
    fromStart.open(sseUrl(m_service, id));
    QTRY_VERIFY_WITH_TIMEOUT(fromStart.headersDone(), 5000);

    std::vector<std::unique_ptr<RawSseClient>> joiners;
    QList<qint64> joinedAfter;
    BulkPublisher publisher(eventsUrl(m_service, id), total,
                            [](int i) { return progressEvent(i, QString(2000, 'x')); });
    publisher.onAnswered = [&](int answered) {
        // Replays from 0 and resumes from the middle, at several points of the run.
        if (answered % 50 != 0 || answered >= total)
            return;
        joiners.push_back(std::make_unique<RawSseClient>());
        joinedAfter.append(0);
        joiners.back()->open(sseUrl(m_service, id));
        const qint64 resume = answered / 2;
        joiners.push_back(std::make_unique<RawSseClient>());
        joinedAfter.append(resume);
        joiners.back()->open(sseUrl(m_service, id),
                             {{"Last-Event-ID", QByteArray::number(resume)}});
    };
    publisher.start();
    QTRY_VERIFY_WITH_TIMEOUT(publisher.isDone(), 30000);
    QCOMPARE(publisher.created(), total);
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), total + 1);

    QTRY_VERIFY_WITH_TIMEOUT(fromStart.isFinished(), 10000);
    QCOMPARE(fromStart.sequence(), range(1, total + 1));
    QCOMPARE(fromStart.events().size(), total + 1);
    QCOMPARE(joiners.size(), size_t(2 * (total / 50 - 1)));
    for (size_t i = 0; i < joiners.size(); ++i) {
        RawSseClient &client = *joiners[i];
        QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 10000);
        QCOMPARE(client.sequence(), range(joinedAfter.at(int(i)) + 1, total + 1));
        QCOMPARE(client.events().size(), total + 1 - int(joinedAfter.at(int(i))));
    }
}

void tst_SsebufdStreaming::lateClientReplaysThousandEvents()
{
    // The default buffer holds 1,000 events: a client that connects after all of them
    // gets them all, and how long that takes is logged as a measurement.
    const int total = 1000;
    const QString id = startSession(m_http, m_service);
    BulkPublisher publisher(eventsUrl(m_service, id), total - 1,
                            [](int i) { return progressEvent(i, QString(200, 'm')); });
    publisher.start();
    QTRY_VERIFY_WITH_TIMEOUT(publisher.isDone(), 30000);
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), total);

    RawSseClient late;
    QSignalSpy finished(&late, &RawSseClient::finished);
    QElapsedTimer elapsed;
    elapsed.start();
    late.open(sseUrl(m_service, id));
    QVERIFY(finished.wait(10000));
    const qint64 ms = elapsed.elapsed();
    QCOMPARE(late.sequence(), range(1, total));
    QCOMPARE(late.events().size(), total);
    qInfo("late client replay of %d events: %lld ms, %lld body bytes", total, ms,
          qint64(late.rawBody().size()));
    QVERIFY2(ms < 5000, qPrintable(QString::number(ms)));
}

void tst_SsebufdStreaming::vanishedClientCostsNothing()
{
    const QString id = sessionWithEvents(1, false);
    RawSseClient vanishing;
    vanishing.open(sseUrl(m_service, id));
    QTRY_COMPARE_WITH_TIMEOUT(vanishing.sequence(), QList<qint64> {1}, 5000);
    RawSseClient staying;
    staying.open(sseUrl(m_service, id));
    QTRY_COMPARE_WITH_TIMEOUT(staying.sequence(), QList<qint64> {1}, 5000);
    vanishing.close(); // a reset, mid-stream
    for (int i = 2; i <= 20; ++i)
        QCOMPARE(publishSeq(m_http, m_service, id, progressEvent(i, QString(2000, 'v'))), i);
    QCOMPARE(publishSeq(m_http, m_service, id, finalEvent()), 21);
    QTRY_VERIFY_WITH_TIMEOUT(staying.isFinished(), 5000);
    QCOMPARE(staying.sequence(), range(1, 21));
    QCOMPARE(m_http.get(m_service.url("/healthz")).status, 200);
    QCOMPARE(m_service.process().state(), QProcess::Running);
}

void tst_SsebufdStreaming::signalEndsStreamsCleanly_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void tst_SsebufdStreaming::signalEndsStreamsCleanly()
{
    QFETCH(int, signalNumber);
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "external"}), qPrintable(service.errorText()));
    HttpTestClient http;
    std::vector<std::unique_ptr<RawSseClient>> clients;
    for (int i = 0; i < 3; ++i) {
        const QString id = startSession(http, service);
        QCOMPARE(publishSeq(http, service, id, progressEvent(1)), 1);
        clients.push_back(std::make_unique<RawSseClient>());
        clients.back()->open(sseUrl(service, id));
        QTRY_COMPARE_WITH_TIMEOUT(clients.back()->sequence(), QList<qint64> {1}, 5000);
    }
    QProcess &process = service.process();
    ::kill(pid_t(process.processId()), signalNumber);
    // The clients see their streams end while the service shuts down.
    for (const auto &client : clients) {
        QTRY_VERIFY_WITH_TIMEOUT(client->isFinished(), 10000);
        QCOMPARE(client->socket()->error(), QAbstractSocket::RemoteHostClosedError);
        QCOMPARE(client->sequence(), QList<qint64> {1});
        // The stream ends on an event boundary.
        QVERIFY(client->rawBody().endsWith("\n\n"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(process.state(), QProcess::NotRunning, 10000);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_SsebufdStreaming)
#include "tst_ssebufd_streaming.moc"
