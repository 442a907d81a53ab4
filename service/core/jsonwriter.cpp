#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

namespace ssebuf {

JsonWriter::JsonWriter(QByteArrayView prefix)
{
    m_out.reserve(256 + prefix.size());
    m_out.resize(0);
    appendRaw(m_out, prefix.data(), prefix.size());
    appendRaw(m_out, "{", 1);
    m_start = prefix.size();
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

void JsonWriter::appendNumber(QByteArray &out, qint64 value)
{
    char text[24];
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
    appendRaw(out, p, end - p);
}

void JsonWriter::key(const char *name)
{
    const size_t length = std::strlen(name);
    char text[72];
    char *p = text;
    if (!m_first)
        *p++ = ',';
    m_first = false;
    *p++ = '"';
    if (length > sizeof text - 4) {
        appendRaw(m_out, text, p - text);
        appendRaw(m_out, name, qsizetype(length));
        appendRaw(m_out, "\":", 2);
        return;
    }
    std::memcpy(p, name, length);
    p += length;
    *p++ = '"';
    *p++ = ':';
    appendRaw(m_out, text, p - text);
}

void JsonWriter::plainStringField(const char *name, QByteArrayView value)
{
    key(name);
    appendRaw(m_out, "\"", 1);
    appendRaw(m_out, value.data(), value.size());
    appendRaw(m_out, "\"", 1);
}

void JsonWriter::field(const char *name, const QString &value)
{
    key(name);
    appendString(m_out, value);
}

void JsonWriter::field(const char *name, qint64 value)
{
    key(name);
    appendNumber(m_out, value);
}

void JsonWriter::field(const char *name, bool value)
{
    key(name);
    if (value)
        appendRaw(m_out, "true", 4);
    else
        appendRaw(m_out, "false", 5);
}

void JsonWriter::field(const char *name, const QJsonValue &value)
{
    key(name);
    appendValue(m_out, value);
}

QByteArray JsonWriter::finish()
{
    appendRaw(m_out, "}", 1);
    return m_out;
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
// straight from UTF-16 into out, without a UTF-8 copy or the surrogate scan. False, with out
// untouched, when the value has another character.
bool appendAscii(QByteArray &out, const QString &value)
{
    static const char hex[] = "0123456789abcdef";
    const qsizetype size = value.size();
    const char16_t *data = reinterpret_cast<const char16_t *>(value.constData());
    qsizetype length = size + 2; // the escaped form, quotes included
    for (qsizetype i = 0; i < size; ++i) {
        const char16_t c = data[i];
        if (c >= 0x80)
            return false;
        if (c < 0x20 || c == '"' || c == '\\')
            length += (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b'
                       || c == '\f')
                ? 1
                : 5;
    }
    const qsizetype before = out.size();
    if (out.capacity() < before + length)
        out.reserve(qMax(before + length, 2 * out.capacity()));
    out.resize(before + length);
    char *p = out.data() + before;
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
    *p++ = '"';
    Q_ASSERT(p == out.constData() + before + length);
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
