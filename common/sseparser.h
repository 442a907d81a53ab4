#ifndef SSEBUF_SSEPARSER_H
#define SSEBUF_SSEPARSER_H

#include <QByteArray>
#include <QList>

namespace ssebuf {

// One dispatched Server-Sent Event.
struct SseEvent
{
    QByteArray data; // the data fields joined by LF, without the final LF
    QByteArray type; // the "event:" field, empty for the default "message"
    QByteArray id; // the "id:" field of this event (valid when hasId)
    bool hasId = false;
    QByteArray lastEventId; // the stream's last event id after this event
};

// Incremental parser for text/event-stream, following the WHATWG "event stream
// interpretation": lines end with CRLF, LF or CR (also when a CRLF is split between two
// reads), a leading UTF-8 BOM is skipped, comments start with ':', an empty line
// dispatches the event, an event without data is not dispatched.
class SseParser
{
public:
    // Feeds the next bytes of the stream; complete events become available in events().
    // Returns false once a line grew past maxLineLength() (the stream is then broken and
    // further input is ignored).
    bool feed(const char *bytes, qsizetype size);
    bool feed(const QByteArray &bytes) { return feed(bytes.constData(), bytes.size()); }

    QList<SseEvent> takeEvents();
    bool hasEvents() const { return !m_events.isEmpty(); }

    qint64 commentCount() const { return m_commentCount; }
    QByteArray lastComment() const { return m_lastComment; }
    int retryMs() const { return m_retryMs; } // -1 until a valid "retry:" field
    QByteArray lastEventId() const { return m_lastEventId; }
    bool failed() const { return m_failed; }

    qsizetype maxLineLength() const { return m_maxLineLength; }
    void setMaxLineLength(qsizetype bytes) { m_maxLineLength = bytes; }

private:
    void processLine(const char *line, qsizetype size);
    void dispatch();

    QByteArray m_line;
    QByteArray m_data;
    QByteArray m_type;
    QByteArray m_eventId;
    bool m_eventHasId = false;
    bool m_hasData = false;
    QByteArray m_lastEventId;
    QByteArray m_lastComment;
    QList<SseEvent> m_events;
    qint64 m_commentCount = 0;
    qsizetype m_maxLineLength = 16 * 1024 * 1024;
    int m_retryMs = -1;
    bool m_skipLineFeed = false; // the previous chunk ended with CR
    bool m_atStart = true;
    bool m_failed = false;
};

} // namespace ssebuf

#endif
