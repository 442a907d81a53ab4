#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstring>
#include <utility>

namespace ssebuf {

JsonWriter::JsonWriter()
{
    m_out.resize(256);
    write("{", 1);
}

JsonWriter::JsonWriter(QByteArrayView prefix, qsizetype expectedSize)
    // Qt::Uninitialized allocates exactly that many bytes (resize() rounds the capacity up).
    : m_out(expectedSize >= prefix.size() + 2 ? expectedSize : prefix.size() + 256,
            Qt::Uninitialized)
{
    char *p = grow(prefix.size() + 1);
    if (!prefix.isEmpty())
        std::memcpy(p, prefix.data(), size_t(prefix.size()));
    p[prefix.size()] = '{';
    m_start = prefix.size();
}

char *JsonWriter::grow(qsizetype n)
{
    if (m_size + n > m_out.size())
        m_out.resize(qMax(m_size + n, 2 * m_out.size()));
    char *at = m_out.data() + m_size;
    m_size += n;
    return at;
}

void JsonWriter::write(const char *data, qsizetype n)
{
    if (n > 0)
        std::memcpy(grow(n), data, size_t(n));
}

template<typename Append> void JsonWriter::appendGeneral(Append append)
{
    m_out.resize(m_size);
    append(m_out);
    m_size = m_out.size();
}

void JsonWriter::appendRaw(QByteArray &out, const char *data, qsizetype n)
{
    const qsizetype before = out.size();
    if (out.capacity() < before + n)
        out.reserve(qMax(before + n, 2 * out.capacity()));
    out.resize(before + n);
    if (n > 0)
        std::memcpy(out.data() + before, data, size_t(n));
}

namespace {

// Copies the UTF-16 units of in that need nothing but a narrowing (printable ASCII other
// than '"' and '\\', DEL included) to out, up to the first that needs more; returns how
// many. Eight units at a time where SSE2 is there (every x86-64): the message of a common
// event is a hundred units, and the scalar test cost some fifteen instructions a unit.
qsizetype copyPlainAscii(char *out, const char16_t *in, qsizetype size)
{
    qsizetype i = 0;
#if defined(__SSE2__)
    const __m128i last = _mm_set1_epi16(0x7f);
    const __m128i space = _mm_set1_epi16(0x20);
    const __m128i quote = _mm_set1_epi16('"');
    const __m128i backslash = _mm_set1_epi16('\\');
    for (; i + 8 <= size; i += 8) {
        const __m128i units = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
        // Signed compares: a unit from 0x8000 up is negative, so "below a space" too.
        const __m128i outside
            = _mm_or_si128(_mm_cmpgt_epi16(units, last), _mm_cmplt_epi16(units, space));
        const __m128i special
            = _mm_or_si128(_mm_cmpeq_epi16(units, quote), _mm_cmpeq_epi16(units, backslash));
        if (_mm_movemask_epi8(_mm_or_si128(outside, special)) != 0)
            break; // the scalar loop finds which unit
        // Every unit is below 0x80: packing to bytes is the narrowing.
        _mm_storel_epi64(reinterpret_cast<__m128i *>(out + i), _mm_packus_epi16(units, units));
    }
#endif
    for (; i < size; ++i) {
        const char16_t c = in[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            break;
        out[i] = char(c);
    }
    return i;
}

// The escaped length of an ASCII string, quotes included; -1 when it has another character.
qsizetype asciiEscapedLength(const QString &value);
// Writes that many bytes at p.
void writeAsciiEscaped(char *p, const QString &value);

} // namespace

qsizetype JsonWriter::formatNumber(char (&text)[24], qint64 value)
{
    char *end = text + sizeof text;
    char *p = end;
    // Through unsigned: the magnitude of the smallest qint64 has no qint64 form.
    quint64 magnitude = value < 0 ? 0 - quint64(value) : quint64(value);
    do {
        *--p = char('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        *--p = '-';
    return end - p;
}

void JsonWriter::appendNumber(QByteArray &out, qint64 value)
{
    char text[24];
    const qsizetype length = formatNumber(text, value);
    appendRaw(out, text + sizeof text - length, length);
}

char *JsonWriter::key(QByteArrayView name, qsizetype valueSize)
{
    // A view: the length of a literal name is known where it is written (strlen() here was
    // a call per field).
    const size_t length = size_t(name.size());
    char *p = grow(name.size() + (m_first ? 3 : 4) + valueSize);
    if (!m_first)
        *p++ = ',';
    m_first = false;
    *p++ = '"';
    std::memcpy(p, name.data(), length);
    p += length;
    *p++ = '"';
    *p++ = ':';
    return p;
}

void JsonWriter::plainStringField(QByteArrayView name, QByteArrayView value)
{
    char *p = key(name, value.size() + 2);
    *p++ = '"';
    if (!value.isEmpty()) // an empty view's data() may be null, which memcpy may not take
        std::memcpy(p, value.data(), size_t(value.size()));
    p[value.size()] = '"';
}

void JsonWriter::rawField(QByteArrayView name, QByteArrayView json)
{
    char *p = key(name, json.size());
    if (!json.isEmpty())
        std::memcpy(p, json.data(), size_t(json.size()));
}

void JsonWriter::field(QByteArrayView name, const QString &value)
{
    // One pass for the common string (printable ASCII, nothing to escape); anything else
    // is written again from the mark by the escaping paths.
    const qsizetype size = value.size();
    const char16_t *data = reinterpret_cast<const char16_t *>(value.constData());
    char *p = key(name, size + 2);
    const qsizetype mark = m_size - (size + 2);
    *p++ = '"';
    if (copyPlainAscii(p, data, size) == size) {
        p[size] = '"';
        return;
    }
    m_size = mark;
    const qsizetype length = asciiEscapedLength(value);
    if (length >= 0)
        writeAsciiEscaped(grow(length), value);
    else
        appendGeneral([&value](QByteArray &out) { appendString(out, value); });
}

void JsonWriter::field(QByteArrayView name, qint64 value)
{
    char text[24];
    const qsizetype length = formatNumber(text, value);
    std::memcpy(key(name, length), text + sizeof text - length, size_t(length));
}

void JsonWriter::field(QByteArrayView name, bool value)
{
    const QByteArrayView text = value ? QByteArrayView("true") : QByteArrayView("false");
    std::memcpy(key(name, text.size()), text.data(), size_t(text.size()));
}

void JsonWriter::field(QByteArrayView name, const QJsonValue &value)
{
    key(name, 0);
    appendGeneral([&value](QByteArray &out) { appendValue(out, value); });
}

QByteArray JsonWriter::finish(QByteArrayView suffix)
{
    char *p = grow(suffix.size() + 1);
    *p = '}';
    if (!suffix.isEmpty())
        std::memcpy(p + 1, suffix.data(), size_t(suffix.size()));
    m_out.resize(m_size); // shrinks in place
    // Moved out: a copy would share the buffer, and the caller's first change would copy it.
    return std::move(m_out);
}

namespace {

// A lone surrogate has no UTF-8 form (toUtf8() would turn it into '?'); JSON can carry it
// as a \uXXXX escape, which is what QJsonDocument writes too.
bool hasLoneSurrogate(const QString &value)
{
    const qsizetype size = value.size();
    for (qsizetype i = 0; i < size; ++i) {
        const QChar c = value.at(i);
        if (!c.isSurrogate())
            continue;
        if (c.isHighSurrogate() && i + 1 < size && value.at(i + 1).isLowSurrogate()) {
            ++i;
            continue;
        }
        return true;
    }
    return false;
}

// ASCII (every event's session id, type, status and timestamp, most messages): escaped
// straight from UTF-16, without a UTF-8 copy or the surrogate scan.
qsizetype asciiEscapedLength(const QString &value)
{
    const qsizetype size = value.size();
    const char16_t *data = reinterpret_cast<const char16_t *>(value.constData());
    qsizetype length = size + 2; // the escaped form, quotes included
    for (qsizetype i = 0; i < size; ++i) {
        const char16_t c = data[i];
        if (c >= 0x80)
            return -1;
        if (c < 0x20 || c == '"' || c == '\\')
            length += (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b'
                       || c == '\f')
                ? 1
                : 5;
    }
    return length;
}

void writeAsciiEscaped(char *p, const QString &value)
{
    static const char hex[] = "0123456789abcdef";
    const qsizetype size = value.size();
    const char16_t *data = reinterpret_cast<const char16_t *>(value.constData());
    *p++ = '"';
    for (qsizetype i = 0; i < size; ++i) {
        const char c = char(data[i]);
        if (uchar(c) >= 0x20 && c != '"' && c != '\\') {
            *p++ = c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *p++ = c;
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        case '\b':
            *p++ = 'b';
            break;
        case '\f':
            *p++ = 'f';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[uchar(c) >> 4];
            *p++ = hex[uchar(c) & 0xF];
        }
    }
    *p = '"';
}

// Appends value escaped to out; false, with out untouched, when it is not ASCII.
bool appendAscii(QByteArray &out, const QString &value)
{
    const qsizetype length = asciiEscapedLength(value);
    if (length < 0)
        return false;
    const qsizetype before = out.size();
    if (out.capacity() < before + length)
        out.reserve(qMax(before + length, 2 * out.capacity()));
    out.resize(before + length);
    writeAsciiEscaped(out.data() + before, value);
    return true;
}

} // namespace

void JsonWriter::appendString(QByteArray &out, const QString &value)
{
    static const char hex[] = "0123456789abcdef";
    if (appendAscii(out, value))
        return;
    if (hasLoneSurrogate(value)) {
        out.append('"');
        const qsizetype size = value.size();
        for (qsizetype i = 0; i < size; ++i) {
            const QChar c = value.at(i);
            const bool paired
                = c.isHighSurrogate() && i + 1 < size && value.at(i + 1).isLowSurrogate();
            if (c.isSurrogate() && !paired) {
                const ushort u = c.unicode();
                const char escape[6] = {'\\',
                                        'u',
                                        hex[(u >> 12) & 0xF],
                                        hex[(u >> 8) & 0xF],
                                        hex[(u >> 4) & 0xF],
                                        hex[u & 0xF]};
                out.append(escape, 6);
                continue;
            }
            const qsizetype length = paired ? 2 : 1;
            QByteArray piece;
            appendString(piece, value.mid(i, length)); // quoted and escaped
            out.append(piece.constData() + 1, piece.size() - 2);
            i += length - 1;
        }
        out.append('"');
        return;
    }
    const QByteArray utf8 = value.toUtf8();
    // Grown geometrically: an exact reserve per string would reallocate on every field.
    const qsizetype needed = out.size() + utf8.size() + 2;
    if (out.capacity() < needed)
        out.reserve(qMax(needed, 2 * out.capacity()));
    out.append('"');
    const char *data = utf8.constData();
    qsizetype start = 0;
    const qsizetype size = utf8.size();
    for (qsizetype i = 0; i < size; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        appendRaw(out, data + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            appendRaw(out, "\\\"", 2);
            break;
        case '\\':
            appendRaw(out, "\\\\", 2);
            break;
        case '\n':
            appendRaw(out, "\\n", 2);
            break;
        case '\r':
            appendRaw(out, "\\r", 2);
            break;
        case '\t':
            appendRaw(out, "\\t", 2);
            break;
        case '\b':
            appendRaw(out, "\\b", 2);
            break;
        case '\f':
            appendRaw(out, "\\f", 2);
            break;
        default: {
            const char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            appendRaw(out, escape, 6);
        }
        }
    }
    appendRaw(out, data + start, size - start);
    out.append('"');
}

void JsonWriter::appendValue(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::String:
        appendString(out, value.toString());
        return;
    case QJsonValue::Object:
        out.append(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        return;
    case QJsonValue::Array:
        out.append(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        return;
    case QJsonValue::Double: {
        // Qt's own number formatting, through a one-element array.
        const QByteArray wrapped = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
        out.append(wrapped.mid(1, wrapped.size() - 2));
        return;
    }
    }
}

} // namespace ssebuf
