// HttpResponse: the bytes of a complete answer (status line, headers, Content-Length,
// Connection: close, bodies that 204 and 1xx never carry) and the one JSON error shape.
#include "http/httpresponse.h"

#include <QJsonDocument>
#include <QTest>

using namespace ssebuf;

class tst_HttpResponse : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonIsCompact();
    void errorShape();
    void errorWithField();
    void serializeKeepAlive();
    void textWithTheJsonType();
    void serializeClose();
    void serializeNoContent();
    void serializeContinue();
    void headersKeepTheirOrder();
    void reasonPhrase_data();
    void reasonPhrase();
};

void tst_HttpResponse::jsonIsCompact()
{
    const HttpResponse response = HttpResponse::json(201, QJsonObject {{QStringLiteral("seq"), 7}});
    QCOMPARE(response.status, 201);
    QCOMPARE(response.contentType, QByteArray("application/json"));
    QCOMPARE(response.body, QByteArray(R"({"seq":7})"));
    QVERIFY(response.headers.isEmpty());
}

void tst_HttpResponse::errorShape()
{
    const HttpResponse response = HttpResponse::error(409, QStringLiteral("session_ended"),
                                                      QStringLiteral("already ended"));
    QCOMPARE(response.status, 409);
    QCOMPARE(response.contentType, QByteArray("application/json"));
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(body.value("error").toString(), QStringLiteral("session_ended"));
    QCOMPARE(body.value("message").toString(), QStringLiteral("already ended"));
    QVERIFY(!body.contains("field"));
    QCOMPARE(body.size(), 2);
}

void tst_HttpResponse::errorWithField()
{
    const HttpResponse response = HttpResponse::error(ApiError {
        422, QStringLiteral("invalid_event"), QStringLiteral("bad"), QStringLiteral("progress")});
    QCOMPARE(response.status, 422);
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(body.value("error").toString(), QStringLiteral("invalid_event"));
    QCOMPARE(body.value("field").toString(), QStringLiteral("progress"));
}

void tst_HttpResponse::serializeKeepAlive()
{
    const HttpResponse response = HttpResponse::text(200, "text/plain", "hello");
    QCOMPARE(response.serialize(false),
             QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                        "\r\nhello"));
}

void tst_HttpResponse::textWithTheJsonType()
{
    // The common type comes from one shared literal; any other is copied as given.
    const HttpResponse json = HttpResponse::text(201, "application/json", "{\"seq\":1}");
    QCOMPARE(json.contentType, QByteArray("application/json"));
    QCOMPARE(json.serialize(false),
             QByteArray("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                        "Content-Length: 9\r\n\r\n{\"seq\":1}"));
    QCOMPARE(HttpResponse::text(200, "application/jsonx", "x").contentType,
             QByteArray("application/jsonx"));
    QCOMPARE(HttpResponse::text(200, QByteArray(), "x").contentType, QByteArray());
}

void tst_HttpResponse::serializeClose()
{
    const HttpResponse response
        = HttpResponse::error(503, QStringLiteral("store_unavailable"), QStringLiteral("x"))
              .withHeader("Retry-After", "7");
    const QByteArray body = R"({"error":"store_unavailable","message":"x"})";
    QCOMPARE(response.serialize(true),
             "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
             "Content-Length: "
                 + QByteArray::number(body.size())
                 + "\r\nRetry-After: 7\r\nConnection: close\r\n\r\n" + body);
}

void tst_HttpResponse::serializeNoContent()
{
    HttpResponse response = HttpResponse::empty(204);
    response.body = "never sent";
    QCOMPARE(response.serialize(false), QByteArray("HTTP/1.1 204 No Content\r\n\r\n"));
}

void tst_HttpResponse::serializeContinue()
{
    QCOMPARE(HttpResponse::empty(100).serialize(false),
             QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
}

void tst_HttpResponse::headersKeepTheirOrder()
{
    const HttpResponse response = HttpResponse::empty(201)
                                      .withHeader("Location", "/a")
                                      .withHeader("X-One", "1")
                                      .withHeader("X-One", "2");
    QCOMPARE(response.serialize(false),
             QByteArray("HTTP/1.1 201 Created\r\nContent-Length: 0\r\nLocation: /a\r\nX-One: 1\r\n"
                        "X-One: 2\r\n\r\n"));
}

void tst_HttpResponse::reasonPhrase_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("phrase");
    QTest::newRow("200") << 200 << QByteArray("OK");
    QTest::newRow("400") << 400 << QByteArray("Bad Request");
    QTest::newRow("401") << 401 << QByteArray("Unauthorized");
    QTest::newRow("404") << 404 << QByteArray("Not Found");
    QTest::newRow("405") << 405 << QByteArray("Method Not Allowed");
    QTest::newRow("413") << 413 << QByteArray("Content Too Large");
    QTest::newRow("415") << 415 << QByteArray("Unsupported Media Type");
    QTest::newRow("422") << 422 << QByteArray("Unprocessable Content");
    QTest::newRow("431") << 431 << QByteArray("Request Header Fields Too Large");
    QTest::newRow("503") << 503 << QByteArray("Service Unavailable");
    QTest::newRow("unknown") << 299 << QByteArray("Status");
}

void tst_HttpResponse::reasonPhrase()
{
    QFETCH(int, status);
    QFETCH(QByteArray, phrase);
    QCOMPARE(HttpResponse::reasonPhrase(status), phrase);
}

QTEST_GUILESS_MAIN(tst_HttpResponse)
#include "tst_httpresponse.moc"
