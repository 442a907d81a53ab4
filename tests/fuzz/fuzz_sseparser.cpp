// libFuzzer target: the SSE parser (common/sseparser.cpp).
//
// Input: two bytes that seed the split points, then a stream. Invariants:
// - feeding the stream in arbitrary pieces (also between CR and LF) gives exactly what
//   one feed of the whole buffer gives: events, comments, retry, last event id, failure;
// - events appear only when a line ending completes an empty line (fed byte by byte, no
//   event appears after a byte that is not CR or LF, and never more than the blank lines);
// - for a stream without CR, CRLF or CR line endings in place of LF change nothing.

#include "sseparser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using ssebuf::SseEvent;
using ssebuf::SseParser;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            fprintf(stderr, "fuzz_sseparser: check failed: %s (%s:%d)\n", #condition, __FILE__, \
                    __LINE__); \
            abort(); \
        } \
    } while (false)

struct Outcome
{
    QList<SseEvent> events;
    qint64 comments = 0;
    QByteArray lastComment;
    int retryMs = -1;
    QByteArray lastEventId;
    bool failed = false;
};

bool sameEvents(const QList<SseEvent> &a, const QList<SseEvent> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].data != b[i].data || a[i].type != b[i].type || a[i].hasId != b[i].hasId
            || a[i].id != b[i].id || a[i].lastEventId != b[i].lastEventId)
            return false;
    }
    return true;
}

void checkSame(const Outcome &a, const Outcome &b)
{
    FUZZ_CHECK(a.failed == b.failed);
    if (a.failed)
        return; // what was dispatched before the overlong line depends on where it was cut
    FUZZ_CHECK(sameEvents(a.events, b.events));
    FUZZ_CHECK(a.comments == b.comments);
    FUZZ_CHECK(a.lastComment == b.lastComment);
    FUZZ_CHECK(a.retryMs == b.retryMs);
    FUZZ_CHECK(a.lastEventId == b.lastEventId);
}

Outcome finish(SseParser &parser, QList<SseEvent> events)
{
    Outcome outcome;
    events += parser.takeEvents();
    outcome.events = events;
    outcome.comments = parser.commentCount();
    outcome.lastComment = parser.lastComment();
    outcome.retryMs = parser.retryMs();
    outcome.lastEventId = parser.lastEventId();
    outcome.failed = parser.failed();
    return outcome;
}

constexpr qsizetype kMaxLine = 512; // small, so the fuzzer reaches the line limit

Outcome parseWhole(const QByteArray &stream)
{
    SseParser parser;
    parser.setMaxLineLength(kMaxLine);
    parser.feed(stream);
    return finish(parser, {});
}

Outcome parseSplit(const QByteArray &stream, uint32_t seed)
{
    SseParser parser;
    parser.setMaxLineLength(kMaxLine);
    QList<SseEvent> events;
    qsizetype pos = 0;
    while (pos < stream.size()) {
        seed = seed * 1103515245u + 12345u;
        // Mostly tiny pieces (0..3 bytes, where CR/LF and BOM splits hide), some large.
        const qsizetype piece
            = (seed >> 16) % 8 < 6 ? qsizetype((seed >> 20) % 4) : qsizetype((seed >> 20) % 64);
        const qsizetype take = qMin(piece, stream.size() - pos);
        parser.feed(stream.constData() + pos, take);
        events += parser.takeEvents();
        pos += take;
    }
    return finish(parser, events);
}

Outcome parseBytewise(const QByteArray &stream)
{
    SseParser parser;
    parser.setMaxLineLength(kMaxLine);
    QList<SseEvent> events;
    qsizetype blankLines = 0;
    char previous = '\n';
    bool previousWasCr = false;
    for (qsizetype i = 0; i < stream.size(); ++i) {
        const char c = stream.at(i);
        parser.feed(&c, 1);
        const QList<SseEvent> fresh = parser.takeEvents();
        if (!fresh.isEmpty()) {
            FUZZ_CHECK(c == '\n' || c == '\r');
            FUZZ_CHECK(fresh.size() == 1);
        }
        // A line ending right after a line ending (not the LF of a CRLF) ends a blank line.
        const bool lineEnd = c == '\r' || (c == '\n' && !previousWasCr);
        if (lineEnd && (previous == '\n' || previous == '\r') && i > 0)
            ++blankLines;
        previousWasCr = c == '\r';
        previous = c;
        events += fresh;
    }
    Outcome outcome = finish(parser, events);
    // The first line may be empty too (i == 0 above); allow one more.
    if (!outcome.failed)
        FUZZ_CHECK(outcome.events.size() <= blankLines + 1);
    return outcome;
}

QByteArray replaced(const QByteArray &stream, const char *lineEnd)
{
    QByteArray out = stream;
    out.replace("\n", lineEnd);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint32_t seed = uint32_t(data[0]) << 8 | data[1];
    const QByteArray stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    const Outcome whole = parseWhole(stream);
    checkSame(whole, parseSplit(stream, seed));
    checkSame(whole, parseBytewise(stream));
    for (const SseEvent &event : whole.events) {
        FUZZ_CHECK(!event.id.contains('\0'));
        FUZZ_CHECK(!event.data.contains('\r'));
    }

    if (!stream.contains('\r')) {
        const Outcome crlf = parseWhole(replaced(stream, "\r\n"));
        const Outcome cr = parseWhole(replaced(stream, "\r"));
        checkSame(whole, crlf);
        checkSame(whole, cr);
        checkSame(crlf, parseSplit(replaced(stream, "\r\n"), seed ^ 0x5a5a));
    }
    return 0;
}
