// HttpRequest: header look-up, the peer as logs show it, and the one "is the body JSON"
// check every JSON route uses (docs/http-api.md: application/json, application/*+json,
// parameters such as charset allowed).
#include "http/httprequest.h"

#include <QTest>

using namespace ssebuf;

class tst_HttpRequest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void headersAreCaseInsensitive();
    void peerText_data();
    void peerText();
    void jsonMediaType_data();
    void jsonMediaType();
    void hasJsonBodyReadsContentType();
};

void tst_HttpRequest::headersAreCaseInsensitive()
{
    HttpRequest request;
    request.headers
        = {{"Content-Type", "application/json"}, {"X-Twice", "first"}, {"x-twice", "second"}};
    QCOMPARE(request.header("content-type"), QByteArray("application/json"));
    QCOMPARE(request.header("CONTENT-TYPE"), QByteArray("application/json"));
    QCOMPARE(request.header("x-TWICE"), QByteArray("first"));
    QVERIFY(request.hasHeader("X-TWICE"));
    QVERIFY(!request.hasHeader("authorization"));
    QCOMPARE(request.header("authorization"), QByteArray());
}

void tst_HttpRequest::peerText_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("text");
    QTest::newRow("ipv4") << "127.0.0.1" << 40123 << "127.0.0.1:40123";
    QTest::newRow("ipv6") << "::1" << 8080 << "[::1]:8080";
}

void tst_HttpRequest::peerText()
{
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QString, text);
    HttpRequest request;
    request.peer = QHostAddress(address);
    request.peerPort = quint16(port);
    QCOMPARE(request.peerText(), text);
}

void tst_HttpRequest::jsonMediaType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("json");
    QTest::newRow("json") << QByteArray("application/json") << true;
    QTest::newRow("charset") << QByteArray("application/json; charset=utf-8") << true;
    QTest::newRow("upper case type") << QByteArray("Application/JSON") << true;
    QTest::newRow("spaces") << QByteArray("  application/json ;charset=utf-8") << true;
    QTest::newRow("vendor +json") << QByteArray("application/vnd.acme+json") << true;
    QTest::newRow("problem+json charset")
        << QByteArray("application/problem+json; charset=utf-8") << true;
    QTest::newRow("no subtype before +json") << QByteArray("application/+json") << false;
    QTest::newRow("text/plain") << QByteArray("text/plain") << false;
    QTest::newRow("no type") << QByteArray() << false;
    QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded") << false;
    QTest::newRow("json prefix only") << QByteArray("application/jsonp") << false;
    QTest::newRow("text +json") << QByteArray("text/vnd.acme+json") << false;
    QTest::newRow("ndjson") << QByteArray("application/x-ndjson") << false;
}

void tst_HttpRequest::jsonMediaType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, json);
    QCOMPARE(HttpRequest::isJsonMediaType(contentType), json);
}

void tst_HttpRequest::hasJsonBodyReadsContentType()
{
    HttpRequest request;
    QVERIFY(!request.hasJsonBody());
    request.headers = {{"content-type", "application/merge-patch+json"}};
    QVERIFY(request.hasJsonBody());
    request.headers = {{"Content-Type", "text/plain"}};
    QVERIFY(!request.hasJsonBody());
}

QTEST_GUILESS_MAIN(tst_HttpRequest)
#include "tst_httprequest.moc"
