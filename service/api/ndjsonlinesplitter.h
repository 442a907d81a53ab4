#ifndef SSEBUF_NDJSONLINESPLITTER_H
#define SSEBUF_NDJSONLINESPLITTER_H

#include <QByteArray>
#include <QList>

namespace ssebuf {

// Cuts an NDJSON body into its lines as the bytes arrive (contract section 12): LF or CRLF,
// the last line needs no line end, empty lines (also only spaces or tabs) are dropped but
// counted, so a line's number is its physical line in the body. A line longer than the limit
// is reported as soon as it passes it, before its end arrives; nothing is split after it.
class NdjsonLineSplitter
{
public:
    struct Line
    {
        int number = 0; // 1-based, empty lines counted
        QByteArray text; // without its line end; empty when tooLong
        bool tooLong = false;
    };

    explicit NdjsonLineSplitter(qint64 maxLineBytes)
        : m_maxLineBytes(maxLineBytes)
    {
    }

    // The non-empty lines that bytes complete (with endOfBody, also the unterminated last one).
    QList<Line> feed(const QByteArray &bytes, bool endOfBody = false);
    // Bytes of the line still being received.
    qsizetype pendingBytes() const { return m_partial.size(); }
    int linesSeen() const { return m_linesSeen; }
    bool isOverLimit() const { return m_overLimit; }

private:
    qint64 m_maxLineBytes;
    QByteArray m_partial;
    int m_linesSeen = 0;
    bool m_overLimit = false;
};

} // namespace ssebuf

#endif
