// NdjsonLineSplitter: the lines of a streaming publish body as its bytes arrive, whatever
// the cuts between reads.

#include "api/ndjsonlinesplitter.h"

#include <QTest>

using ssebuf::NdjsonLineSplitter;

Q_DECLARE_METATYPE(QList<QByteArray>)

namespace {

// "number:text" per line, "number:TOO LONG" for one over the limit.
QStringList describe(const QList<NdjsonLineSplitter::Line> &lines)
{
    QStringList result;
    for (const auto &line : lines)
        result.append(QString::number(line.number) + QLatin1Char(':')
                      + (line.tooLong ? QStringLiteral("TOO LONG") : QString::fromUtf8(line.text)));
    return result;
}

} // namespace

class tst_NdjsonLineSplitter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lines_data();
    void lines();
    void everyCutGivesTheSameLines();
};

void tst_NdjsonLineSplitter::lines_data()
{
    QTest::addColumn<QList<QByteArray>>("reads");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<bool>("overLimit");

    QTest::newRow("LF") << QList<QByteArray> {"a\nb\n"} << QStringList {"1:a", "2:b"} << false;
    QTest::newRow("CRLF") << QList<QByteArray> {"a\r\nb\r\n"} << QStringList {"1:a", "2:b"}
                          << false;
    QTest::newRow("empty lines counted, not given")
        << QList<QByteArray> {"\n\r\na\n  \t\r\n\nb"} << QStringList {"3:a", "6:b"} << false;
    QTest::newRow("last line without its end")
        << QList<QByteArray> {"a\nbc"} << QStringList {"1:a", "2:bc"} << false;
    QTest::newRow("line cut between reads, CR in one, LF in the next")
        << QList<QByteArray> {"ab", "c\r", "\nd\n"} << QStringList {"1:abc", "2:d"} << false;
    QTest::newRow("exactly the limit")
        << QList<QByteArray> {"12345678\r\n"} << QStringList {"1:12345678"} << false;
    QTest::newRow("one over the limit, complete")
        << QList<QByteArray> {"a\n123456789\nb\n"} << QStringList {"1:a", "2:TOO LONG"} << true;
    QTest::newRow("over the limit before its end arrives")
        << QList<QByteArray> {"a\n1234", "56789x"} << QStringList {"1:a", "2:TOO LONG"} << true;
    QTest::newRow("nothing after the line over the limit")
        << QList<QByteArray> {"1234567890", "\nb\n"} << QStringList {"1:TOO LONG"} << true;
}

void tst_NdjsonLineSplitter::lines()
{
    QFETCH(QList<QByteArray>, reads);
    QFETCH(QStringList, expected);
    QFETCH(bool, overLimit);
    NdjsonLineSplitter splitter(8);
    QList<NdjsonLineSplitter::Line> lines;
    for (const QByteArray &read : reads)
        lines += splitter.feed(read);
    lines += splitter.feed({}, true);
    QCOMPARE(describe(lines), expected);
    QCOMPARE(splitter.isOverLimit(), overLimit);
}

void tst_NdjsonLineSplitter::everyCutGivesTheSameLines()
{
    const QByteArray body = "{\"a\":1}\r\n\n{\"b\":2}\n \n{\"c\":3}";
    const QStringList expected {"1:{\"a\":1}", "3:{\"b\":2}", "5:{\"c\":3}"};
    for (qsizetype cut = 0; cut <= body.size(); ++cut) {
        NdjsonLineSplitter splitter(1024);
        QList<NdjsonLineSplitter::Line> lines = splitter.feed(body.left(cut));
        lines += splitter.feed(body.mid(cut));
        lines += splitter.feed({}, true);
        QCOMPARE(describe(lines), expected);
        QCOMPARE(splitter.pendingBytes(), 0);
    }
}

QTEST_GUILESS_MAIN(tst_NdjsonLineSplitter)
#include "tst_ndjsonlinesplitter.moc"
