// HttpRequestParser (libhttp-parser) and FastRequestPath on their own: framing, limits, what
// is taken for the hot route and what is left to QtHttpServer.
#include "http/fastrequestpath.h"
#include "http/httprequestparser.h"

#include <QTest>

using namespace ssebuf;

namespace {

const QByteArray kPath
    = "/api/sessions/session_20260101_000000_0123456789abcdef0123456789abcdef/events";

QByteArray publish(const QByteArray &body = R"({"type":"progress","message":"m"})",
                   const QByteArray &extraHeaders = {}, const QByteArray &version = "HTTP/1.1")
{
    return "POST " + kPath + " " + version + "\r\nHost: x\r\nContent-Type: application/json\r\n"
        + extraHeaders + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

HttpLimits limits()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 1024;
    limits.maxBodyBytes = 2048;
    return limits;
}

} // namespace

class tst_HttpRequestParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void completeRequest();
    void headerValuesAreTrimmed();
    void headersOfThePreviousRequestAreShared();
    void headBytes_data();
    void headBytes();
    void incompleteAtEveryCut();
    void invalid_data();
    void invalid();
    void keepAlive_data();
    void keepAlive();
    void chunkedIsDecoded();
    void plainTarget_data();
    void plainTarget();
    void fastPathTakesHotRequestsOnly_data();
    void fastPathTakesHotRequestsOnly();
    void fastPathStopsAtTheFirstOther();
    void fastPathLeavesTooManyPipelined();
};

void tst_HttpRequestParser::completeRequest()
{
    const QByteArray wire = publish() + "GET /healthz HTTP/1.1\r\n\r\n";
    HttpRequestParser parser;
    ParsedRequest request;
    QCOMPARE(parser.parse(wire, &request, 1024, 2048), HttpRequestParser::Result::Complete);
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.target.toByteArray(), kPath);
    QCOMPARE(request.body, QByteArray(R"({"type":"progress","message":"m"})"));
    QCOMPARE(request.totalBytes, publish().size());
    QCOMPARE(request.headBytes, publish().indexOf("\r\n\r\n") + 4);
    QCOMPARE(request.headers.size(), 3);
    QCOMPARE(request.headers.at(1).first, QByteArray("Content-Type"));
    QCOMPARE(request.headers.at(1).second, QByteArray("application/json"));
    QVERIFY(request.keepAlive);
    QVERIFY(!request.chunked && !request.upgrade && !request.expectContinue);
    // The next request starts where the first ended.
    QCOMPARE(parser.parse(QByteArrayView(wire).sliced(request.totalBytes), &request, 1024, 2048),
             HttpRequestParser::Result::Complete);
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.target.toByteArray(), QByteArray("/healthz"));
    QVERIFY(request.body.isEmpty());
}

void tst_HttpRequestParser::headerValuesAreTrimmed()
{
    const QByteArray wire = "GET / HTTP/1.1\r\nAuthorization:   Bearer t \t \r\nX-Empty:\r\n\r\n";
    HttpRequestParser parser;
    ParsedRequest request;
    QCOMPARE(parser.parse(wire, &request, 1024, 2048), HttpRequestParser::Result::Complete);
    QCOMPARE(request.headers.size(), 2);
    QCOMPARE(request.headers.at(0).second, QByteArray("Bearer t"));
    QCOMPARE(request.headers.at(1).first, QByteArray("X-Empty"));
    QCOMPARE(request.headers.at(1).second, QByteArray());
}

void tst_HttpRequestParser::headersOfThePreviousRequestAreShared()
{
    // A header the same as in that place of the previous request shares its bytes (no
    // allocation); one that differs, or sits elsewhere, has its own, right, value.
    HttpRequestParser parser;
    ParsedRequest first;
    ParsedRequest second;
    const QByteArray token = "Authorization: Bearer t0ken-t0ken\r\n";
    QCOMPARE(parser.parse(publish("{}", token), &first, 1024, 2048),
             HttpRequestParser::Result::Complete);
    QCOMPARE(parser.parse(publish("{\"a\":1}", token + "X-Extra: 1\r\n"), &second, 1024, 2048),
             HttpRequestParser::Result::Complete);
    QCOMPARE(second.headers.size(), 5);
    QCOMPARE(second.headers.at(2).second, QByteArray("Bearer t0ken-t0ken"));
    QCOMPARE(second.headers.at(2).second.constData(), first.headers.at(2).second.constData());
    QCOMPARE(second.headers.at(3).first, QByteArray("X-Extra"));
    QCOMPARE(second.headers.at(3).second, QByteArray("1"));
    QCOMPARE(second.headers.at(4).first, QByteArray("Content-Length"));
    QCOMPARE(second.headers.at(4).second, QByteArray("7"));
    QCOMPARE(first.headers.at(3).second, QByteArray("2"));
    ParsedRequest third;
    QCOMPARE(
        parser.parse(publish("{}", "Authorization: Bearer other-token\r\n"), &third, 1024, 2048),
        HttpRequestParser::Result::Complete);
    QCOMPARE(third.headers.at(2).second, QByteArray("Bearer other-token"));
    QCOMPARE(second.headers.at(2).second, QByteArray("Bearer t0ken-t0ken"));
}

void tst_HttpRequestParser::headBytes_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("rest");
    QTest::newRow("no headers") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray("GET");
    QTest::newRow("empty last value")
        << QByteArray("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n") << QByteArray();
    QTest::newRow("LF only") << QByteArray("GET / HTTP/1.1\nA: b\n\n") << QByteArray("x");
    QTest::newRow("body") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n")
                          << QByteArray("ab");
}

void tst_HttpRequestParser::headBytes()
{
    // Where the head ends, exactly (the head limit is checked against it).
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, rest);
    HttpRequestParser parser;
    ParsedRequest request;
    const auto result = parser.parse(head + rest, &request, 1024, 2048);
    QCOMPARE(result, HttpRequestParser::Result::Complete);
    QCOMPARE(request.headBytes, head.size());
    QCOMPARE(parser.parse(head + rest, &request, head.size() - 1, 2048),
             HttpRequestParser::Result::Invalid);
}

void tst_HttpRequestParser::incompleteAtEveryCut()
{
    const QByteArray wire = publish();
    HttpRequestParser parser;
    ParsedRequest request;
    for (qsizetype cut = 0; cut < wire.size(); ++cut) {
        QVERIFY2(parser.parse(QByteArrayView(wire).first(cut), &request, 1024, 2048)
                     == HttpRequestParser::Result::Incomplete,
                 qPrintable(QString::number(cut)));
    }
    QCOMPARE(parser.parse(wire, &request, 1024, 2048), HttpRequestParser::Result::Complete);
}

void tst_HttpRequestParser::invalid_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("not http") << QByteArray("hello there\r\n\r\n");
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n");
    QTest::newRow("bad Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n1");
    QTest::newRow("Content-Length and chunked")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    QTest::newRow("head over the limit")
        << QByteArray("GET / HTTP/1.1\r\nX-Big: " + QByteArray(1100, 'a'));
    QTest::newRow("body over the limit (known from the head)")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 2049\r\n\r\n");
    QTest::newRow("chunked body over the limit") << QByteArray(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n900\r\n" + QByteArray(0x900, 'a'));
}

void tst_HttpRequestParser::invalid()
{
    QFETCH(QByteArray, wire);
    HttpRequestParser parser;
    ParsedRequest request;
    QCOMPARE(parser.parse(wire, &request, 1024, 2048), HttpRequestParser::Result::Invalid);
}

void tst_HttpRequestParser::keepAlive_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("connection");
    QTest::addColumn<bool>("keepAlive");
    QTest::newRow("1.1") << QByteArray("HTTP/1.1") << QByteArray() << true;
    QTest::newRow("1.1 close") << QByteArray("HTTP/1.1") << QByteArray("close") << false;
    QTest::newRow("1.1 Close") << QByteArray("HTTP/1.1") << QByteArray("Close") << false;
    QTest::newRow("1.0") << QByteArray("HTTP/1.0") << QByteArray() << false;
    QTest::newRow("1.0 keep-alive") << QByteArray("HTTP/1.0") << QByteArray("keep-alive") << true;
}

void tst_HttpRequestParser::keepAlive()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, connection);
    QFETCH(bool, keepAlive);
    const QByteArray header
        = connection.isEmpty() ? QByteArray() : "Connection: " + connection + "\r\n";
    HttpRequestParser parser;
    ParsedRequest request;
    QCOMPARE(parser.parse(publish("{}", header, version), &request, 1024, 2048),
             HttpRequestParser::Result::Complete);
    QCOMPARE(request.keepAlive, keepAlive);
    QCOMPARE(request.versionMinor, version == "HTTP/1.0" ? 0 : 1);
}

void tst_HttpRequestParser::chunkedIsDecoded()
{
    const QByteArray wire = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
    HttpRequestParser parser;
    ParsedRequest request;
    QCOMPARE(parser.parse(wire, &request, 1024, 2048), HttpRequestParser::Result::Complete);
    QVERIFY(request.chunked);
    QCOMPARE(request.body, QByteArray("abcde"));
    QCOMPARE(request.totalBytes, wire.size());
}

void tst_HttpRequestParser::plainTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<bool>("plain");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("segments");
    QTest::addColumn<QString>("query");
    QTest::newRow("path") << QByteArray("/api/sessions/a_b-c.d~e/events") << true
                          << QStringLiteral("/api/sessions/a_b-c.d~e/events")
                          << QStringList {"api", "sessions", "a_b-c.d~e", "events"} << QString();
    QTest::newRow("query") << QByteArray("/a/b?x=1&y=z") << true << QStringLiteral("/a/b")
                           << QStringList {"a", "b"} << QStringLiteral("x=1&y=z");
    QTest::newRow("root") << QByteArray("/") << true << QStringLiteral("/") << QStringList {""}
                          << QString();
    QTest::newRow("trailing slash")
        << QByteArray("/a/") << true << QStringLiteral("/a/") << QStringList {"a", ""} << QString();
    QTest::newRow("root with query") << QByteArray("/?x=1") << true << QStringLiteral("/")
                                     << QStringList {""} << QStringLiteral("x=1");
    QTest::newRow("empty query") << QByteArray("/a?") << true << QStringLiteral("/a")
                                 << QStringList {"a"} << QString();
    QTest::newRow("dot inside") << QByteArray("/a.b/c.") << true << QStringLiteral("/a.b/c.")
                                << QStringList {"a.b", "c."} << QString();
    QTest::newRow("dot-leading first segment")
        << QByteArray("/.a") << false << QString() << QStringList() << QString();
    QTest::newRow("space") << QByteArray("/a b") << false << QString() << QStringList()
                           << QString();
    QTest::newRow("percent") << QByteArray("/a%2Fb") << false << QString() << QStringList()
                             << QString();
    QTest::newRow("dot segment") << QByteArray("/a/../b") << false << QString() << QStringList()
                                 << QString();
    QTest::newRow("empty segment")
        << QByteArray("/a//b") << false << QString() << QStringList() << QString();
    QTest::newRow("absolute form")
        << QByteArray("http://x/a") << false << QString() << QStringList() << QString();
    QTest::newRow("non-ASCII") << QByteArray("/a\xc3\xa9") << false << QString() << QStringList()
                               << QString();
    QTest::newRow("encoded query")
        << QByteArray("/a?x=%20") << false << QString() << QStringList() << QString();
}

void tst_HttpRequestParser::plainTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(bool, plain);
    HttpRequest request;
    QCOMPARE(HttpRequestParser::setPlainTarget(target, &request), plain);
    if (!plain)
        return;
    QFETCH(QString, path);
    QFETCH(QStringList, segments);
    QFETCH(QString, query);
    QCOMPARE(request.path, path);
    QCOMPARE(request.segments, segments);
    QCOMPARE(request.query.toString(), query);
}

void tst_HttpRequestParser::fastPathTakesHotRequestsOnly_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("taken");
    QTest::newRow("publish") << publish() << true;
    QTest::newRow("publish, HTTP/1.0") << publish("{}", {}, "HTTP/1.0") << true;
    QTest::newRow("publish with a query") << publish().replace("/events ", "/events?a=b ") << true;
    QTest::newRow("not a session id (the router answers 404)")
        << publish().replace("session_", "session-") << true;
    QTest::newRow("bad JSON (the route answers it)") << publish("{nope") << true;
    QTest::newRow("GET") << QByteArray("GET /healthz HTTP/1.1\r\n\r\n") << false;
    QTest::newRow("PUT publish") << publish().replace("POST ", "PUT ") << false;
    QTest::newRow("cancel") << publish().replace("/events ", "/cancel ") << false;
    QTest::newRow("NDJSON") << publish("{}").replace("application/json", "application/x-ndjson")
                            << false;
    QTest::newRow("Expect") << publish("{}", "Expect: 100-continue\r\n") << false;
    QTest::newRow("Upgrade") << publish("{}", "Connection: Upgrade\r\nUpgrade: h2c\r\n") << false;
    QTest::newRow("chunked") << QByteArray(
        "POST " + kPath + " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                             << false;
    QTest::newRow("percent-encoded id") << publish().replace("session_", "session%5F") << false;
    QTest::newRow("incomplete body") << publish().chopped(1) << false;
    QTest::newRow("incomplete head") << publish().first(40) << false;
    QTest::newRow("head over the limit")
        << publish("{}", "X-Big: " + QByteArray(1000, 'a') + "\r\n") << false;
    QTest::newRow("body over the limit") << publish(QByteArray(2049, ' ')) << false;
}

void tst_HttpRequestParser::fastPathTakesHotRequestsOnly()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, taken);
    FastRequestPath path(limits());
    std::vector<FastRequestPath::Request> requests;
    const qsizetype bytes = path.take(wire, &requests);
    QCOMPARE(bytes, taken ? wire.size() : 0);
    QCOMPARE(requests.size(), size_t(taken ? 1 : 0));
    if (!taken)
        return;
    FastRequestPath::Request &first = requests.front();
    const HttpRequest &request = first.request;
    QCOMPARE(request.method, QByteArray("POST"));
    // A target of exactly the route and a valid session id carries the id (the at-once lane)
    // and no segments yet; addSegments() gives those setPlainTarget() cuts from it.
    const QByteArray target = wire.split(' ').at(1);
    HttpRequest general;
    QVERIFY(HttpRequestParser::setPlainTarget(target, &general));
    const bool atOnce = target == kPath;
    QCOMPARE(first.sessionId, atOnce ? QString::fromLatin1(kPath.split('/').at(3)) : QString());
    QCOMPARE(request.segments.isEmpty(), atOnce);
    QCOMPARE(request.path, general.path);
    first.addSegments();
    QCOMPARE(request.segments, general.segments);
    QCOMPARE(request.segments.size(), 4);
    QCOMPARE(request.header("content-type"), QByteArray("application/json"));
    QCOMPARE(requests.front().closeAfterResponse, wire.contains("HTTP/1.0"));
}

void tst_HttpRequestParser::fastPathStopsAtTheFirstOther()
{
    // Hot, hot, other, hot: the first two are taken, the rest is left in order.
    const QByteArray first = publish(R"({"n":1})");
    const QByteArray second = publish(R"({"n":2})");
    const QByteArray wire = first + second + "GET /healthz HTTP/1.1\r\n\r\n" + publish();
    FastRequestPath path(limits());
    std::vector<FastRequestPath::Request> requests;
    QCOMPARE(path.take(wire, &requests), first.size() + second.size());
    QCOMPARE(requests.size(), size_t(2));
    QCOMPARE(requests.at(0).request.body, QByteArray(R"({"n":1})"));
    QCOMPARE(requests.at(1).request.body, QByteArray(R"({"n":2})"));
    // After a closing request nothing more is taken (it would never be answered).
    const QByteArray closing = publish("{}", "Connection: close\r\n");
    QCOMPARE(path.take(closing + publish(), &requests), closing.size());
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests.front().closeAfterResponse);
}

void tst_HttpRequestParser::fastPathLeavesTooManyPipelined()
{
    // More requests than may wait on a connection: none is taken, and the guard answers 429
    // as it always did.
    QByteArray wire;
    for (int i = 0; i < FastRequestPath::maxPipelined; ++i)
        wire += publish();
    FastRequestPath path(limits());
    std::vector<FastRequestPath::Request> requests;
    QCOMPARE(path.take(wire, &requests), wire.size());
    QCOMPARE(requests.size(), size_t(FastRequestPath::maxPipelined));
    QCOMPARE(path.take(wire + "GET /healthz HTTP/1.1\r\n\r\n", &requests), 0);
    QVERIFY(requests.empty());
}

QTEST_APPLESS_MAIN(tst_HttpRequestParser)
#include "tst_httprequestparser.moc"
