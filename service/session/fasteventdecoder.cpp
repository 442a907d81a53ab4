#include "fasteventdecoder.h"

#define RAPIDJSON_HAS_STDSTRING 0
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstring>

namespace ssebuf {

namespace {

// Iterative: a deeply nested body cannot exhaust the stack (it is declined below anyway).
// Normal precision: the value of a non-integer number never matters here (progress must be
// an integer literal, parsed exactly), and rapidjson 1.1.0's full-precision strtod calls
// clz(0) on "0e300" (UBSan, found by fuzz_startrequest). No encoding validation: the text
// is checked to be ASCII first (validation would cost most of the parse).
constexpr unsigned parseFlags = rapidjson::kParseIterativeFlag;

// The DOM's values start in a buffer on the stack (a typical body needs about 1 KiB): no
// 64 KiB chunk from the heap per body.
struct Decoding
{
    char buffer[4096];
    rapidjson::MemoryPoolAllocator<> allocator {buffer, sizeof buffer};
    rapidjson::Document document {&allocator};
};

// 0x01..0x7f only: rapidjson would take a NUL byte for the end of the text (Qt reports what
// follows it), and UTF-8 decoding and its errors stay Qt's.
bool isPlainAscii(QByteArrayView bytes)
{
    const char *data = bytes.data();
    for (qsizetype i = 0, n = bytes.size(); i < n; ++i) {
        if (uchar(data[i]) - 1u >= 0x7fu)
            return false;
    }
    return true;
}

bool keyIs(const rapidjson::Value &key, const char *name, size_t length)
{
    return key.GetStringLength() == length && std::memcmp(key.GetString(), name, length) == 0;
}

// False for a string holding an escaped surrogate rapidjson let through on its own (a lone
// escaped low surrogate becomes the bytes ED B0 80): QJsonDocument keeps it as one UTF-16 unit,
// UTF-8 decoding would not.
bool toQString(const rapidjson::Value &value, QString *out)
{
    const char *data = value.GetString();
    const size_t size = value.GetStringLength();
    for (size_t i = 0; i + 1 < size; ++i) {
        if (uchar(data[i]) == 0xed && uchar(data[i + 1]) >= 0xa0)
            return false;
    }
    *out = QString::fromUtf8(data, qsizetype(size));
    return true;
}

std::optional<PublishEvent> decodeEvent(const rapidjson::Value &object)
{
    if (!object.IsObject() || object.MemberCount() > 16)
        return std::nullopt;
    const rapidjson::Value *type = nullptr;
    const rapidjson::Value *status = nullptr;
    const rapidjson::Value *message = nullptr;
    const rapidjson::Value *stage = nullptr;
    const rapidjson::Value *progress = nullptr;
    const rapidjson::Value *final = nullptr;
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
        const rapidjson::Value &key = it->name;
        const rapidjson::Value &value = it->value;
        if (value.IsObject() || value.IsArray())
            return std::nullopt;
        // A repeated key: QJsonObject decides which one counts.
        for (auto other = object.MemberBegin(); other != it; ++other) {
            if (other->name == key)
                return std::nullopt;
        }
        const rapidjson::Value **slot = nullptr;
        if (keyIs(key, "type", 4))
            slot = &type;
        else if (keyIs(key, "status", 6))
            slot = &status;
        else if (keyIs(key, "message", 7))
            slot = &message;
        else if (keyIs(key, "stage", 5))
            slot = &stage;
        else if (keyIs(key, "progress", 8))
            slot = &progress;
        else if (keyIs(key, "final", 5))
            slot = &final;
        else if (keyIs(key, "data", 4) || keyIs(key, "idempotency_key", 15))
            return std::nullopt; // QJsonValue data, the fingerprint: the QJsonDocument path
        if (slot)
            *slot = &value;
        // Other keys are ignored, as EventDraft::fromJson ignores them.
    }
    PublishEvent event;
    EventDraft &draft = event.draft;
    if (!type || !type->IsString())
        return std::nullopt;
    if (!toQString(*type, &draft.type) || draft.type.isEmpty() || draft.type.size() > 64)
        return std::nullopt;
    if (!status || !status->IsString())
        return std::nullopt;
    if (keyIs(*status, "running", 7))
        draft.status = SessionState::Running;
    else if (keyIs(*status, "completed", 9))
        draft.status = SessionState::Completed;
    else if (keyIs(*status, "failed", 6))
        draft.status = SessionState::Failed;
    else
        return std::nullopt;
    if (!message || !message->IsString())
        return std::nullopt;
    if (!toQString(*message, &draft.message) || draft.message.size() > 65536)
        return std::nullopt;
    if (stage && !stage->IsNull()) {
        if (!stage->IsString())
            return std::nullopt;
        if (!toQString(*stage, &draft.stage) || draft.stage.size() > 128)
            return std::nullopt;
    }
    if (progress && !progress->IsNull()) {
        // An integer literal only: any other number goes through Qt's own number parsing.
        if (!progress->IsInt() || progress->GetInt() < 0 || progress->GetInt() > 100)
            return std::nullopt;
        draft.progress = progress->GetInt();
    }
    const bool terminal = isTerminal(draft.status);
    if (final && !final->IsNull()) {
        if (!final->IsBool() || final->GetBool() != terminal)
            return std::nullopt;
    }
    draft.final = terminal;
    return event;
}

bool parse(rapidjson::Document *document, QByteArrayView bytes)
{
    if (!isPlainAscii(bytes))
        return false;
    document->Parse<parseFlags>(bytes.data(), size_t(bytes.size()));
    return !document->HasParseError();
}

} // namespace

std::optional<QList<PublishEvent>> FastEventDecoder::decode(QByteArrayView body, int maxBatchEvents,
                                                            bool *isBatch)
{
    Decoding decoding;
    rapidjson::Document &document = decoding.document;
    if (!parse(&document, body))
        return std::nullopt;
    QList<PublishEvent> events;
    if (document.IsObject()) {
        std::optional<PublishEvent> event = decodeEvent(document);
        if (!event)
            return std::nullopt;
        events.append(std::move(*event));
        *isBatch = false;
        return events;
    }
    if (!document.IsArray() || document.Empty() || document.Size() > unsigned(maxBatchEvents))
        return std::nullopt;
    events.reserve(qsizetype(document.Size()));
    for (const rapidjson::Value &element : document.GetArray()) {
        std::optional<PublishEvent> event = decodeEvent(element);
        if (!event)
            return std::nullopt;
        events.append(std::move(*event));
    }
    *isBatch = true;
    return events;
}

std::optional<PublishEvent> FastEventDecoder::decodeOne(QByteArrayView line)
{
    Decoding decoding;
    if (!parse(&decoding.document, line))
        return std::nullopt;
    return decodeEvent(decoding.document);
}

} // namespace ssebuf
