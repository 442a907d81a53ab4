// FastEventDecoder against the QJsonDocument path: whatever it accepts, Qt's path accepts
// with the same drafts; whatever it declines goes to Qt's path, errors included.
#include "session/fasteventdecoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <cstring>

using namespace ssebuf;

class tst_FastEventDecoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sameAsQJsonDocument_data();
    void sameAsQJsonDocument();
    void batch();
    void batchWithOneBadElement();
};

namespace {

// The events the QJsonDocument path makes of body, or nothing when it rejects it.
std::optional<QList<PublishEvent>> viaQt(const QByteArray &body, int maxBatch, bool *isBatch)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || (!document.isObject() && !document.isArray()))
        return std::nullopt;
    QList<QJsonValue> values;
    *isBatch = document.isArray();
    if (document.isArray()) {
        const QJsonArray array = document.array();
        if (array.isEmpty() || array.size() > maxBatch)
            return std::nullopt;
        for (const QJsonValue &value : array)
            values.append(value);
    } else {
        values.append(document.object());
    }
    QList<PublishEvent> events;
    for (const QJsonValue &value : values) {
        ApiError apiError;
        if (!value.isObject())
            return std::nullopt;
        std::optional<PublishEvent> event = PublishEvent::fromJson(value.toObject(), &apiError);
        if (!event)
            return std::nullopt;
        events.append(*event);
    }
    return events;
}

void compareEvents(const QList<PublishEvent> &fast, const QList<PublishEvent> &qt)
{
    QCOMPARE(fast.size(), qt.size());
    for (qsizetype i = 0; i < fast.size(); ++i) {
        const EventDraft &a = fast.at(i).draft;
        const EventDraft &b = qt.at(i).draft;
        QCOMPARE(a.type, b.type);
        QCOMPARE(a.status, b.status);
        QCOMPARE(a.message, b.message);
        QCOMPARE(a.stage, b.stage);
        QCOMPARE(a.progress, b.progress);
        QCOMPARE(a.final, b.final);
        QCOMPARE(a.data.type(), b.data.type());
        QCOMPARE(fast.at(i).idempotencyKey, qt.at(i).idempotencyKey);
        QCOMPARE(fast.at(i).fingerprint, qt.at(i).fingerprint);
    }
}

} // namespace

void tst_FastEventDecoder::sameAsQJsonDocument_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("fast"); // whether the fast decoder takes it
    auto row = [](const char *name, const QByteArray &body, bool fast) {
        QTest::newRow(name) << body << fast;
    };
    row("minimal", R"({"type":"t","status":"running","message":""})", true);
    row("spaces", " \t\r\n{ \"type\" : \"t\" , \"status\":\"running\",\"message\":\"m\" }\n ",
        true);
    row("all fields",
        R"({"type":"progress","status":"completed","message":"done","stage":"s","progress":100,"final":true})",
        true);
    row("nulls",
        R"({"type":"t","status":"running","message":"m","stage":null,"progress":null,"final":null})",
        true);
    row("final false", R"({"type":"t","status":"running","message":"m","final":false})", true);
    row("failed without final", R"({"type":"t","status":"failed","message":"m"})", true);
    row("escapes",
        R"({"type":"t\"\\\/","status":"running","message":"a\nb\r\t\b\f\u0001\u0000 \u00e9\u20ac\ud83d\ude00"})",
        true);
    row("escaped key", R"({"\u0074ype":"t","status":"running","message":"m"})", true);
    row("unknown keys", R"({"type":"t","status":"running","message":"m","extra":1.5e3,"x":"y"})",
        true);
    row("progress 0 and -0", R"({"type":"t","status":"running","message":"m","progress":-0})",
        true);
    row("64 char type",
        "{\"type\":\"" + QByteArray(64, 'a') + R"(","status":"running","message":""})", true);
    row("65536 char message",
        R"({"type":"t","status":"running","message":")" + QByteArray(65536, 'm') + "\"}", true);
    // Declined: Qt's path decides (and gives the error where there is one).
    row("65 char type",
        "{\"type\":\"" + QByteArray(65, 'a') + R"(","status":"running","message":""})", false);
    row("65537 char message",
        R"({"type":"t","status":"running","message":")" + QByteArray(65537, 'm') + "\"}", false);
    row("129 char stage",
        R"({"type":"t","status":"running","message":"","stage":")" + QByteArray(129, 's') + "\"}",
        false);
    row("empty type", R"({"type":"","status":"running","message":""})", false);
    row("no message", R"({"type":"t","status":"running"})", false);
    row("number message", R"({"type":"t","status":"running","message":1})", false);
    row("bad status", R"({"type":"t","status":"Running","message":""})", false);
    row("final mismatch", R"({"type":"t","status":"completed","message":"","final":false})", false);
    row("final not bool", R"({"type":"t","status":"running","message":"","final":0})", false);
    row("progress 101", R"({"type":"t","status":"running","message":"","progress":101})", false);
    row("progress fraction", R"({"type":"t","status":"running","message":"","progress":50.5})",
        false);
    row("progress 50.0", R"({"type":"t","status":"running","message":"","progress":50.0})", false);
    row("progress string", R"({"type":"t","status":"running","message":"","progress":"5"})", false);
    row("data", R"({"type":"t","status":"running","message":"","data":{"b":1,"a":2}})", false);
    row("idempotency key", R"({"type":"t","status":"running","message":"","idempotency_key":"k"})",
        false);
    row("nested unknown", R"({"type":"t","status":"running","message":"","x":[1]})", false);
    row("repeated key", R"({"type":"t","status":"running","message":"a","message":"b"})", false);
    row("raw utf-8", "{\"type\":\"t\",\"status\":\"running\",\"message\":\"caf\xc3\xa9\"}", false);
    row("invalid utf-8", "{\"type\":\"t\",\"status\":\"running\",\"message\":\"\xff\"}", false);
    row("lone high surrogate", R"({"type":"t","status":"running","message":"\ud800"})", false);
    row("lone low surrogate", R"({"type":"t","status":"running","message":"\udc00x"})", false);
    row("NUL after object",
        QByteArray(R"({"type":"t","status":"running","message":""})") + QByteArray(1, '\0') + "x",
        false);
    row("garbage after object", R"({"type":"t","status":"running","message":""}x)", false);
    row("trailing comma", R"({"type":"t","status":"running","message":"",})", false);
    row("not json", "hello", false);
    row("empty", "", false);
    row("scalar", "1", false);
    row("deep nesting", QByteArray(100000, '['), false);
    // The shapes the SAX handler decides on its own (a field's value, a key, where it is).
    const QByteArray base = R"("type":"t","status":"running","message":"m")";
    auto with = [&base](const QByteArray &members) { return "{" + base + "," + members + "}"; };
    row("reverse order",
        R"({"final":false,"progress":3,"stage":"s","message":"m","status":"running","type":"t"})",
        true);
    row("status first", R"({"status":"failed","x":null,"type":"t","final":true,"message":""})",
        true);
    const char *const fields[] = {"type", "status", "message", "stage", "progress", "final", "x"};
    for (const char *field : fields) {
        for (const char *nested : {"{}", "[]", R"({"a":1})", "[1]", "[[[[[[[[]]]]]]]]"}) {
            const QByteArray body = "{\"" + QByteArray(field) + "\":" + nested + "," + base + "}";
            QTest::addRow("nested %s %s", field, nested) << body << false;
        }
        if (std::strcmp(field, "type") != 0) // a repeated key, null or not
            QTest::addRow("repeated %s", field)
                << with("\"" + QByteArray(field) + "\":null,\"" + QByteArray(field) + "\":null")
                << false;
    }
    row("repeated type", with(R"("type":"t")"), false);
    row("repeated escaped", with(R"("x":1,"\u0078":2)"), false);
    row("repeated empty key", with(R"("":1,"":2)"), false);
    row("empty key", with(R"("":1,"y":"")"), true);
    row("keys differing after NUL", with(R"("a\u0000b":1,"a\u0000c":2,"a":3)"), true);
    row("deep in an event", "{" + base + ",\"x\":" + QByteArray(100000, '['), false);
    row("deep objects", "{" + base + "," + QByteArray(50000, 'x').replace("x", "\"a\":{"), false);
    const QByteArray accepted[] = {"0", "100", "-0", "7"};
    for (const QByteArray &progress : accepted)
        QTest::addRow("progress %s", progress.constData())
            << with("\"progress\":" + progress) << true;
    const QByteArray declined[] = {"1.0",
                                   "1e2",
                                   "1E0",
                                   "-0.0",
                                   "100.0",
                                   "-1",
                                   "2147483648",
                                   "4294967296",
                                   "-2147483649",
                                   "1e400",
                                   "true",
                                   "[]",
                                   "18446744073709551616"};
    for (const QByteArray &progress : declined)
        QTest::addRow("progress %s", progress.constData())
            << with("\"progress\":" + progress) << false;
    row("unknown numbers", with(R"("a":1e2,"b":-0.0,"c":18446744073709551615,"d":0e300)"), true);
    row("unknown too big", with(R"("a":1e400)"), false);
    row("empty stage", with(R"("stage":"")"), true);
    row("empty status", R"({"type":"t","status":"","message":""})", false);
    row("escaped status", R"({"type":"t","status":"\u0072unning","message":""})", true);
    row("status NUL", R"({"type":"t","status":"running\u0000","message":""})", false);
    row("type NUL", R"({"type":"a\u0000b","status":"running","message":""})", true);
    row("lone low surrogate unknown", with(R"("x":"\udc00")"), true);
    row("lone low surrogate stage", with(R"("stage":"\udc00")"), false);
    row("128 char stage", with("\"stage\":\"" + QByteArray(128, 's') + "\""), true);
    row("64 chars with escapes",
        "{\"type\":\"" + QByteArray(62, 'a') + R"(\u00e9\n","status":"running","message":""})",
        true);
    row("64 units in pairs",
        "{\"type\":\"" + QByteArray("\\ud83d\\ude00").repeated(32)
            + R"(","status":"running","message":""})",
        true);
    row("66 units in pairs",
        "{\"type\":\"" + QByteArray("\\ud83d\\ude00").repeated(33)
            + R"(","status":"running","message":""})",
        false);
    row("65537 chars escaped",
        R"({"type":"t","status":"running","message":")" + QByteArray(65535, 'm') + R"(\u00e9\t"})",
        false);
    QByteArray sixteen = base;
    for (int i = 3; i < 16; ++i)
        sixteen += ",\"k" + QByteArray::number(i) + "\":" + QByteArray::number(i);
    row("16 members", "{" + sixteen + "}", true);
    row("17 members", "{" + sixteen + R"(,"k16":null})", false);
    row("two objects", "{" + base + "}{" + base + "}", false);
    row("object and bracket", "{" + base + "}]", false);
    row("carriage return", "{" + base + "}\r", true);
    row("unclosed", "{" + base, false);
    // Raw control characters: an error in a string (rapidjson's SSE2 scan misses 0x1a..0x1f).
    for (const char control : {'\x01', '\x09', '\x17', '\x19', '\x1a', '\x1f'}) {
        const QByteArray message = QByteArray(20, 'm') + control + QByteArray(20, 'm');
        QTest::addRow("control %02x in a string", control)
            << R"({"type":"t","status":"running","message":")" + message + "\"}" << false;
    }
    row("tab between tokens", "{\t" + base + "\t}", true);
    row("unclosed string", R"({"type":"t","status":"running","message":"m)", false);
}

void tst_FastEventDecoder::sameAsQJsonDocument()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, fast);
    bool fastBatch = false;
    bool qtBatch = false;
    const std::optional<QList<PublishEvent>> decoded
        = FastEventDecoder::decode(body, 100, &fastBatch);
    QCOMPARE(decoded.has_value(), fast);
    const std::optional<PublishEvent> line = FastEventDecoder::decodeOne(body);
    QCOMPARE(line.has_value(), fast);
    if (!decoded)
        return;
    const std::optional<QList<PublishEvent>> qt = viaQt(body, 100, &qtBatch);
    QVERIFY(qt);
    QCOMPARE(fastBatch, qtBatch);
    compareEvents(*decoded, *qt);
    compareEvents({*line}, *qt);
}

void tst_FastEventDecoder::batch()
{
    const QByteArray one = R"({"type":"t","status":"running","message":"m","progress":7})";
    const QByteArray last = R"({"type":"end","status":"completed","message":"","final":true})";
    const QByteArray body = "[" + one + "," + one + "," + last + "]";
    bool isBatch = false;
    const std::optional<QList<PublishEvent>> decoded = FastEventDecoder::decode(body, 3, &isBatch);
    QVERIFY(decoded);
    QVERIFY(isBatch);
    bool qtBatch = false;
    compareEvents(*decoded, *viaQt(body, 3, &qtBatch));
    // Over the limit, empty, an element that is no object or not valid: Qt's path answers.
    QVERIFY(!FastEventDecoder::decode(body, 2, &isBatch));
    QVERIFY(FastEventDecoder::decode("[" + one + "]", 1, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[" + one + "," + one + "]", 1, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[]", 3, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[" + one + ",1]", 3, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[" + one + R"(,{"type":""}])", 3, &isBatch));
    // A line is one object, never a batch.
    QVERIFY(!FastEventDecoder::decodeOne(body));
    QVERIFY(!FastEventDecoder::decodeOne("[" + one + "]"));
}

void tst_FastEventDecoder::batchWithOneBadElement()
{
    const QByteArray good = R"({"type":"t","status":"running","message":"m"})";
    const QByteArray bad[] = {"1",
                              "null",
                              "[]",
                              R"({"type":"t"})",
                              R"({"type":"t","status":"running","message":"m","data":1})",
                              R"({"type":"t","status":"running","message":"m","x":{}})",
                              "[" + good + "]"};
    for (const QByteArray &element : bad) {
        for (int position = 0; position < 3; ++position) {
            QList<QByteArray> elements(3, good);
            elements[position] = element;
            const QByteArray body = "[" + elements.join(',') + "]";
            bool isBatch = false;
            QVERIFY2(!FastEventDecoder::decode(body, 100, &isBatch), body.constData());
        }
    }
    // Every other element good: all three events, as Qt's path has them.
    const QByteArray body = "[" + good + "," + good + "," + good + "]";
    bool isBatch = false;
    bool qtBatch = false;
    const std::optional<QList<PublishEvent>> decoded = FastEventDecoder::decode(body, 3, &isBatch);
    QVERIFY(decoded && isBatch);
    compareEvents(*decoded, *viaQt(body, 3, &qtBatch));
}

QTEST_APPLESS_MAIN(tst_FastEventDecoder)
#include "tst_fasteventdecoder.moc"
