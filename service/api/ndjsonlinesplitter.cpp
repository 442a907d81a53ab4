#include "ndjsonlinesplitter.h"

namespace ssebuf {

QList<NdjsonLineSplitter::Line> NdjsonLineSplitter::feed(const QByteArray &bytes, bool endOfBody)
{
    QList<Line> lines;
    if (m_overLimit)
        return lines;
    m_partial += bytes;
    qsizetype start = 0;
    for (;;) {
        qsizetype end = m_partial.indexOf('\n', start);
        if (end < 0 && !(endOfBody && start < m_partial.size()))
            break;
        if (end < 0)
            end = m_partial.size(); // the last line of the body needs no line end
        Line line {++m_linesSeen, m_partial.mid(start, end - start), false};
        start = end + 1;
        if (line.text.endsWith('\r'))
            line.text.chop(1);
        if (line.text.trimmed().isEmpty())
            continue;
        if (line.text.size() > m_maxLineBytes) {
            lines.append(Line {line.number, {}, true});
            m_overLimit = true;
            m_partial.clear();
            return lines;
        }
        lines.append(std::move(line));
    }
    m_partial.remove(0, qMin(start, m_partial.size()));
    // No need to hold a line past the limit whole to know it is too long (its CR may follow).
    if (m_partial.size() > m_maxLineBytes + 1) {
        lines.append(Line {m_linesSeen + 1, {}, true});
        m_overLimit = true;
        m_partial.clear();
    }
    return lines;
}

} // namespace ssebuf
