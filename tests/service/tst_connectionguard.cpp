// ConnectionGuard on its own (no QtHttpServer reads the socket): the limits it answers
// itself (413 before the body, 431, 408, idle close), what it records for the front end
// (Connection: close, HTTP/1.0) and streaming input bounds, over a real loopback connection.
#include "loopbackpair.h"

#include "http/connectionguard.h"

using namespace ssebuf;

class tst_ConnectionGuard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bodyTooLargeIs413BeforeTheBody();
    void headerTooLargeIs431();
    void slowHeadIs408();
    void idleConnectionIsClosed();
    void activityPostponesTheIdleClose();
    void requestInfo_data();
    void requestInfo();
    void pipelinedRequestsAreQueuedInOrder();
    void streamingInputIsBounded();
    void ofFindsTheGuard();

private:
    static HttpLimits limits()
    {
        HttpLimits limits;
        limits.maxBodyBytes = 1000;
        limits.maxHeaderBytes = 512;
        limits.headerTimeoutMs = 200;
        limits.idleTimeoutMs = 300;
        limits.maxStreamInputBytes = 4096;
        return limits;
    }
};

void tst_ConnectionGuard::bodyTooLargeIs413BeforeTheBody()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    QSignalSpy rejected(guard, &ConnectionGuard::requestRejected);
    pair.client.write("POST /api/refactor HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
    const QByteArray answer = pair.readUntil("\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 413 Content Too Large\r\n"), answer.constData());
    QVERIFY(answer.contains("\r\nConnection: close\r\n"));
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(rejected.at(0).at(0).toInt(), 413);
}

void tst_ConnectionGuard::headerTooLargeIs431()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    QSignalSpy rejected(guard, &ConnectionGuard::requestRejected);
    pair.client.write("GET /healthz HTTP/1.1\r\nX-Big: " + QByteArray(600, 'a') + "\r\n\r\n");
    const QByteArray answer = pair.readUntil("\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
             answer.constData());
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(rejected.at(0).at(0).toInt(), 431);
}

void tst_ConnectionGuard::slowHeadIs408()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    QSignalSpy rejected(guard, &ConnectionGuard::requestRejected);
    pair.client.write("GET /healthz HTTP/1.1\r\nHost:");
    QVERIFY(rejected.wait(5000));
    QCOMPARE(rejected.at(0).at(0).toInt(), 408);
    const QByteArray answer = pair.readUntil("\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer.constData());
}

void tst_ConnectionGuard::idleConnectionIsClosed()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    new ConnectionGuard(pair.server, limits());
    QSignalSpy disconnected(&pair.client, &QTcpSocket::disconnected);
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(pair.client.readAll(), QByteArray());
}

void tst_ConnectionGuard::activityPostponesTheIdleClose()
{
    // The idle timeout counts from the last read: a connection that sends something (here
    // the empty lines allowed between requests) every 200 ms outlives a 1 s timeout, and is
    // closed about 1 s after it stops.
    HttpLimits idle = limits();
    idle.idleTimeoutMs = 1000;
    LoopbackPair pair;
    QVERIFY(pair.open());
    new ConnectionGuard(pair.server, idle);
    QSignalSpy disconnected(&pair.client, &QTcpSocket::disconnected);
    QElapsedTimer sinceLastWrite;
    for (int i = 0; i < 8; ++i) {
        pair.client.write("\r\n");
        QVERIFY(pair.client.waitForBytesWritten(5000));
        sinceLastWrite.start();
        QVERIFY(!disconnected.wait(200)); // the pace of the writes, not a synchronisation
    }
    QVERIFY(disconnected.wait(5000));
    // A coarse timer may fire up to 5 % early.
    QVERIFY2(sinceLastWrite.elapsed() >= 900, QByteArray::number(sinceLastWrite.elapsed()));
    QCOMPARE(pair.client.readAll(), QByteArray());
}

void tst_ConnectionGuard::requestInfo_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("closeAfterResponse");
    QTest::newRow("keep-alive") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << false;
    QTest::newRow("connection close")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") << true;
    QTest::newRow("connection Close, keep-alive")
        << QByteArray("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n") << true;
    QTest::newRow("http/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << true;
}

void tst_ConnectionGuard::requestInfo()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, closeAfterResponse);
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    pair.client.write(head);
    QTRY_COMPARE_WITH_TIMEOUT(pair.server->bytesAvailable(), qint64(head.size()), 5000);
    QCOMPARE(guard->takeRequestInfo().closeAfterResponse, closeAfterResponse);
    // The guard only peeks: the bytes are still there for the HTTP server.
    QCOMPARE(pair.server->readAll(), head);
}

void tst_ConnectionGuard::pipelinedRequestsAreQueuedInOrder()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    const QByteArray requests = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                                "GET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
    pair.client.write(requests);
    QTRY_COMPARE_WITH_TIMEOUT(pair.server->bytesAvailable(), qint64(requests.size()), 5000);
    QCOMPARE(guard->takeRequestInfo().closeAfterResponse, false);
    QCOMPARE(guard->takeRequestInfo().closeAfterResponse, true);
}

void tst_ConnectionGuard::streamingInputIsBounded()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *guard = new ConnectionGuard(pair.server, limits());
    guard->beginStreaming();
    QVERIFY(guard->isStreaming());
    QSignalSpy disconnected(&pair.client, &QTcpSocket::disconnected);
    pair.client.write(QByteArray(1000, 'x'));
    QTRY_COMPARE_WITH_TIMEOUT(pair.server->bytesAvailable(), qint64(0), 5000);
    QCOMPARE(pair.client.state(), QAbstractSocket::ConnectedState);
    pair.client.write(QByteArray(8000, 'y'));
    QVERIFY(disconnected.wait(5000));
}

void tst_ConnectionGuard::ofFindsTheGuard()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    QCOMPARE(ConnectionGuard::of(pair.server), nullptr);
    auto *guard = new ConnectionGuard(pair.server, limits());
    QCOMPARE(ConnectionGuard::of(pair.server), guard);
    QCOMPARE(ConnectionGuard::of(nullptr), nullptr);
}

QTEST_GUILESS_MAIN(tst_ConnectionGuard)
#include "tst_connectionguard.moc"
