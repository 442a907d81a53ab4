#include "fasteventdecoder.h"

#define RAPIDJSON_HAS_STDSTRING 0
#if defined(__SSE2__)
// Strings and whitespace 16 bytes at a time (aligned loads: the copy below is padded).
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/reader.h>

#include <QVarLengthArray>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstring>

namespace ssebuf {

namespace {

// rapidjson's SAX reader, in situ (see parse()): no DOM is built, and the handler below stops
// the parse at the first value it does not take (a nested object or array inside an event
// included), so the recursion never goes deeper than batch array, event object, scalar.
// Normal precision: the value of a non-integer number never matters here (progress must be
// an integer literal, parsed exactly), and rapidjson 1.1.0's full-precision strtod calls
// clz(0) on "0e300" (UBSan, found by fuzz_startrequest). No encoding validation: the text is
// checked to be ASCII first (validation would cost most of the parse).
constexpr unsigned parseFlags = rapidjson::kParseInsituFlag;

using Allocator = rapidjson::MemoryPoolAllocator<>;
using Reader = rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, Allocator>;

// 0x01..0x7f only (rapidjson would take a NUL byte for the end of the text, Qt reports what
// follows it; UTF-8 decoding and its errors stay Qt's), and none of 0x18..0x1f: no JSON text
// holds them raw (in a string or outside one: a parse error either way), and rapidjson
// 1.1.0's SSE2 string scan lets 0x1a..0x1f through (it stops below 0x1a only: found by
// comparing this decoder with the DOM one under libFuzzer). 16 or eight bytes at a time.
// *backslash tells whether there is an escape: without one every string is ASCII.
bool isPlainAscii(QByteArrayView bytes, bool *backslash)
{
#if defined(__SSE2__)
    if (bytes.size() >= 16) {
        const __m128i zero = _mm_setzero_si128();
        const __m128i slash = _mm_set1_epi8('\\');
        const __m128i controlMask = _mm_set1_epi8(char(0xf8));
        const __m128i control = _mm_set1_epi8(0x18);
        __m128i bad = zero;
        __m128i escape = zero;
        auto block = [&](const char *p) {
            const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
            bad = _mm_or_si128(bad, _mm_or_si128(s, _mm_cmpeq_epi8(s, zero)));
            bad = _mm_or_si128(bad, _mm_cmpeq_epi8(_mm_and_si128(s, controlMask), control));
            escape = _mm_or_si128(escape, _mm_cmpeq_epi8(s, slash));
        };
        for (qsizetype i = 0; i + 16 <= bytes.size(); i += 16)
            block(bytes.data() + i);
        block(bytes.data() + bytes.size() - 16); // the last bytes (again, in part)
        *backslash = _mm_movemask_epi8(escape) != 0;
        return _mm_movemask_epi8(bad) == 0;
    }
#endif
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const char *data = bytes.data();
    const qsizetype size = bytes.size();
    std::uint64_t bad = 0;
    std::uint64_t escape = 0;
    qsizetype i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        bad |= word | (word - ones); // a byte >= 0x80, or 0x00 (which borrows)
        const std::uint64_t controls = (word & (ones * 0xf8)) ^ (ones * 0x18);
        bad |= (controls - ones) & ~controls; // a byte 0x18..0x1f
        const std::uint64_t slashes = word ^ (ones * '\\');
        escape |= (slashes - ones) & ~slashes;
    }
    for (; i < size; ++i) {
        const uchar c = uchar(data[i]);
        bad |= c - 1u >= 0x7fu || (c & 0xf8) == 0x18 ? highs : 0;
        escape |= c == '\\' ? highs : 0;
    }
    *backslash = (escape & highs) != 0;
    return (bad & highs) == 0;
}

// False for a string holding an escaped surrogate rapidjson let through on its own (a lone
// escaped low surrogate becomes the bytes ED B0 80): QJsonDocument keeps it as one UTF-16 unit,
// UTF-8 decoding would not. Only text with an escape can hold a byte past 0x7f.
bool toQString(const char *data, size_t size, bool escapes, QString *out)
{
    bool ascii = true;
    for (size_t i = 0; escapes && i < size; ++i) {
        if (uchar(data[i]) >= 0x80) {
            ascii = false;
            if (uchar(data[i]) == 0xed && i + 1 < size && uchar(data[i + 1]) >= 0xa0)
                return false;
        }
    }
    *out = ascii ? QString::fromLatin1(data, qsizetype(size))
                 : QString::fromUtf8(data, qsizetype(size));
    return true;
}

bool equals(const char *a, size_t aSize, const char *b, size_t bSize)
{
    return aSize == bSize && std::memcmp(a, b, aSize) == 0;
}

// An event type the contract or a producer commonly uses, as a shared literal: no allocation
// per event for it. Null for any other.
QString commonType(const char *data, size_t size)
{
    switch (size) {
    case 5:
        if (equals(data, size, "token", 5))
            return QStringLiteral("token");
        if (equals(data, size, "delta", 5))
            return QStringLiteral("delta");
        if (equals(data, size, "error", 5))
            return QStringLiteral("error");
        break;
    case 6:
        if (equals(data, size, "result", 6))
            return QStringLiteral("result");
        break;
    case 7:
        if (equals(data, size, "message", 7))
            return QStringLiteral("message");
        break;
    case 8:
        if (equals(data, size, "progress", 8))
            return QStringLiteral("progress");
        if (equals(data, size, "greeting", 8))
            return QStringLiteral("greeting");
        break;
    }
    return {};
}

// The events of one body (or line), as the reader walks it. Every callback that returns false
// ends the parse, and the body is declined.
class Handler
{
public:
    Handler(bool escapes, bool lineOnly, int maxEvents, QList<PublishEvent> *events,
            std::optional<PublishEvent> *one)
        : m_escapes(escapes)
        , m_lineOnly(lineOnly)
        , m_maxEvents(maxEvents)
        , m_events(events)
        , m_one(one)
    {
    }

    bool isBatch() const { return m_batch; }

    bool StartArray()
    {
        // The root only (a nested array stops the parse).
        if (m_lineOnly || m_batch || m_inEvent || m_count != 0)
            return false;
        m_batch = true;
        return true;
    }
    bool EndArray(rapidjson::SizeType) { return true; }
    bool StartObject();
    bool Key(const char *key, rapidjson::SizeType length, bool);
    bool EndObject(rapidjson::SizeType);

    bool Null() { return take(Field::Stage) || take(Field::Progress) || take(Field::Final); }
    bool Bool(bool value)
    {
        if (m_field == Field::Final)
            m_final = value ? 1 : 0;
        return take(Field::Final);
    }
    bool Int(int value) { return number(value); }
    bool Uint(unsigned value) { return number(value); }
    bool Int64(std::int64_t value) { return number(value); }
    bool Uint64(std::uint64_t value) { return number(value <= 100 ? int(value) : -1); }
    bool Double(double) { return take(Field::Other); }
    bool RawNumber(const char *, rapidjson::SizeType, bool) { return false; } // not enabled
    bool String(const char *value, rapidjson::SizeType length, bool);

private:
    enum class Field : unsigned char { Type, Status, Message, Stage, Progress, Final, Other };

    // Whether a value for the current key may be field's kind (Other: any scalar, ignored).
    bool take(Field field) const
    {
        return m_inEvent && (m_field == field || m_field == Field::Other);
    }
    bool number(std::int64_t value)
    {
        if (!m_inEvent)
            return false;
        if (m_field == Field::Progress && value >= 0 && value <= 100)
            m_event->draft.progress = int(value);
        else if (m_field != Field::Other)
            return false;
        return true;
    }

    const bool m_escapes;
    const bool m_lineOnly;
    const int m_maxEvents;
    QList<PublishEvent> *const m_events;
    std::optional<PublishEvent> *const m_one;
    int m_count = 0;
    bool m_batch = false;

    // The event being read.
    bool m_inEvent = false;
    PublishEvent *m_event = nullptr;
    Field m_field = Field::Other;
    unsigned m_seen = 0; // the known fields read, a bit per Field
    int m_members = 0;
    int m_final = -1; // -1 absent or null
    // The other keys (in the text), for the repeated-key check: QJsonObject decides which
    // one counts.
    struct OtherKey
    {
        const char *data;
        size_t size;
    };
    OtherKey m_otherKeys[16];
    int m_others = 0;
};

bool Handler::StartObject()
{
    // The root, or an element of the batch (a nested object stops the parse).
    if (m_inEvent || m_count == (m_batch ? m_maxEvents : 1))
        return false;
    ++m_count;
    m_event = m_events ? &m_events->emplaceBack() : &m_one->emplace();
    m_inEvent = true;
    m_seen = 0;
    m_members = 0;
    m_final = -1;
    m_others = 0;
    return true;
}

bool Handler::Key(const char *key, rapidjson::SizeType length, bool)
{
    if (++m_members > 16)
        return false;
    Field field = Field::Other;
    switch (length) {
    case 4:
        if (std::memcmp(key, "type", 4) == 0)
            field = Field::Type;
        else if (std::memcmp(key, "data", 4) == 0)
            return false; // QJsonValue data: the QJsonDocument path
        break;
    case 5:
        if (std::memcmp(key, "stage", 5) == 0)
            field = Field::Stage;
        else if (std::memcmp(key, "final", 5) == 0)
            field = Field::Final;
        break;
    case 6:
        if (std::memcmp(key, "status", 6) == 0)
            field = Field::Status;
        break;
    case 7:
        if (std::memcmp(key, "message", 7) == 0)
            field = Field::Message;
        break;
    case 8:
        if (std::memcmp(key, "progress", 8) == 0)
            field = Field::Progress;
        break;
    case 15:
        if (std::memcmp(key, "idempotency_key", 15) == 0)
            return false; // the fingerprint: the QJsonDocument path
        break;
    default:
        break;
    }
    m_field = field;
    if (field != Field::Other) {
        const unsigned bit = 1u << unsigned(field);
        if (m_seen & bit)
            return false;
        m_seen |= bit;
        return true;
    }
    // Other keys are ignored, as EventDraft::fromJson ignores them, unless repeated.
    for (int i = 0; i < m_others; ++i) {
        if (equals(m_otherKeys[i].data, m_otherKeys[i].size, key, length))
            return false;
    }
    m_otherKeys[m_others++] = {key, length};
    return true;
}

bool Handler::String(const char *value, rapidjson::SizeType length, bool)
{
    if (!m_inEvent)
        return false;
    EventDraft &draft = m_event->draft;
    switch (m_field) {
    case Field::Type:
        if (QString common = commonType(value, length); !common.isNull()) {
            draft.type = std::move(common);
            return true;
        }
        return toQString(value, length, m_escapes, &draft.type) && !draft.type.isEmpty()
            && draft.type.size() <= 64;
    case Field::Status:
        if (equals(value, length, "running", 7))
            draft.status = SessionState::Running;
        else if (equals(value, length, "completed", 9))
            draft.status = SessionState::Completed;
        else if (equals(value, length, "failed", 6))
            draft.status = SessionState::Failed;
        else
            return false;
        return true;
    case Field::Message:
        return toQString(value, length, m_escapes, &draft.message) && draft.message.size() <= 65536;
    case Field::Stage:
        return toQString(value, length, m_escapes, &draft.stage) && draft.stage.size() <= 128;
    case Field::Other:
        return true;
    case Field::Progress: // an integer literal only: the rest is Qt's number parsing
    case Field::Final:
        break;
    }
    return false;
}

bool Handler::EndObject(rapidjson::SizeType)
{
    constexpr unsigned required = 1u << unsigned(Field::Type) | 1u << unsigned(Field::Status)
        | 1u << unsigned(Field::Message);
    // type, status and message are strings when present (anything else stopped the parse).
    if ((m_seen & required) != required)
        return false;
    EventDraft &draft = m_event->draft;
    const bool terminal = isTerminal(draft.status);
    if (m_final != -1 && bool(m_final) != terminal)
        return false;
    draft.final = terminal;
    m_inEvent = false;
    return true;
}

bool parse(QByteArrayView bytes, Handler *handler)
{
    // In situ: the strings are unescaped in a copy of the text (on the stack for a common
    // body), where the handler's pointers stay valid. The text holds no NUL byte, so the one
    // after the copy is its end, as the end of a memory stream was.
    // SSE2 reads 16 aligned bytes at a time, so up to 15 past the NUL: they are in the copy.
    constexpr qsizetype padding = 16;
    QVarLengthArray<char, 4096> text;
    text.resize(bytes.size() + padding + 16);
    char *start = reinterpret_cast<char *>((quintptr(text.data()) + 15) & ~quintptr(15));
    if (!bytes.isEmpty()) // an empty view's data() may be null, which memcpy may not take
        std::memcpy(start, bytes.data(), size_t(bytes.size()));
    std::memset(start + bytes.size(), 0, padding);
    rapidjson::InsituStringStream stream(start);
    // Unused in practice (recursive, in situ, normal precision: nothing goes on the reader's
    // stack), but should anything go there, it starts on the stack too.
    char buffer[256];
    Allocator allocator(buffer, sizeof buffer);
    Reader reader(&allocator, 64);
    return !reader.Parse<parseFlags>(stream, *handler).IsError();
}

} // namespace

std::optional<QList<PublishEvent>> FastEventDecoder::decode(QByteArrayView body, int maxBatchEvents,
                                                            bool *isBatch)
{
    bool escapes = false;
    if (!isPlainAscii(body, &escapes))
        return std::nullopt;
    QList<PublishEvent> events;
    // Room for the common body's one event, allocated directly (the first emplaceBack()
    // on an empty list went through Qt's general reallocation); a batch grows from there.
    events.reserve(1);
    Handler handler(escapes, false, maxBatchEvents, &events, nullptr);
    if (!parse(body, &handler) || events.isEmpty())
        return std::nullopt;
    *isBatch = handler.isBatch();
    return events;
}

std::optional<PublishEvent> FastEventDecoder::decodeOne(QByteArrayView line)
{
    bool escapes = false;
    if (!isPlainAscii(line, &escapes))
        return std::nullopt;
    std::optional<PublishEvent> event;
    Handler handler(escapes, true, 1, nullptr, &event);
    if (!parse(line, &handler))
        return std::nullopt;
    return event;
}

} // namespace ssebuf
