#include "core/eventdraft.h"
#include "core/storedevent.h"
#include "isotime.h"
#include "sseencoder.h"
#include "sseparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QTest>

using namespace ssebuf;

namespace {

QJsonObject running()
{
    return QJsonObject {{"type", "progress"}, {"status", "running"}, {"message", "working"}};
}

QJsonObject with(QJsonObject object, const QString &key, const QJsonValue &value)
{
    object.insert(key, value);
    return object;
}

QJsonObject without(QJsonObject object, const QString &key)
{
    object.remove(key);
    return object;
}

} // namespace

class tst_EventDraft : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fromJson_data();
    void fromJson();
    void fieldsAreCopied();
    void storedEventJson();
    void storedEventRoundTrip();
    void storedEventEscaping_data();
    void storedEventEscaping();
};

void tst_EventDraft::fromJson_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("field"); // empty: valid
    QTest::addColumn<bool>("final"); // when valid

    const QJsonObject base = running();
    QTest::newRow("minimal running") << base << QString() << false;
    QTest::newRow("empty message") << with(base, "message", "") << QString() << false;

    // type: a string of 1..64 characters.
    QTest::newRow("type missing") << without(base, "type") << "type" << false;
    QTest::newRow("type empty") << with(base, "type", "") << "type" << false;
    QTest::newRow("type number") << with(base, "type", 3) << "type" << false;
    QTest::newRow("type 64") << with(base, "type", QString(64, 't')) << QString() << false;
    QTest::newRow("type 65") << with(base, "type", QString(65, 't')) << "type" << false;

    // status: running, completed or failed; final follows it.
    QTest::newRow("status missing") << without(base, "status") << "status" << false;
    QTest::newRow("status unknown") << with(base, "status", "done") << "status" << false;
    QTest::newRow("status wrong case") << with(base, "status", "Running") << "status" << false;
    QTest::newRow("completed") << with(base, "status", "completed") << QString() << true;
    QTest::newRow("failed") << with(base, "status", "failed") << QString() << true;
    QTest::newRow("completed final true")
        << with(with(base, "status", "completed"), "final", true) << QString() << true;
    QTest::newRow("completed final false")
        << with(with(base, "status", "completed"), "final", false) << "final" << false;
    QTest::newRow("running final true") << with(base, "final", true) << "final" << false;
    QTest::newRow("running final false") << with(base, "final", false) << QString() << false;
    QTest::newRow("final null") << with(base, "final", QJsonValue::Null) << QString() << false;
    QTest::newRow("final string") << with(base, "final", "true") << "final" << false;

    // message: a string of at most 65536 characters.
    QTest::newRow("message missing") << without(base, "message") << "message" << false;
    QTest::newRow("message number") << with(base, "message", 1) << "message" << false;
    QTest::newRow("message 65536")
        << with(base, "message", QString(65536, 'm')) << QString() << false;
    QTest::newRow("message 65537")
        << with(base, "message", QString(65537, 'm')) << "message" << false;

    // stage: optional string of at most 128 characters.
    QTest::newRow("stage") << with(base, "stage", "planning") << QString() << false;
    QTest::newRow("stage null") << with(base, "stage", QJsonValue::Null) << QString() << false;
    QTest::newRow("stage 128") << with(base, "stage", QString(128, 's')) << QString() << false;
    QTest::newRow("stage 129") << with(base, "stage", QString(129, 's')) << "stage" << false;
    QTest::newRow("stage number") << with(base, "stage", 2) << "stage" << false;

    // progress: optional integer 0..100.
    QTest::newRow("progress 0") << with(base, "progress", 0) << QString() << false;
    QTest::newRow("progress 100") << with(base, "progress", 100) << QString() << false;
    QTest::newRow("progress -1") << with(base, "progress", -1) << "progress" << false;
    QTest::newRow("progress 101") << with(base, "progress", 101) << "progress" << false;
    QTest::newRow("progress fraction") << with(base, "progress", 50.5) << "progress" << false;
    QTest::newRow("progress string") << with(base, "progress", "50") << "progress" << false;
    QTest::newRow("progress null")
        << with(base, "progress", QJsonValue::Null) << QString() << false;

    // data: any JSON value.
    QTest::newRow("data object") << with(base, "data", QJsonObject {{"files", 3}}) << QString()
                                 << false;
    QTest::newRow("data array") << with(base, "data", QJsonArray {1, "x"}) << QString() << false;
    QTest::newRow("unknown field") << with(base, "seq", 99) << QString() << false;
}

void tst_EventDraft::fromJson()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, field);
    QFETCH(bool, final);
    ApiError error;
    const std::optional<EventDraft> draft = EventDraft::fromJson(json, &error);
    if (field.isEmpty()) {
        QVERIFY2(draft.has_value(), qPrintable(error.message));
        QCOMPARE(draft->final, final);
        return;
    }
    QVERIFY(!draft);
    QCOMPARE(error.httpStatus, 422);
    QCOMPARE(error.code, QStringLiteral("invalid_event"));
    QCOMPARE(error.field, field);
    QVERIFY(!error.message.isEmpty());
    QVERIFY(!EventDraft::fromJson(json, nullptr));
}

void tst_EventDraft::fieldsAreCopied()
{
    const QJsonObject json {{"type", "progress"},    {"status", "running"},
                            {"message", "Applying"}, {"stage", "refactoring"},
                            {"progress", 60},        {"data", QJsonObject {{"k", "v"}}}};
    const auto draft = EventDraft::fromJson(json, nullptr);
    QVERIFY(draft);
    QCOMPARE(draft->type, QStringLiteral("progress"));
    QCOMPARE(sessionStateName(draft->status), QStringLiteral("running"));
    QCOMPARE(draft->message, QStringLiteral("Applying"));
    QCOMPARE(draft->stage, QStringLiteral("refactoring"));
    QCOMPARE(draft->progress, 60);
    QCOMPARE(draft->data.toObject().value("k").toString(), QStringLiteral("v"));
    QVERIFY(!draft->final);

    const auto bare = EventDraft::fromJson(running(), nullptr);
    QVERIFY(bare);
    QCOMPARE(bare->progress, -1);
    QVERIFY(bare->stage.isEmpty());
    QVERIFY(bare->data.isUndefined());
}

void tst_EventDraft::storedEventJson()
{
    const auto draft
        = EventDraft::fromJson(QJsonObject {{"type", "result"},
                                            {"status", "completed"},
                                            {"message", "line one\nline two"},
                                            {"progress", 100},
                                            {"data", QJsonObject {{"files_changed", 3}}}},
                               nullptr);
    QVERIFY(draft);
    const qint64 ts = 1763056800123; // 2025-11-13T18:00:00.123Z
    const EventPtr event = StoredEvent::make(QStringLiteral("session_a"), 7, ts, *draft);
    QCOMPARE(event->seq, 7);
    QVERIFY(!event->json.contains('\n')); // one line of JSON on the wire
    QCOMPARE(event->wire, SseEncoder::event(7, event->json));
    QVERIFY(event->wire.startsWith("id: 7\ndata: {"));
    const QJsonObject json = QJsonDocument::fromJson(event->json).object();
    QCOMPARE(json.value("session_id").toString(), QStringLiteral("session_a"));
    QCOMPARE(json.value("seq").toInteger(), 7);
    QCOMPARE(json.value("type").toString(), QStringLiteral("result"));
    QCOMPARE(json.value("status").toString(), QStringLiteral("completed"));
    QCOMPARE(json.value("message").toString(), QStringLiteral("line one\nline two"));
    QCOMPARE(json.value("timestamp").toString(), QStringLiteral("2025-11-13T18:00:00.123Z"));
    QCOMPARE(json.value("progress").toInt(), 100);
    QCOMPARE(json.value("final").toBool(), true);
    QCOMPARE(json.value("data").toObject().value("files_changed").toInt(), 3);
    QVERIFY(!json.contains("stage"));

    const auto progress = EventDraft::fromJson(running(), nullptr);
    const EventPtr running = StoredEvent::make(QStringLiteral("session_a"), 1, ts, *progress);
    const QJsonObject runningJson = QJsonDocument::fromJson(running->json).object();
    QVERIFY(!runningJson.contains("final"));
    QVERIFY(!runningJson.contains("progress"));
    QVERIFY(!runningJson.contains("data"));
    static const QRegularExpression iso(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"));
    QVERIFY(iso.match(runningJson.value("timestamp").toString()).hasMatch());
}

void tst_EventDraft::storedEventRoundTrip()
{
    const auto draft
        = EventDraft::fromJson(with(with(running(), "stage", "testing"), "progress", 80), nullptr);
    QVERIFY(draft);
    const EventPtr made = StoredEvent::make(QStringLiteral("s"), 12, 1763056800000, *draft);
    const EventPtr back = StoredEvent::fromJson(made->json);
    QVERIFY(back);
    QCOMPARE(back->seq, 12);
    QCOMPARE(back->wire, made->wire);
    QCOMPARE(back->timestampMs, made->timestampMs);
    QCOMPARE(back->stage, QStringLiteral("testing"));
    QCOMPARE(back->progress, 80);
    QCOMPARE(back->final, false);
    QCOMPARE(back->summary().bytes, made->wire.size());
    QVERIFY(!StoredEvent::fromJson("{\"seq\":0}"));
    QVERIFY(!StoredEvent::fromJson("not json"));
}

void tst_EventDraft::storedEventEscaping_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QJsonValue>("data");

    const QJsonValue none(QJsonValue::Undefined);
    QTest::newRow("plain") << QStringLiteral("Applying changes") << none;
    QTest::newRow("quotes and backslashes") << QStringLiteral("say \"hi\" C:\\dir\\") << none;
    QTest::newRow("line breaks") << QStringLiteral("a\nb\r\nc\rd") << none;
    QTest::newRow("control characters") << QString::fromUtf8("\x01\x02\t\b\f\x1f\x7f end") << none;
    QTest::newRow("NUL") << QString(QChar(0)) + QStringLiteral("after") << none;
    QTest::newRow("non-BMP") << QString::fromUtf8("\xF0\x9F\x98\x80 \xF0\x9D\x84\x9E") << none;
    QTest::newRow("line separators") << QString::fromUtf8("a\xE2\x80\xA8"
                                                          "b\xE2\x80\xA9"
                                                          "c")
                                     << none;
    QTest::newRow("umlauts and CJK")
        << QString::fromUtf8("gr\xC3\xBC\xC3\x9F \xE4\xB8\xAD\xE6\x96\x87") << none;
    QTest::newRow("SSE look-alike") << QStringLiteral("\n\nid: 99\ndata: x\n\n") << none;
    QTest::newRow("data object")
        << QStringLiteral("m")
        << QJsonValue(QJsonObject {{"nested", QJsonObject {{"a", QJsonArray {1, "two", true}}}},
                                   {"quote\"key", "line\nbreak"}});
    QTest::newRow("data numbers") << QStringLiteral(
        "m") << QJsonValue(QJsonArray {0, -1, 9007199254740991LL, 0.1, 1e300, -2.5e-7, 100});
    QTest::newRow("data string") << QStringLiteral("m") << QJsonValue(QStringLiteral("\"\\\n"));
    QTest::newRow("data null") << QStringLiteral("m") << QJsonValue(QJsonValue::Null);
    QTest::newRow("data false") << QStringLiteral("m") << QJsonValue(false);
    QTest::newRow("data empty") << QStringLiteral("m") << QJsonValue(QJsonObject());
}

void tst_EventDraft::storedEventEscaping()
{
    QFETCH(QString, message);
    QFETCH(QJsonValue, data);
    QJsonObject input {{"type", "progress"},
                       {"status", "running"},
                       {"message", message},
                       {"stage", message.left(128)}};
    if (!data.isUndefined())
        input.insert("data", data);
    const auto draft = EventDraft::fromJson(input, nullptr);
    QVERIFY(draft);
    const EventPtr event
        = StoredEvent::make(QStringLiteral("session_\"x"), 3, 1763056800000, *draft);
    // One line of valid JSON, whatever the strings held.
    QVERIFY(!event->json.contains('\n'));
    QVERIFY(!event->json.contains('\r'));
    QJsonParseError error;
    const QJsonObject json = QJsonDocument::fromJson(event->json, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(json.value("message").toString(), message);
    QCOMPARE(json.value("stage").toString(), message.left(128));
    QCOMPARE(json.value("session_id").toString(), QStringLiteral("session_\"x"));
    QCOMPARE(json.value("data"), data.isUndefined() ? QJsonValue(QJsonValue::Undefined) : data);
    // What an SSE client reads back is exactly that JSON.
    SseParser parser;
    QVERIFY(parser.feed(event->wire));
    const auto events = parser.takeEvents();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).data, event->json);
}

QTEST_GUILESS_MAIN(tst_EventDraft)
#include "tst_eventdraft.moc"
