#include <sseparser.h>

#include <QTest>

using ssebuf::SseEvent;
using ssebuf::SseParser;

namespace {

// One line per event, so a table can state what a client must see.
QString render(const SseEvent &event)
{
    QByteArray data = event.data;
    data.replace('\n', "\\n");
    return QStringLiteral("id=%1 type=%2 last=%3 data=%4")
        .arg(event.hasId ? QString::fromUtf8(event.id) : QStringLiteral("-"),
             QString::fromUtf8(event.type), QString::fromUtf8(event.lastEventId),
             QString::fromUtf8(data));
}

struct Outcome
{
    QStringList events;
    int retryMs = -1;
    qint64 comments = 0;
    QByteArray lastComment;
    bool failed = false;
};

Outcome parseInChunks(const QByteArray &input, const QList<qsizetype> &cuts)
{
    SseParser parser;
    Outcome outcome;
    qsizetype start = 0;
    for (qsizetype cut : cuts) {
        parser.feed(input.mid(start, cut - start));
        start = cut;
    }
    parser.feed(input.mid(start));
    for (const SseEvent &event : parser.takeEvents())
        outcome.events.append(render(event));
    outcome.retryMs = parser.retryMs();
    outcome.comments = parser.commentCount();
    outcome.lastComment = parser.lastComment();
    outcome.failed = parser.failed();
    return outcome;
}

} // namespace

class tst_SseParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void everyByteSeparately_data() { parse_data(); }
    void everyByteSeparately();
    void everySplitPoint_data() { parse_data(); }
    void everySplitPoint();
    void crlfSplitAcrossReads();
    void bomSplitAcrossReads();
    void takeEventsEmpties();
    void maxLineLength_data();
    void maxLineLength();
};

void tst_SseParser::parse_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("events");
    QTest::addColumn<int>("retryMs");
    QTest::addColumn<int>("comments");

    // Line ends: LF, CRLF, CR, and all three mixed in one event.
    QTest::newRow("LF") << QByteArray("data: a\n\n") << QStringList {"id=- type= last= data=a"}
                        << -1 << 0;
    QTest::newRow("CRLF") << QByteArray("data: a\r\n\r\n")
                          << QStringList {"id=- type= last= data=a"} << -1 << 0;
    QTest::newRow("CR") << QByteArray("data: a\r\r") << QStringList {"id=- type= last= data=a"}
                        << -1 << 0;
    QTest::newRow("mixed line ends") << QByteArray("data: a\rdata: b\ndata: c\r\n\r")
                                     << QStringList {"id=- type= last= data=a\\nb\\nc"} << -1 << 0;
    QTest::newRow("CR CR LF is two lines")
        << QByteArray("data: a\r\r\ndata: b\n\n")
        << QStringList {"id=- type= last= data=a", "id=- type= last= data=b"} << -1 << 0;
    QTest::newRow("two events") << QByteArray("id: 1\ndata: x\n\nid: 2\ndata: y\n\n")
                                << QStringList {"id=1 type= last=1 data=x",
                                                "id=2 type= last=2 data=y"}
                                << -1 << 0;

    // BOM: skipped only at the very start of the stream.
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBF"
                                       "data: x\n\n")
                         << QStringList {"id=- type= last= data=x"} << -1 << 0;
    QTest::newRow("second BOM is part of the field name") << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF"
                                                                        "data: x\n\n")
                                                          << QStringList {} << -1 << 0;
    QTest::newRow("BOM later is not skipped") << QByteArray("data: x\n\n\xEF\xBB\xBF"
                                                            "data: y\n\n")
                                              << QStringList {"id=- type= last= data=x"} << -1 << 0;
    QTest::newRow("partial BOM is data") << QByteArray("\xEF\xBB"
                                                       "data: x\n\n")
                                         << QStringList {} << -1 << 0;

    // Comments.
    QTest::newRow("comment") << QByteArray(": keepalive\n\n") << QStringList {} << -1 << 1;
    QTest::newRow("comments around an event") << QByteArray(":a\ndata: x\n: b\n\n:\n\n")
                                              << QStringList {"id=- type= last= data=x"} << -1 << 3;

    // Field syntax.
    QTest::newRow("no space after colon")
        << QByteArray("data:a\n\n") << QStringList {"id=- type= last= data=a"} << -1 << 0;
    QTest::newRow("only one space is removed")
        << QByteArray("data:  a \n\n") << QStringList {"id=- type= last= data= a "} << -1 << 0;
    QTest::newRow("field without colon")
        << QByteArray("data\n\n") << QStringList {"id=- type= last= data="} << -1 << 0;
    QTest::newRow("two empty data lines")
        << QByteArray("data\ndata\n\n") << QStringList {"id=- type= last= data=\\n"} << -1 << 0;
    QTest::newRow("colon in value")
        << QByteArray("data: a: b\n\n") << QStringList {"id=- type= last= data=a: b"} << -1 << 0;
    QTest::newRow("unknown field ignored") << QByteArray("foo: bar\nData: no\ndata: a\n\n")
                                           << QStringList {"id=- type= last= data=a"} << -1 << 0;

    // Event type.
    QTest::newRow("event type") << QByteArray("event: add\ndata: x\n\ndata: y\n\n")
                                << QStringList {"id=- type=add last= data=x",
                                                "id=- type= last= data=y"}
                                << -1 << 0;

    // Events without data are not dispatched; data-only events are.
    QTest::newRow("no data: not dispatched")
        << QByteArray("event: foo\n\nid: 3\n\n") << QStringList {} << -1 << 0;
    QTest::newRow("data only") << QByteArray("data: {\"a\":1}\n\n")
                               << QStringList {"id=- type= last= data={\"a\":1}"} << -1 << 0;
    QTest::newRow("unterminated event is not dispatched")
        << QByteArray("data: a\n\ndata: b\n") << QStringList {"id=- type= last= data=a"} << -1 << 0;

    // id: sets the last event id, which outlives the event; NUL makes it ignored.
    QTest::newRow("id persists") << QByteArray("id: 7\n\ndata: b\n\n")
                                 << QStringList {"id=- type= last=7 data=b"} << -1 << 0;
    QTest::newRow("empty id resets")
        << QByteArray("id: 7\ndata: a\n\nid\ndata: b\n\n")
        << QStringList {"id=7 type= last=7 data=a", "id= type= last= data=b"} << -1 << 0;
    QTest::newRow("id with NUL ignored")
        << QByteArray("id: 5\ndata: a\n\nid: 1\0"
                      "2\ndata: b\n\n",
                      32)
        << QStringList {"id=5 type= last=5 data=a", "id=- type= last=5 data=b"} << -1 << 0;
    QTest::newRow("id after data")
        << QByteArray("data: a\nid: 9\n\n") << QStringList {"id=9 type= last=9 data=a"} << -1 << 0;

    // retry: only ASCII digits count.
    QTest::newRow("retry") << QByteArray("retry: 5000\n\n") << QStringList {} << 5000 << 0;
    QTest::newRow("retry zero") << QByteArray("retry: 0\n") << QStringList {} << 0 << 0;
    QTest::newRow("retry not digits") << QByteArray("retry: 50a\n\n") << QStringList {} << -1 << 0;
    QTest::newRow("retry negative") << QByteArray("retry: -1\n\n") << QStringList {} << -1 << 0;
    QTest::newRow("retry empty") << QByteArray("retry:\n\n") << QStringList {} << -1 << 0;
    QTest::newRow("retry invalid keeps previous")
        << QByteArray("retry: 100\nretry: x\n\n") << QStringList {} << 100 << 0;
    QTest::newRow("retry with event") << QByteArray("retry: 3000\n\nid: 1\ndata: x\n\n")
                                      << QStringList {"id=1 type= last=1 data=x"} << 3000 << 0;
}

void tst_SseParser::parse()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, events);
    QFETCH(int, retryMs);
    QFETCH(int, comments);
    const Outcome outcome = parseInChunks(input, {});
    QCOMPARE(outcome.events, events);
    QCOMPARE(outcome.retryMs, retryMs);
    QCOMPARE(outcome.comments, qint64(comments));
    QVERIFY(!outcome.failed);
}

void tst_SseParser::everyByteSeparately()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, events);
    QFETCH(int, retryMs);
    QFETCH(int, comments);
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i < input.size(); ++i)
        cuts.append(i);
    const Outcome outcome = parseInChunks(input, cuts);
    QCOMPARE(outcome.events, events);
    QCOMPARE(outcome.retryMs, retryMs);
    QCOMPARE(outcome.comments, qint64(comments));
}

void tst_SseParser::everySplitPoint()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, events);
    QFETCH(int, retryMs);
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const Outcome outcome = parseInChunks(input, {cut});
        if (outcome.events != events || outcome.retryMs != retryMs)
            qWarning() << "split at" << cut << "of" << input;
        QCOMPARE(outcome.events, events);
        QCOMPARE(outcome.retryMs, retryMs);
    }
}

void tst_SseParser::crlfSplitAcrossReads()
{
    // A CR at the end of one read and the LF at the start of the next are one line end: the
    // LF must not be taken as an empty line (which would dispatch "a" alone).
    SseParser parser;
    QVERIFY(parser.feed("data: a\r"));
    QVERIFY(!parser.hasEvents());
    QVERIFY(parser.feed("\ndata: b\r"));
    QVERIFY(parser.feed(""));
    QVERIFY(!parser.hasEvents());
    QVERIFY(parser.feed("\n\r"));
    const auto events = parser.takeEvents();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).data, QByteArray("a\nb"));
    // The CR ended the blank line; a following LF is part of that line end.
    QVERIFY(parser.feed("\ndata: c\n\n"));
    const auto more = parser.takeEvents();
    QCOMPARE(more.size(), 1);
    QCOMPARE(more.at(0).data, QByteArray("c"));
}

void tst_SseParser::bomSplitAcrossReads()
{
    SseParser parser;
    QVERIFY(parser.feed("\xEF"));
    QVERIFY(parser.feed("\xBB"));
    QVERIFY(parser.feed("\xBF"));
    QVERIFY(parser.feed("data: x\n\n"));
    const auto events = parser.takeEvents();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).data, QByteArray("x"));
}

void tst_SseParser::takeEventsEmpties()
{
    SseParser parser;
    QVERIFY(parser.feed("data: 1\n\ndata: 2\n\n"));
    QVERIFY(parser.hasEvents());
    QCOMPARE(parser.takeEvents().size(), 2);
    QVERIFY(!parser.hasEvents());
    QCOMPARE(parser.takeEvents().size(), 0);
    QCOMPARE(parser.lastComment(), QByteArray());
    QVERIFY(parser.feed(": hi there\n"));
    QCOMPARE(parser.lastComment(), QByteArray("hi there"));
}

void tst_SseParser::maxLineLength_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("chunkSize"); // 0: all at once
    QTest::addColumn<bool>("fails");

    // With a limit of 16: "data: 0123456789" is exactly 16 bytes.
    const QByteArray atLimit = "data: 0123456789\n\n";
    const QByteArray overLimit = "data: 0123456789a\n\n";
    const QByteArray overNoEnd = "data: 0123456789abcdef";
    for (int chunk : {0, 1, 5}) {
        QTest::addRow("at limit, chunks of %d", chunk) << atLimit << chunk << false;
        QTest::addRow("over limit, chunks of %d", chunk) << overLimit << chunk << true;
        QTest::addRow("over limit unterminated, chunks of %d", chunk) << overNoEnd << chunk << true;
    }
}

void tst_SseParser::maxLineLength()
{
    QFETCH(QByteArray, input);
    QFETCH(int, chunkSize);
    QFETCH(bool, fails);
    SseParser parser;
    parser.setMaxLineLength(16);
    QCOMPARE(parser.maxLineLength(), qsizetype(16));
    bool ok = true;
    const int step = chunkSize > 0 ? chunkSize : int(input.size());
    for (qsizetype i = 0; i < input.size(); i += step)
        ok = parser.feed(input.mid(i, step)) && ok;
    QCOMPARE(!ok, fails);
    QCOMPARE(parser.failed(), fails);
    if (fails) {
        // A broken stream stays broken: nothing more is parsed.
        QVERIFY(!parser.feed("data: x\n\n"));
        QVERIFY(!parser.hasEvents());
    } else {
        const auto events = parser.takeEvents();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).data, QByteArray("0123456789"));
    }
}

QTEST_GUILESS_MAIN(tst_SseParser)
#include "tst_sseparser.moc"
