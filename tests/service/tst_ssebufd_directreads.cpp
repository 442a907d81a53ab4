// Direct reads against the real ssebufd: once a keep-alive connection's read brought only hot
// requests (one-event publishes), the connection guard reads the next ones straight off the
// descriptor. Anything else on that connection (another route, a request split across reads,
// one over a limit, a close) is handed back to Qt's socket and answered as before, in order.

#include "metricsexposition.h"
#include "processtestkit.h"
#include "rawexchange.h"
#include "sessiontestkit.h"

#include <QJsonDocument>

using namespace testkit;

namespace {

QByteArray publishRequest(const QString &id, int n, const QByteArray &extraHeaders = {})
{
    const QByteArray body = QJsonDocument(progressEvent(n)).toJson(QJsonDocument::Compact);
    return "POST /api/sessions/" + id.toUtf8()
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extraHeaders
        + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

const QByteArray kHealth = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// One keep-alive connection that sends and collects the answers.
struct KeepAlive
{
    QTcpSocket socket;
    QByteArray received;

    bool open(const ServiceProcess &service)
    {
        socket.connectToHost(QStringLiteral("127.0.0.1"), service.port());
        socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
        return socket.waitForConnected(5000);
    }
    // Writes bytes and waits until `total` answers have come on the connection.
    QList<RawResponse> send(const QByteArray &bytes, int total)
    {
        socket.write(bytes);
        socket.flush();
        QDeadlineTimer deadline(5000);
        while (completeResponses(received).size() < total && !deadline.hasExpired()
               && socket.state() == QAbstractSocket::ConnectedState) {
            socket.waitForReadyRead(50);
            received += socket.readAll();
        }
        return completeResponses(received);
    }
};

} // namespace

class tst_SsebufdDirectReads : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void laterPublishesAreReadDirectly();
    void otherRequestsGoBackToTheGeneralWay();
    void pipelinedMixAfterDirectReads();
    void splitRequestAfterDirectReads();
    void limitsHoldOnDirectReads_data();
    void limitsHoldOnDirectReads();
    void closeAndHangUpAreSeen();

private:
    // A connection whose first publish the guard took (its reads are now direct).
    bool openDirect(KeepAlive *connection, const QString &id, int *answers);

    ServiceProcess m_service;
    HttpTestClient m_http;
};

void tst_SsebufdDirectReads::initTestCase()
{
    QVERIFY2(m_service.start({"--pipeline", "external", "--max-body-bytes", "4096",
                              "--max-header-bytes", "2048"}),
             qPrintable(m_service.errorText()));
}

bool tst_SsebufdDirectReads::openDirect(KeepAlive *connection, const QString &id, int *answers)
{
    if (!connection->open(m_service))
        return false;
    const QList<RawResponse> first = connection->send(publishRequest(id, 1), 1);
    *answers = 1;
    return first.size() == 1 && first.at(0).status == 201;
}

void tst_SsebufdDirectReads::laterPublishesAreReadDirectly()
{
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    const qint64 directBefore = metricSample(m_http, m_service, "ssebuf_http_direct_reads_total");
    const qint64 fastBefore
        = metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total");
    QVERIFY(directBefore >= 0 && fastBefore >= 0);
    KeepAlive connection;
    QVERIFY(connection.open(m_service));
    for (int n = 1; n <= 4; ++n) {
        const QList<RawResponse> answers = connection.send(publishRequest(id, n), n);
        QCOMPARE(answers.size(), n);
        QCOMPARE(answers.last().status, 201);
        QCOMPARE(answers.last().json().value("seq").toInteger(), n);
        // Byte for byte as QJsonDocument writes it (the general way's answer).
        QCOMPARE(answers.last().body,
                 QJsonDocument(QJsonObject {{"seq", n}}).toJson(QJsonDocument::Compact));
        QCOMPARE(answers.last().header("Content-Type"), QByteArray("application/json"));
    }
    // The first was taken from Qt's socket buffer, the three after it off the descriptor.
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_fast_path_requests_total"),
             fastBefore + 4);
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_direct_reads_total"), directBefore + 3);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4}));
}

void tst_SsebufdDirectReads::otherRequestsGoBackToTheGeneralWay()
{
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    KeepAlive connection;
    int count = 0;
    QVERIFY(openDirect(&connection, id, &count));
    QList<RawResponse> answers = connection.send(publishRequest(id, 2), ++count);
    QCOMPARE(answers.last().status, 201);
    // Not a hot request: QtHttpServer answers it, from the bytes the guard gave back.
    answers = connection.send(kHealth, ++count);
    QCOMPARE(answers.size(), count);
    QCOMPARE(answers.last().status, 200);
    QCOMPARE(answers.last().json().value("status").toString(), QStringLiteral("ok"));
    answers = connection.send("GET /api/refactor/" + id.toUtf8()
                                  + "/events?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                              ++count);
    QCOMPARE(answers.last().status, 200);
    QCOMPARE(answers.last().json().value("events").toArray().size(), 2);
    // Hot again: taken by the guard, and the reads after it are direct again.
    const qint64 directBefore = metricSample(m_http, m_service, "ssebuf_http_direct_reads_total");
    for (int n = 3; n <= 4; ++n) {
        answers = connection.send(publishRequest(id, n), ++count);
        QCOMPARE(answers.last().status, 201);
        QCOMPARE(answers.last().json().value("seq").toInteger(), n);
    }
    QCOMPARE(metricSample(m_http, m_service, "ssebuf_http_direct_reads_total"), directBefore + 1);
    QCOMPARE(connection.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4}));
}

void tst_SsebufdDirectReads::pipelinedMixAfterDirectReads()
{
    // One write on a direct connection: two hot requests, another route, a bad body, a hot
    // one. The guard takes the first two; the rest goes back to Qt's socket; the answers keep
    // the order of the requests.
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    KeepAlive connection;
    int count = 0;
    QVERIFY(openDirect(&connection, id, &count));
    const QByteArray bad = "POST /api/sessions/" + id.toUtf8()
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          "Content-Length: 5\r\n\r\n{nope";
    const QByteArray wire
        = publishRequest(id, 2) + publishRequest(id, 3) + kHealth + bad + publishRequest(id, 4);
    const QList<RawResponse> answers = connection.send(wire, count + 5);
    QCOMPARE(answers.size(), count + 5);
    QList<int> statuses;
    for (const RawResponse &answer : answers.mid(count))
        statuses.append(answer.status);
    QCOMPARE(statuses, (QList<int> {201, 201, 200, 400, 201}));
    QCOMPARE(answers.at(count).json().value("seq").toInteger(), 2);
    QCOMPARE(answers.at(count + 1).json().value("seq").toInteger(), 3);
    QCOMPARE(answers.at(count + 3).json().value("error").toString(),
             QStringLiteral("invalid_json"));
    QCOMPARE(answers.at(count + 4).json().value("seq").toInteger(), 4);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4}));
}

void tst_SsebufdDirectReads::splitRequestAfterDirectReads()
{
    // A hot request whose bytes arrive in pieces on a direct connection, the first piece
    // behind a whole request: answered once and whole, in order.
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    KeepAlive connection;
    int count = 0;
    QVERIFY(openDirect(&connection, id, &count));
    const QByteArray third = publishRequest(id, 3);
    QList<RawResponse> answers = connection.send(publishRequest(id, 2) + third.left(40), count + 1);
    QCOMPARE(answers.size(), count + 1);
    QCOMPARE(answers.last().json().value("seq").toInteger(), 2);
    for (qsizetype at = 40; at < third.size(); at += 50) {
        connection.socket.write(third.mid(at, 50));
        QVERIFY(connection.socket.waitForBytesWritten(5000));
    }
    answers = connection.send({}, count + 2);
    QCOMPARE(answers.size(), count + 2);
    QCOMPARE(answers.last().status, 201);
    QCOMPARE(answers.last().json().value("seq").toInteger(), 3);
    answers = connection.send(publishRequest(id, 4), count + 3);
    QCOMPARE(answers.last().json().value("seq").toInteger(), 4);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4}));
}

void tst_SsebufdDirectReads::limitsHoldOnDirectReads_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::newRow("header over the limit")
        << QByteArray("GET /healthz HTTP/1.1\r\nX-Big: " + QByteArray(2100, 'a') + "\r\n\r\n")
        << 431 << QStringLiteral("header_too_large");
    QTest::newRow("body over the limit")
        << QByteArray("POST /api/sessions/x/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
        << 413 << QStringLiteral("payload_too_large");
    QTest::newRow("malformed") << QByteArray("NOT HTTP\r\n\r\n") << 400
                               << QStringLiteral("bad_request");
}

void tst_SsebufdDirectReads::limitsHoldOnDirectReads()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, error);
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    KeepAlive connection;
    int count = 0;
    QVERIFY(openDirect(&connection, id, &count));
    QCOMPARE(connection.send(publishRequest(id, 2), count + 1).size(), count + 1);
    const QList<RawResponse> answers = connection.send(request, count + 2);
    QCOMPARE(answers.size(), count + 2);
    QCOMPARE(answers.last().status, status);
    QCOMPARE(answers.last().json().value("error").toString(), error);
    QCOMPARE(answers.last().header("Connection").toLower(), QByteArray("close"));
    QTRY_COMPARE_WITH_TIMEOUT(connection.socket.state(), QAbstractSocket::UnconnectedState, 10000);
}

void tst_SsebufdDirectReads::closeAndHangUpAreSeen()
{
    const QString id = startSession(m_http, m_service);
    QVERIFY(!id.isEmpty());
    const qint64 openBefore = metricSample(m_http, m_service, "ssebuf_connections_open");
    {
        // "Connection: close" on a direct read: answered with Connection: close, then closed.
        KeepAlive connection;
        int count = 0;
        QVERIFY(openDirect(&connection, id, &count));
        const QList<RawResponse> answers
            = connection.send(publishRequest(id, 2, "Connection: close\r\n") + kHealth, count + 1);
        QCOMPARE(answers.size(), count + 1);
        QCOMPARE(answers.last().status, 201);
        QCOMPARE(answers.last().header("Connection").toLower(), QByteArray("close"));
        QTRY_COMPARE_WITH_TIMEOUT(connection.socket.state(), QAbstractSocket::UnconnectedState,
                                  5000);
        QCOMPARE(completeResponses(connection.received + connection.socket.readAll()).size(),
                 count + 1);
    }
    {
        // The client hangs up on a direct connection: the service lets the connection go.
        KeepAlive connection;
        int count = 0;
        QVERIFY(openDirect(&connection, id, &count));
        QCOMPARE(connection.send(publishRequest(id, 3), count + 1).size(), count + 1);
        QTRY_COMPARE_WITH_TIMEOUT(metricSample(m_http, m_service, "ssebuf_connections_open"),
                                  openBefore + 1, 5000);
        connection.socket.disconnectFromHost();
    }
    QTRY_COMPARE_WITH_TIMEOUT(metricSample(m_http, m_service, "ssebuf_connections_open"),
                              openBefore, 5000);
    QCOMPARE(storedSeqs(m_http, m_service, id), (QList<qint64> {1, 2, 3, 4}));
}

QTEST_MAIN(tst_SsebufdDirectReads)
#include "tst_ssebufd_directreads.moc"
