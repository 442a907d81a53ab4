// JsonWriter::appendString against QJsonDocument: the same bytes for ASCII (its direct
// path), other BMP text, surrogate pairs, lone surrogates and every control character.
#include "core/jsonwriter.h"
#include "core/storedevent.h"
#include "isotime.h"
#include "sseencoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <limits>

using namespace ssebuf;

class tst_JsonWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendStringMatchesQJsonDocument_data();
    void appendStringMatchesQJsonDocument();
    void appendsAfterWhatIsThere();
    void fieldMatchesAppendString_data();
    void fieldMatchesAppendString();
    void expectedSizeAndSuffix();
    void numbersAndKeys();
    void storedEventMatchesReference_data();
    void storedEventMatchesReference();
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

// field(name, QString) copies plain ASCII eight units at a time and hands everything else to
// appendString's paths: the same bytes either way, wherever in the string (and in which of
// the eight-unit blocks) the first unit to escape or encode sits.
void tst_JsonWriter::fieldMatchesAppendString_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("empty") << QString();
    QString ascii;
    for (int length = 1; length <= 40; ++length) {
        ascii += QChar(char16_t('a' + length % 26));
        QTest::addRow("ascii %d", length) << ascii;
    }
    QString printable;
    for (char16_t c = 0x20; c <= 0x7f; ++c)
        printable += QChar(c); // DEL needs no escape either
    QTest::newRow("printable and DEL") << printable;
    const QList<QPair<const char *, QChar>> odd = {
        {"quote", QChar('"')},       {"backslash", QChar('\\')}, {"newline", QChar('\n')},
        {"nul", QChar(0)},           {"0x1f", QChar(0x1f)},      {"0x80", QChar(0x80)},
        {"e acute", QChar(0xe9)},    {"euro", QChar(0x20ac)},    {"0x7fff", QChar(0x7fff)},
        {"0x8000", QChar(0x8000)},   {"0xffff", QChar(0xffff)},  {"lone high", QChar(0xd800)},
        {"lone low", QChar(0xdc00)},
    };
    for (const auto &[name, c] : odd) {
        for (const int at : {0, 1, 7, 8, 9, 15, 16, 23}) {
            QString value = QStringLiteral("0123456789abcdefghijklmnopqrstuvwxyz").left(24);
            value[at] = c;
            QTest::addRow("%s at %d", name, at) << value;
        }
    }
    QTest::newRow("surrogate pair in block 2") << QString::fromUtf8("01234567abc\xf0\x9f\x98\x80z");
}

void tst_JsonWriter::fieldMatchesAppendString()
{
    QFETCH(QString, value);
    JsonWriter writer;
    writer.field("k", value);
    QByteArray expected = "{\"k\":";
    JsonWriter::appendString(expected, value);
    expected += "}";
    QCOMPARE(writer.finish(), expected);
    const QByteArray array = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    QCOMPARE(expected, "{\"k\":" + array.mid(1, array.size() - 2) + "}");
}

// The buffer allocated at the expected size, too small, or too large: the same bytes.
void tst_JsonWriter::expectedSizeAndSuffix()
{
    const QByteArray expected = "id: 1\ndata: {\"a\":\"bc\",\"n\":12}\n\n";
    for (const qsizetype size : {qsizetype(0), qsizetype(1), qsizetype(12), expected.size(),
                                 expected.size() + 1, qsizetype(1000)}) {
        JsonWriter writer("id: 1\ndata: ", size);
        writer.field("a", QStringLiteral("bc"));
        writer.field("n", qint64(12));
        const QByteArray frame = writer.finish("\n\n");
        QCOMPARE(frame, expected);
        QCOMPARE(writer.objectStart(), qsizetype(12));
        if (size == expected.size())
            QCOMPARE(frame.capacity(), frame.size()); // allocated once, exactly
    }
    // Every kind of field, in a buffer that has to grow at each of them.
    for (const qsizetype size : {qsizetype(2), qsizetype(20), qsizetype(40)}) {
        JsonWriter writer("", size);
        writer.plainStringField("e", "");
        writer.rawField("r", "[1]");
        writer.field("f", false);
        writer.field("t", true);
        writer.field("s", QStringLiteral("x\"y\u00e9"));
        writer.field("o", QJsonValue(QJsonObject {{QStringLiteral("k"), 1}}));
        writer.field("n", qint64(-3));
        QCOMPARE(writer.finish(),
                 QByteArray("{\"e\":\"\",\"r\":[1],\"f\":false,\"t\":true,"
                            "\"s\":\"x\\\"y\xc3\xa9\",\"o\":{\"k\":1},\"n\":-3}"));
    }
}

void tst_JsonWriter::numbersAndKeys()
{
    JsonWriter writer;
    writer.field("zero", qint64(0));
    writer.field("min", std::numeric_limits<qint64>::min());
    writer.field("max", std::numeric_limits<qint64>::max());
    writer.field("negative", qint64(-42));
    writer.field("a_key_longer_than_the_seventy_two_bytes_of_the_key_buffer_for_sure_really_yes",
                 true);
    writer.plainStringField("plain", "2026-01-01T00:00:00.000Z");
    QCOMPARE(
        writer.finish(),
        QByteArray("{\"zero\":0,\"min\":-9223372036854775808,\"max\":9223372036854775807,"
                   "\"negative\":-42,\"a_key_longer_than_the_seventy_two_bytes_of_the_key_"
                   "buffer_for_sure_really_yes\":true,\"plain\":\"2026-01-01T00:00:00.000Z\"}"));
}

namespace {

// A value as QJsonDocument writes it, through a one-element array.
QByteArray valueJson(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

} // namespace

void tst_JsonWriter::storedEventMatchesReference_data()
{
    QTest::addColumn<qint64>("seq");
    QTest::addColumn<qint64>("timestampMs");
    QTest::addColumn<QByteArray>("draftJson");
    QTest::newRow("minimal") << qint64(1) << qint64(1767225600123)
                             << QByteArray(R"({"type":"t","status":"running","message":""})");
    QTest::newRow("everything")
        << qint64(9876543210) << qint64(0)
        << QByteArray(R"({"type":"progress","status":"completed","message":"done","stage":"s1",)"
                      R"("progress":100,"final":true,"data":{"z":1,"a":[1,2.5,-3e-7,true,null,)"
                      R"("x\"y"],"n":{"deep":{"deeper":"\u00e9\ud83d\ude00"}}}})");
    QTest::newRow("escapes and unicode")
        << qint64(42) << qint64(1767225600999)
        << QByteArray(R"({"type":"t\"q","status":"failed","message":"line\nbreak\r\tand \\ )"
                      R"(\u0001 caf\u00e9 \u20ac \ud83d\ude00 lone \ud800 end","stage":"\u00fc"})");
    QTest::newRow("ascii with stage, progress and final")
        << qint64(123) << qint64(1767225599999)
        << QByteArray(R"({"type":"done","status":"completed","message":"all done","stage":"s2",)"
                      R"("progress":7,"final":true})");
    QTest::newRow("scalar data") << qint64(7) << qint64(1767225600000)
                                 << QByteArray(R"({"type":"t","status":"running","message":"m",)"
                                               R"("data":1.0e300,"progress":0})");
    QTest::newRow("string data") << qint64(8) << qint64(1767225600000)
                                 << QByteArray(R"({"type":"t","status":"running","message":"m",)"
                                               R"("data":"a\nb"})");
    QTest::newRow("null data") << qint64(9) << qint64(-1)
                               << QByteArray(R"({"type":"t","status":"running","message":"m",)"
                                             R"("data":null})");
    QTest::newRow("year 10000") << qint64(10) << qint64(253402300800000)
                                << QByteArray(R"({"type":"t","status":"running","message":"m"})");
}

// StoredEvent::make writes the SSE frame around the JSON in one buffer: the same bytes as
// the JSON written field by field (QJsonDocument's escaping) and SseEncoder::event() around it.
void tst_JsonWriter::storedEventMatchesReference()
{
    QFETCH(qint64, seq);
    QFETCH(qint64, timestampMs);
    QFETCH(QByteArray, draftJson);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(draftJson, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    ApiError apiError;
    const std::optional<EventDraft> draft = EventDraft::fromJson(document.object(), &apiError);
    QVERIFY2(draft, qPrintable(apiError.message));
    const QString sessionId = QStringLiteral("sess_\u00e9x");
    const EventPtr event = StoredEvent::make(sessionId, seq, timestampMs, *draft);

    QByteArray expected = "{\"session_id\":" + valueJson(sessionId)
        + ",\"seq\":" + QByteArray::number(seq) + ",\"type\":" + valueJson(draft->type)
        + ",\"status\":" + valueJson(sessionStateName(draft->status)) + ",\"message\":"
        + valueJson(draft->message) + ",\"timestamp\":" + valueJson(isoUtcFromMs(timestampMs));
    if (!draft->stage.isEmpty())
        expected += ",\"stage\":" + valueJson(draft->stage);
    if (draft->progress >= 0)
        expected += ",\"progress\":" + QByteArray::number(draft->progress);
    if (!draft->data.isUndefined())
        expected += ",\"data\":" + valueJson(draft->data);
    if (draft->final)
        expected += ",\"final\":true";
    expected += "}";
    QCOMPARE(event->json, expected);
    QCOMPARE(event->wire, SseEncoder::event(seq, expected));
    QCOMPARE(event->seq, seq);
    QCOMPARE(event->timestampMs, timestampMs);
    // The memory store's way (the session id's JSON kept, the day's date kept): the same bytes.
    IsoUtcWriter timestamps;
    for (int round = 0; round < 2; ++round) {
        const EventPtr kept = StoredEvent::makeWithSessionJson(
            StoredEvent::sessionIdJson(sessionId), seq, timestampMs, *draft, &timestamps);
        QCOMPARE(kept->json, event->json);
        QCOMPARE(kept->wire, event->wire);
    }
    const QJsonObject back = QJsonDocument::fromJson(event->json).object();
    QCOMPARE(back.value(QLatin1String("message")).toString(), draft->message);
}

QTEST_APPLESS_MAIN(tst_JsonWriter)
#include "tst_jsonwriter.moc"
