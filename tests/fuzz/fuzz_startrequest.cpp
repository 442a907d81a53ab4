// libFuzzer target: request validation.
//
// Input: a Content-Type line, LF, then a body. The Content-Type goes through the HTTP edge's
// media-type check (HttpRequest::isJsonMediaType); a body it accepts goes through
// StartRequest::parse (POST /api/refactor). A body that is a JSON object goes through
// EventDraft::fromJson (the publish API and the exec pipeline) and StoredEvent::make, whose
// hand-written JSON and SSE frame are checked against Qt's parser and the project's SseParser.
// Every body also goes through FastEventDecoder (the publish API's rapidjson path): what it
// accepts, the QJsonDocument path must accept with the same events.

#include "core/startrequest.h"
#include "core/storedevent.h"
#include "http/httprequest.h"
#include "session/fasteventdecoder.h"
#include "sseparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdint>
#include <cstdlib>

using namespace ssebuf;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            fprintf(stderr, "fuzz_startrequest: check failed: %s (%s:%d)\n", #condition, __FILE__, \
                    __LINE__); \
            abort(); \
        } \
    } while (false)

qsizetype codePoints(const QString &text)
{
    return text.toUcs4().size();
}

QString viaUtf8(const QString &text)
{
    return QString::fromUtf8(text.toUtf8());
}

// Every string and key as it comes back from UTF-8 (lone surrogates become '?').
QJsonValue withUtf8Strings(const QJsonValue &value)
{
    if (value.isString())
        return viaUtf8(value.toString());
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &item : value.toArray())
            array.append(withUtf8Strings(item));
        return array;
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        QJsonObject result;
        for (auto it = object.begin(); it != object.end(); ++it)
            result.insert(viaUtf8(it.key()), withUtf8Strings(it.value()));
        return result;
    }
    return value;
}

// What Qt's own JSON writer and parser make of a value, the reference for the service's
// hand-written JSON. The service writes top-level text as UTF-8 (a lone surrogate becomes
// '?') and nested values with Qt (which escapes it as \uXXXX): both sides are compared
// with lone surrogates replaced (found by this fuzzer; see docs/reliability.md).
QJsonValue viaQtJson(const QJsonValue &value)
{
    const QByteArray json
        = QJsonDocument(QJsonObject {{QStringLiteral("v"), withUtf8Strings(value)}})
              .toJson(QJsonDocument::Compact);
    return QJsonDocument::fromJson(json).object().value(QLatin1String("v"));
}

void checkStartRequest(const QByteArray &contentType, const QByteArray &body)
{
    if (!HttpRequest::isJsonMediaType(contentType))
        return; // answered 415 at the HTTP edge
    const QByteArray mime = contentType.split(';').value(0).trimmed().toLower();
    FUZZ_CHECK(mime == "application/json"
               || (mime.startsWith("application/") && mime.endsWith("+json")));
    ApiError error;
    const std::optional<StartRequest> request = StartRequest::parse(body, &error);
    if (!request) {
        FUZZ_CHECK(error.httpStatus == 400 || error.httpStatus == 422);
        FUZZ_CHECK(!error.code.isEmpty() && !error.message.isEmpty());
        FUZZ_CHECK((error.httpStatus == 422) == !error.field.isEmpty());
        return;
    }
    FUZZ_CHECK(codePoints(request->userId) >= 1 && codePoints(request->userId) <= 128);
    FUZZ_CHECK(codePoints(request->prompt) >= 1 && codePoints(request->prompt) <= 65536);
    FUZZ_CHECK(request->mode == QLatin1String("autonomous")
               || request->mode == QLatin1String("interactive"));
    // The credentials never reach what a pipeline, a log or the store sees.
    FUZZ_CHECK(!request->publicJson.contains(QLatin1String("github_credentials")));
    FUZZ_CHECK(request->publicJson.value(QLatin1String("mode")).toString() == request->mode);
    FUZZ_CHECK(request->publicJson.value(QLatin1String("user_id")).toString() == request->userId);
}

void checkEvent(const QJsonObject &json)
{
    ApiError error;
    const std::optional<EventDraft> draft = EventDraft::fromJson(json, &error);
    if (!draft) {
        FUZZ_CHECK(error.httpStatus == 422 || error.httpStatus == 400);
        FUZZ_CHECK(!error.code.isEmpty());
        return;
    }
    FUZZ_CHECK(sessionStateFromString(sessionStateName(draft->status)) == draft->status);
    FUZZ_CHECK(draft->final == (draft->status != SessionState::Running));
    FUZZ_CHECK(draft->progress == -1 || (draft->progress >= 0 && draft->progress <= 100));

    const QString sessionId
        = QStringLiteral("session_20260101_000000_0123456789abcdef0123456789abcdef");
    const EventPtr event = StoredEvent::make(sessionId, 42, 1767225600123, *draft);
    // One line of valid JSON that says what the draft said.
    FUZZ_CHECK(!event->json.contains('\n') && !event->json.contains('\r'));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(event->json, &parseError);
    FUZZ_CHECK(parseError.error == QJsonParseError::NoError && document.isObject());
    const QJsonObject written = document.object();
    FUZZ_CHECK(written.value(QLatin1String("seq")).toInteger() == 42);
    FUZZ_CHECK(written.value(QLatin1String("session_id")).toString() == sessionId);
    // Text comes back exactly, a lone surrogate included (written as a \uXXXX escape).
    FUZZ_CHECK(written.value(QLatin1String("type")).toString() == draft->type);
    FUZZ_CHECK(written.value(QLatin1String("status")).toString()
               == sessionStateName(draft->status));
    FUZZ_CHECK(written.value(QLatin1String("message")).toString() == draft->message);
    if (!draft->data.isUndefined())
        FUZZ_CHECK(withUtf8Strings(written.value(QLatin1String("data"))) == viaQtJson(draft->data));
    // The frame every subscriber receives parses back to exactly that event.
    FUZZ_CHECK(event->wire == "id: 42\ndata: " + event->json + "\n\n");
    SseParser parser;
    FUZZ_CHECK(parser.feed(event->wire));
    const QList<SseEvent> events = parser.takeEvents();
    FUZZ_CHECK(events.size() == 1 && events.first().data == event->json
               && events.first().id == "42");
    // And a shared store can rebuild it.
    const EventPtr rebuilt = StoredEvent::fromJson(event->json);
    FUZZ_CHECK(rebuilt && rebuilt->seq == 42 && rebuilt->wire == event->wire
               && rebuilt->final == event->final && rebuilt->type == event->type);
}

void checkFastDecoder(const QByteArray &body)
{
    bool isBatch = false;
    const std::optional<QList<PublishEvent>> fast = FastEventDecoder::decode(body, 8, &isBatch);
    const std::optional<PublishEvent> line = FastEventDecoder::decodeOne(body);
    FUZZ_CHECK(!line || (fast && !isBatch));
    if (!fast)
        return;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    FUZZ_CHECK(parseError.error == QJsonParseError::NoError);
    FUZZ_CHECK(document.isArray() == isBatch && (document.isObject() || document.isArray()));
    QList<QJsonValue> values;
    if (isBatch) {
        for (const QJsonValue &value : document.array())
            values.append(value);
    } else {
        values.append(document.object());
    }
    FUZZ_CHECK(values.size() == fast->size());
    for (qsizetype i = 0; i < values.size(); ++i) {
        FUZZ_CHECK(values.at(i).isObject());
        ApiError error;
        const std::optional<PublishEvent> qt
            = PublishEvent::fromJson(values.at(i).toObject(), &error);
        FUZZ_CHECK(qt);
        const EventDraft &a = fast->at(i).draft;
        const EventDraft &b = qt->draft;
        FUZZ_CHECK(a.type == b.type && a.status == b.status && a.message == b.message
                   && a.stage == b.stage && a.progress == b.progress && a.final == b.final
                   && a.data.isUndefined() && b.data.isUndefined());
        FUZZ_CHECK(qt->idempotencyKey.isEmpty() && fast->at(i).idempotencyKey.isEmpty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input
        = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype newline = input.indexOf('\n');
    const QByteArray contentType
        = newline < 0 ? QByteArray("application/json") : QByteArray(input.constData(), newline);
    const QByteArray body = newline < 0 ? QByteArray(input) : input.mid(newline + 1);

    checkStartRequest(contentType, body);
    checkFastDecoder(body);
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject())
        checkEvent(document.object());
    return 0;
}
