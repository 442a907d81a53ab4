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
    JsonWriter() { m_out.reserve(256); }

    void field(const char *name, const QString &value);
    void field(const char *name, qint64 value);
    void field(const char *name, bool value);
    void field(const char *name, const QJsonValue &value);
    QByteArray finish();

    static void appendString(QByteArray &out, const QString &value);
    static void appendValue(QByteArray &out, const QJsonValue &value);

private:
    void key(const char *name);

    QByteArray m_out {1, '{'};
    bool m_first = true;
};

} // namespace ssebuf

#endif
