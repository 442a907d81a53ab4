#include "httprequestparser.h"

#include <QUrlQuery>

#include <cstring>

#include <http_parser.h>

#include <array>

namespace ssebuf {

namespace {

// Appends a piece of a header name or value; a whole piece that is the same as the one in
// that place of the connection's previous request (a producer sends the same headers every
// time), or a common name or value as clients send it, is shared instead of allocated.
void appendPiece(QByteArray &to, const char *at, qsizetype length, const QByteArray *previous)
{
    if (to.isEmpty() && previous && previous->size() == length
        && std::memcmp(previous->constData(), at, size_t(length)) == 0) {
        to = *previous;
        return;
    }
    static const QByteArray common[] = {
        QByteArrayLiteral("Host"),
        QByteArrayLiteral("host"),
        QByteArrayLiteral("Content-Type"),
        QByteArrayLiteral("content-type"),
        QByteArrayLiteral("Content-Length"),
        QByteArrayLiteral("content-length"),
        QByteArrayLiteral("Connection"),
        QByteArrayLiteral("connection"),
        QByteArrayLiteral("keep-alive"),
        QByteArrayLiteral("User-Agent"),
        QByteArrayLiteral("Accept"),
        QByteArrayLiteral("*/*"),
        QByteArrayLiteral("Authorization"),
        QByteArrayLiteral("authorization"),
        QByteArrayLiteral("application/json"),
    };
    if (to.isEmpty()) {
        const QByteArrayView piece(at, length);
        for (const QByteArray &literal : common) {
            if (literal.size() == length && piece == literal) {
                to = literal;
                return;
            }
        }
    }
    to.append(at, length);
}

// A path segment as a QString; the words of the service's routes are shared literals.
QString segmentText(QByteArrayView segment)
{
    static const QString words[] = {
        QStringLiteral("api"),      QStringLiteral("sessions"), QStringLiteral("events"),
        QStringLiteral("refactor"), QStringLiteral("sse"),
    };
    for (const QString &word : words) {
        if (word.size() == segment.size() && QLatin1String(segment.data(), segment.size()) == word)
            return word;
    }
    return QString::fromLatin1(segment);
}

} // namespace

struct HttpRequestParser::State
{
    http_parser parser {};
    http_parser_settings settings {};
    ParsedRequest *request = nullptr;
    const char *base = nullptr;
    qint64 maxHeadBytes = 0;
    qint64 maxBodyBytes = 0;
    bool inValue = false; // the last header callback was a value
    HttpHeaders previousHeaders; // of the last complete request (see appendPiece())
    // The previous request's header in the place of the one being parsed, if any.
    const QPair<QByteArray, QByteArray> *previousHeader() const
    {
        const qsizetype index = request->headers.size() - 1;
        return index < previousHeaders.size() ? &previousHeaders.at(index) : nullptr;
    }
    bool headComplete = false;
    bool complete = false;

    static State *of(http_parser *parser) { return static_cast<State *>(parser->data); }
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    // A header or target byte past the head limit ends the parse (the head is too large).
    int headBytes(const char *at, size_t length) const
    {
        return qsizetype(at - base) + qsizetype(length) > maxHeadBytes ? 1 : 0;
    }
};

int HttpRequestParser::State::onUrl(http_parser *parser, const char *at, size_t length)
{
    auto *state = of(parser);
    // One view: the target's pieces lie one after the other in the bytes of this parse.
    QByteArrayView &target = state->request->target;
    target = target.isNull() ? QByteArrayView(at, qsizetype(length))
                             : QByteArrayView(target.data(), at + length - target.data());
    return state->headBytes(at, length);
}

int HttpRequestParser::State::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    auto *state = of(parser);
    if (state->inValue || state->request->headers.isEmpty())
        state->request->headers.append(QPair<QByteArray, QByteArray>());
    state->inValue = false;
    const auto *previous = state->previousHeader();
    appendPiece(state->request->headers.last().first, at, qsizetype(length),
                previous ? &previous->first : nullptr);
    return state->headBytes(at, length);
}

int HttpRequestParser::State::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    auto *state = of(parser);
    state->inValue = true;
    const auto *previous = state->previousHeader();
    appendPiece(state->request->headers.last().second, at, qsizetype(length),
                previous ? &previous->second : nullptr);
    return state->headBytes(at, length);
}

int HttpRequestParser::State::onHeadersComplete(http_parser *parser)
{
    // Returns -1 to stop: 1 and 2 would tell http_parser that the message has no body.
    auto *state = of(parser);
    ParsedRequest *request = state->request;
    if (parser->http_major != 1)
        return -1;
    static const QByteArray post = QByteArrayLiteral("POST");
    request->method = parser->method == HTTP_POST
        ? post
        : QByteArray(http_method_str(http_method(parser->method)));
    request->versionMinor = parser->http_minor;
    request->keepAlive = http_should_keep_alive(parser) != 0;
    request->chunked = (parser->flags & F_CHUNKED) != 0;
    request->upgrade = parser->upgrade != 0;
    if (!request->chunked && parser->content_length != ULLONG_MAX
        && parser->content_length > quint64(state->maxBodyBytes))
        return -1;
    for (auto &header : request->headers) {
        // Values trimmed as QtHttpServer's header parser and the guard trim them (http_parser
        // drops the leading white space only).
        const QByteArray &value = header.second;
        if (!value.isEmpty() && (value.back() == ' ' || value.back() == '\t'))
            header.second = value.trimmed();
        if (equalsIgnoringAsciiCase(header.first, "expect"))
            request->expectContinue = true;
    }
    state->headComplete = true;
    http_parser_pause(parser, 1); // parse() learns where the head ends, then goes on
    return 0;
}

int HttpRequestParser::State::onBody(http_parser *parser, const char *at, size_t length)
{
    auto *state = of(parser);
    if (state->request->body.size() + qint64(length) > state->maxBodyBytes)
        return 1;
    QByteArray &body = state->request->body;
    if (body.isEmpty())
        body = QByteArray(at, qsizetype(length)); // the common case: one piece, one allocation
    else
        body.append(at, qsizetype(length));
    return 0;
}

int HttpRequestParser::State::onMessageComplete(http_parser *parser)
{
    auto *state = of(parser);
    state->complete = true;
    http_parser_pause(parser, 1); // one request per parse()
    return 0;
}

HttpRequestParser::HttpRequestParser()
    : m_state(std::make_unique<State>())
{
    http_parser_settings_init(&m_state->settings);
    m_state->settings.on_url = State::onUrl;
    m_state->settings.on_header_field = State::onHeaderField;
    m_state->settings.on_header_value = State::onHeaderValue;
    m_state->settings.on_headers_complete = State::onHeadersComplete;
    m_state->settings.on_body = State::onBody;
    m_state->settings.on_message_complete = State::onMessageComplete;
}

HttpRequestParser::~HttpRequestParser() = default;

HttpRequestParser::Result HttpRequestParser::parse(QByteArrayView bytes, ParsedRequest *request,
                                                   qint64 maxHeadBytes, qint64 maxBodyBytes)
{
    *request = ParsedRequest();
    request->headers.reserve(8);
    State &state = *m_state;
    http_parser_init(&state.parser, HTTP_REQUEST);
    state.parser.data = &state;
    state.request = request;
    state.base = bytes.data();
    state.maxHeadBytes = maxHeadBytes;
    state.maxBodyBytes = maxBodyBytes;
    state.inValue = false;
    state.headComplete = false;
    state.complete = false;
    const size_t size = size_t(bytes.size());
    size_t parsed = http_parser_execute(&state.parser, &state.settings, bytes.data(), size);
    if (state.headComplete && HTTP_PARSER_ERRNO(&state.parser) == HPE_PAUSED) {
        // Paused on the head's last LF, which it has not counted yet.
        request->headBytes = qsizetype(parsed) + 1;
        if (request->headBytes > maxHeadBytes)
            return Result::Invalid;
        http_parser_pause(&state.parser, 0);
        parsed += http_parser_execute(&state.parser, &state.settings, bytes.data() + parsed,
                                      size - parsed);
    }
    const auto error = http_errno(state.parser.http_errno);
    if (state.complete && (error == HPE_OK || error == HPE_PAUSED)) {
        request->totalBytes = qsizetype(parsed);
        state.previousHeaders = request->headers; // shared, not copied
        return Result::Complete;
    }
    if (error != HPE_OK || parsed != size)
        return Result::Invalid;
    return Result::Incomplete;
}

bool HttpRequestParser::setPlainTarget(QByteArrayView target, HttpRequest *request)
{
    // One pass over the path (this runs for every hot request): plain characters only, no
    // empty or dot-leading segment; the segments are cut on the way. Each byte is classed
    // by a table lookup.
    enum Class : unsigned char { Other, Plain, Dot, Slash, Question };
    static constexpr auto classes = [] {
        std::array<unsigned char, 256> table {};
        for (int c = 'a'; c <= 'z'; ++c)
            table[size_t(c)] = Plain;
        for (int c = 'A'; c <= 'Z'; ++c)
            table[size_t(c)] = Plain;
        for (int c = '0'; c <= '9'; ++c)
            table[size_t(c)] = Plain;
        table['-'] = table['_'] = table['~'] = Plain;
        table['.'] = Dot;
        table['/'] = Slash;
        table['?'] = Question;
        return table;
    }();
    const char *data = target.data();
    const qsizetype size = target.size();
    if (size == 0 || data[0] != '/')
        return false;
    request->segments.clear();
    request->segments.reserve(6);
    qsizetype start = 1; // of the current segment
    qsizetype pos = 1;
    for (; pos < size; ++pos) {
        while (classes[static_cast<unsigned char>(data[pos])] == Plain) {
            if (++pos == size)
                break;
        }
        if (pos == size)
            break;
        const unsigned char kind = classes[static_cast<unsigned char>(data[pos])];
        if (kind == Dot) {
            if (pos == start)
                return false; // a dot-leading segment
            continue;
        }
        if (kind == Other)
            return false;
        if (kind == Slash && pos == start)
            return false; // "//"
        request->segments.append(segmentText(QByteArrayView(data + start, pos - start)));
        start = pos + 1;
        if (kind == Question)
            break;
    }
    if (pos == size) // the last segment ends with the target
        request->segments.append(segmentText(QByteArrayView(data + start, pos - start)));
    request->path = QString::fromLatin1(data, pos);
    if (pos < size) {
        const QByteArrayView query = target.sliced(pos + 1);
        // Printable ASCII without '%' and '#': nothing QUrl would encode, decode or cut.
        for (const char c : query) {
            if (c <= ' ' || c > '~' || c == '%' || c == '#')
                return false;
        }
        request->query = QUrlQuery(QString::fromLatin1(query));
    }
    return true;
}

} // namespace ssebuf
