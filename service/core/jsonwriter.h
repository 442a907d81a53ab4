#ifndef SSEBUF_JSONWRITER_H
#define SSEBUF_JSONWRITER_H

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace ssebuf {

// Writes one compact JSON object field by field into a byte buffer. Building the event
// JSON this way costs a few thousand instructions, where a QJsonObject plus
// QJsonDocument::toJson() cost tens of thousands: it runs once per appended event.
class JsonWriter
{
public:
    JsonWriter();
    // Bytes written before the object (e.g. an SSE frame's "id: n\ndata: "): finish() returns
    // them followed by the object, objectStart() is where the object begins. expectedSize is
    // what finish() is expected to return in all: the buffer is allocated once at exactly that
    // size (a good guess spares the growth and the caller's squeeze; a wrong one costs only a
    // reallocation).
    explicit JsonWriter(QByteArrayView prefix, qsizetype expectedSize = 0);

    void field(QByteArrayView name, const QString &value);
    // A value known to need no escaping (ASCII letters, digits, '-', ':', '.'), written as is.
    void plainStringField(QByteArrayView name, QByteArrayView value);
    // A value that is JSON already (e.g. a string quoted and escaped once), written as is.
    void rawField(QByteArrayView name, QByteArrayView json);
    void field(QByteArrayView name, qint64 value);
    void field(QByteArrayView name, bool value);
    void field(QByteArrayView name, const QJsonValue &value);
    // The closing brace, then suffix (e.g. the frame's "\n\n"): the bytes written, exactly.
    // Once: the buffer is handed over.
    QByteArray finish(QByteArrayView suffix = {});
    qsizetype objectStart() const { return m_start; }

    static void appendString(QByteArray &out, const QString &value);
    static void appendValue(QByteArray &out, const QJsonValue &value);
    // Appends n bytes with geometric growth and a plain copy (QByteArray::append(const char *)
    // goes through the general insert()).
    static void appendRaw(QByteArray &out, const char *data, qsizetype n);
    static void appendNumber(QByteArray &out, qint64 value);
    // The decimal digits of value, right-aligned in text; returns their count.
    static qsizetype formatNumber(char (&text)[24], qint64 value);

private:
    // Writes the key (with the comma before it, but for the first) and makes room for
    // valueSize bytes of value after it: returns where they go.
    char *key(QByteArrayView name, qsizetype valueSize);
    // n more bytes at the write position: m_out is kept as large as its capacity and only
    // m_size is advanced (a QByteArray::resize() per piece cost more than the copy).
    char *grow(qsizetype n);
    void write(const char *data, qsizetype n);
    // The general (escaping, non-ASCII, Qt-formatted) appends, on the exact-size buffer.
    template<typename Append> void appendGeneral(Append append);

    QByteArray m_out;
    qsizetype m_size = 0; // bytes written; m_out.size() is room
    qsizetype m_start = 0;
    bool m_first = true;
};

} // namespace ssebuf

#endif
