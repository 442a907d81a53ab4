// FastEventDecoder against the QJsonDocument path: whatever it accepts, Qt's path accepts
// with the same drafts; whatever it declines goes to Qt's path, errors included.
#include "session/fasteventdecoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ssebuf;

class tst_FastEventDecoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sameAsQJsonDocument_data();
    void sameAsQJsonDocument();
    void batch();
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
    QVERIFY(!FastEventDecoder::decode("[]", 3, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[" + one + ",1]", 3, &isBatch));
    QVERIFY(!FastEventDecoder::decode("[" + one + R"(,{"type":""}])", 3, &isBatch));
    // A line is one object, never a batch.
    QVERIFY(!FastEventDecoder::decodeOne(body));
}

QTEST_APPLESS_MAIN(tst_FastEventDecoder)
#include "tst_fasteventdecoder.moc"
