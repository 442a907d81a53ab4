// JsonWriter::appendString against QJsonDocument: the same bytes for ASCII (its direct
// path), other BMP text, surrogate pairs, lone surrogates and every control character.
#include "core/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ssebuf;

class tst_JsonWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendStringMatchesQJsonDocument_data();
    void appendStringMatchesQJsonDocument();
    void appendsAfterWhatIsThere();
};

void tst_JsonWriter::appendStringMatchesQJsonDocument_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("empty") << QString();
    QTest::newRow("ascii") << QStringLiteral("session_20260101_000000_0123456789abcdef");
    QTest::newRow("quotes and backslash") << QStringLiteral("a \"b\" c\\d /e");
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls.append(QChar(c));
    controls.append(QChar(0x7f));
    QTest::newRow("controls") << controls;
    QTest::newRow("latin-1") << QStringLiteral("caf\u00e9 \u00fc");
    QTest::newRow("ascii then non-ascii") << QStringLiteral("abc\"def\u20ac");
    QTest::newRow("surrogate pair") << QString::fromUtf8("emoji \xf0\x9f\x98\x80 end");
    QTest::newRow("lone high surrogate") << (QStringLiteral("x") + QChar(0xd800) + "y");
    QTest::newRow("lone low surrogate") << (QChar(0xdc00) + QStringLiteral("\n"));
}

void tst_JsonWriter::appendStringMatchesQJsonDocument()
{
    QFETCH(QString, value);
    QByteArray out;
    JsonWriter::appendString(out, value);
    const QByteArray array = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    QCOMPARE(out, array.mid(1, array.size() - 2));
    QCOMPARE(QJsonDocument::fromJson("[" + out + "]").array().at(0).toString(),
             QJsonDocument::fromJson(array).array().at(0).toString());
}

void tst_JsonWriter::appendsAfterWhatIsThere()
{
    // The direct path gives up at the first non-ASCII character and leaves out as it was.
    QByteArray out = "{\"a\":";
    JsonWriter::appendString(out, QStringLiteral("long ascii prefix \u00e9"));
    QCOMPARE(out, QByteArray("{\"a\":\"long ascii prefix \xc3\xa9\""));
    JsonWriter::appendString(out, QStringLiteral("b"));
    QCOMPARE(out, QByteArray("{\"a\":\"long ascii prefix \xc3\xa9\"\"b\""));
}

QTEST_APPLESS_MAIN(tst_JsonWriter)
#include "tst_jsonwriter.moc"
