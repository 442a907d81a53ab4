#ifndef SSEBUF_SSEENCODER_H
#define SSEBUF_SSEENCODER_H

#include <QByteArray>

namespace ssebuf {

// Encodes Server-Sent Events frames (WHATWG HTML, "server-sent events").
// Every function returns the exact bytes to put on the wire.
class SseEncoder
{
public:
    // "id: <id>\ndata: <line>\n\n". Each line of data becomes its own "data:" field, so
    // a payload holding CR or LF stays one event.
    static QByteArray event(qint64 id, const QByteArray &data);
    // An event without an id (it does not move the client's Last-Event-ID).
    static QByteArray anonymousEvent(const QByteArray &data);
    static QByteArray retry(int milliseconds);
    // ": <text>\n\n"; the text is cut at the first line break.
    static QByteArray comment(const QByteArray &text);

private:
    static void appendData(QByteArray &out, const QByteArray &data);
};

} // namespace ssebuf

#endif
