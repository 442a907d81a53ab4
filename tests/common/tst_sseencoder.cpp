#include <sseencoder.h>
#include <sseparser.h>

#include <QTest>

using ssebuf::SseEncoder;
using ssebuf::SseParser;

class tst_SseEncoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void event_data();
    void event();
    void anonymousEvent_data();
    void anonymousEvent();
    void roundTrip_data();
    void roundTrip();
    void retry_data();
    void retry();
    void comment_data();
    void comment();
};

void tst_SseEncoder::event_data()
{
    QTest::addColumn<qint64>("id");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("json") << qint64(1) << QByteArray(R"({"seq":1})")
                          << QByteArray("id: 1\ndata: {\"seq\":1}\n\n");
    QTest::newRow("large id") << qint64(9007199254740993) << QByteArray("x")
                              << QByteArray("id: 9007199254740993\ndata: x\n\n");
    QTest::newRow("empty data") << qint64(5) << QByteArray() << QByteArray("id: 5\ndata: \n\n");
    QTest::newRow("LF") << qint64(2) << QByteArray("a\nb")
                        << QByteArray("id: 2\ndata: a\ndata: b\n\n");
    QTest::newRow("CR") << qint64(3) << QByteArray("a\rb")
                        << QByteArray("id: 3\ndata: a\ndata: b\n\n");
    QTest::newRow("CRLF") << qint64(4) << QByteArray("a\r\nb")
                          << QByteArray("id: 4\ndata: a\ndata: b\n\n");
    QTest::newRow("LF CR is two breaks")
        << qint64(4) << QByteArray("a\n\rb") << QByteArray("id: 4\ndata: a\ndata: \ndata: b\n\n");
    QTest::newRow("trailing LF") << qint64(6) << QByteArray("a\n")
                                 << QByteArray("id: 6\ndata: a\ndata: \n\n");
    QTest::newRow("only breaks") << qint64(7) << QByteArray("\r\n\r\n")
                                 << QByteArray("id: 7\ndata: \ndata: \ndata: \n\n");
    QTest::newRow("colon and spaces kept")
        << qint64(8) << QByteArray(" a: b ") << QByteArray("id: 8\ndata:  a: b \n\n");
    QTest::newRow("utf8") << qint64(9) << QByteArray("gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80")
                          << QByteArray("id: 9\ndata: gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80\n\n");
}

void tst_SseEncoder::event()
{
    QFETCH(qint64, id);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, wire);
    QCOMPARE(SseEncoder::event(id, data), wire);
}

void tst_SseEncoder::anonymousEvent_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("gap") << QByteArray(R"({"type":"gap"})")
                         << QByteArray("data: {\"type\":\"gap\"}\n\n");
    QTest::newRow("CRLF") << QByteArray("a\r\nb") << QByteArray("data: a\ndata: b\n\n");
    QTest::newRow("empty") << QByteArray() << QByteArray("data: \n\n");
}

void tst_SseEncoder::anonymousEvent()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, wire);
    QCOMPARE(SseEncoder::anonymousEvent(data), wire);
}

void tst_SseEncoder::roundTrip_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("parsed"); // what an SSE client's event.data holds

    QTest::newRow("plain") << QByteArray("hello") << QByteArray("hello");
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("LF") << QByteArray("a\nb\nc") << QByteArray("a\nb\nc");
    QTest::newRow("CR") << QByteArray("a\rb") << QByteArray("a\nb");
    QTest::newRow("CRLF") << QByteArray("a\r\nb\r\n") << QByteArray("a\nb\n");
    QTest::newRow("mixed") << QByteArray("1\r2\n3\r\n4") << QByteArray("1\n2\n3\n4");
    QTest::newRow("leading space") << QByteArray(" x") << QByteArray(" x");
    QTest::newRow("looks like a field")
        << QByteArray("id: 99\nretry: 1") << QByteArray("id: 99\nretry: 1");
}

void tst_SseEncoder::roundTrip()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, parsed);
    SseParser parser;
    QVERIFY(parser.feed(SseEncoder::retry(1500) + SseEncoder::comment("hi")
                        + SseEncoder::event(42, data) + SseEncoder::anonymousEvent(data)));
    const auto events = parser.takeEvents();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).data, parsed);
    QVERIFY(events.at(0).hasId);
    QCOMPARE(events.at(0).id, QByteArray("42"));
    QCOMPARE(events.at(1).data, parsed);
    QVERIFY(!events.at(1).hasId);
    // An event without an id keeps the client's Last-Event-ID.
    QCOMPARE(events.at(1).lastEventId, QByteArray("42"));
    QCOMPARE(parser.retryMs(), 1500);
    QCOMPARE(parser.commentCount(), 1);
}

void tst_SseEncoder::retry_data()
{
    QTest::addColumn<int>("ms");
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("default") << 3000 << QByteArray("retry: 3000\n\n");
    QTest::newRow("zero") << 0 << QByteArray("retry: 0\n\n");
    QTest::newRow("hour") << 3600000 << QByteArray("retry: 3600000\n\n");
}

void tst_SseEncoder::retry()
{
    QFETCH(int, ms);
    QFETCH(QByteArray, wire);
    QCOMPARE(SseEncoder::retry(ms), wire);
}

void tst_SseEncoder::comment_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("keepalive") << QByteArray("keepalive") << QByteArray(": keepalive\n\n");
    QTest::newRow("empty") << QByteArray() << QByteArray(": \n\n");
    QTest::newRow("cut at LF") << QByteArray("a\nb") << QByteArray(": a\n\n");
    QTest::newRow("cut at CR") << QByteArray("a\rdata: x") << QByteArray(": a\n\n");
    QTest::newRow("cut at CRLF") << QByteArray("a\r\nb") << QByteArray(": a\n\n");
}

void tst_SseEncoder::comment()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, wire);
    const QByteArray encoded = SseEncoder::comment(text);
    QCOMPARE(encoded, wire);
    // A comment never dispatches anything, whatever its text held.
    SseParser parser;
    QVERIFY(parser.feed(encoded));
    QVERIFY(!parser.hasEvents());
    QCOMPARE(parser.commentCount(), 1);
}

QTEST_GUILESS_MAIN(tst_SseEncoder)
#include "tst_sseencoder.moc"
