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
    void equalsIgnoringAsciiCaseAsQt_data();
    void equalsIgnoringAsciiCaseAsQt();
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

void tst_HttpRequest::equalsIgnoringAsciiCaseAsQt_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::newRow("same") << QByteArray("content-type") << QByteArray("content-type");
    QTest::newRow("case") << QByteArray("Content-TYPE") << QByteArray("content-type");
    QTest::newRow("longer") << QByteArray("content-types") << QByteArray("content-type");
    QTest::newRow("empty") << QByteArray() << QByteArray("");
    QTest::newRow("dash is not CR") << QByteArray("a-b") << QByteArray("a\rb");
    QTest::newRow("@ is not `") << QByteArray("@") << QByteArray("`");
    QTest::newRow("[ is not {") << QByteArray("[") << QByteArray("{");
    QTest::newRow("Latin-1 letter") << QByteArray("\xc9xpect") << QByteArray("expect");
    QTest::newRow("digits") << QByteArray("x-1") << QByteArray("X-1");
}

void tst_HttpRequest::equalsIgnoringAsciiCaseAsQt()
{
    // Whenever one side is ASCII (every name the service compares with is), the same answer
    // as Qt's case-insensitive compare.
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    const bool qt = a.size() == b.size() && QByteArrayView(a).compare(b, Qt::CaseInsensitive) == 0;
    QCOMPARE(equalsIgnoringAsciiCase(a, b), qt);
    QCOMPARE(equalsIgnoringAsciiCase(b, a), qt);
    // And over every pair of bytes against every ASCII byte.
    for (int x = 0; x < 256; ++x) {
        for (int y = 0; y < 128; ++y) {
            const char cx = char(x);
            const char cy = char(y);
            const bool expected
                = QByteArrayView(&cx, 1).compare(QByteArrayView(&cy, 1), Qt::CaseInsensitive) == 0;
            QCOMPARE(equalsIgnoringAsciiCase(QByteArrayView(&cx, 1), QByteArrayView(&cy, 1)),
                     expected);
        }
    }
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
