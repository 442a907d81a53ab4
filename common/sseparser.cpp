#include "sseparser.h"

#include <cstring>

namespace ssebuf {

bool SseParser::feed(const char *bytes, qsizetype size)
{
    if (m_failed)
        return false;
    qsizetype pos = 0;
    if (m_atStart) {
        // A UTF-8 byte order mark may only stand at the very start; wait for 3 bytes.
        m_line.append(bytes, size);
        if (m_line.size() < 3 && QByteArray("\xEF\xBB\xBF").startsWith(m_line))
            return true;
        m_atStart = false;
        QByteArray pending = m_line;
        m_line.clear();
        if (pending.startsWith("\xEF\xBB\xBF"))
            pending.remove(0, 3);
        return feed(pending.constData(), pending.size());
    }
    if (m_skipLineFeed && size > 0) {
        m_skipLineFeed = false;
        if (bytes[0] == '\n')
            pos = 1;
    }
    while (pos < size) {
        const char *start = bytes + pos;
        const qsizetype rest = size - pos;
        const void *lf = std::memchr(start, '\n', size_t(rest));
        const void *cr = std::memchr(start, '\r', size_t(rest));
        const char *end = nullptr;
        if (lf && cr)
            end = static_cast<const char *>(lf < cr ? lf : cr);
        else
            end = static_cast<const char *>(lf ? lf : cr);
        if (!end) {
            if (m_line.size() + rest > m_maxLineLength) {
                m_failed = true;
                return false;
            }
            m_line.append(start, rest);
            break;
        }
        const qsizetype length = end - start;
        // The limit holds whether a line's end comes in the same read or a later one.
        if (m_line.size() + length > m_maxLineLength) {
            m_failed = true;
            return false;
        }
        if (m_line.isEmpty()) {
            processLine(start, length);
        } else {
            m_line.append(start, length);
            processLine(m_line.constData(), m_line.size());
            m_line.clear();
        }
        pos += length + 1;
        if (*end == '\r') {
            if (pos < size) {
                if (bytes[pos] == '\n')
                    ++pos;
            } else {
                m_skipLineFeed = true;
            }
        }
    }
    return true;
}

void SseParser::processLine(const char *line, qsizetype size)
{
    if (size == 0) {
        dispatch();
        return;
    }
    if (line[0] == ':') {
        ++m_commentCount;
        qsizetype skip = (size > 1 && line[1] == ' ') ? 2 : 1;
        m_lastComment = QByteArray(line + skip, size - skip);
        return;
    }
    const void *colon = std::memchr(line, ':', size_t(size));
    qsizetype nameSize = size;
    const char *value = line + size;
    qsizetype valueSize = 0;
    if (colon) {
        nameSize = static_cast<const char *>(colon) - line;
        value = line + nameSize + 1;
        valueSize = size - nameSize - 1;
        if (valueSize > 0 && *value == ' ') {
            ++value;
            --valueSize;
        }
    }
    const QByteArray name = QByteArray::fromRawData(line, nameSize);
    if (name == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value, valueSize);
        m_hasData = true;
    } else if (name == "event") {
        m_type = QByteArray(value, valueSize);
    } else if (name == "id") {
        if (!std::memchr(value, '\0', size_t(valueSize))) {
            m_eventId = QByteArray(value, valueSize);
            m_eventHasId = true;
            m_lastEventId = m_eventId;
        }
    } else if (name == "retry") {
        bool digits = valueSize > 0 && valueSize < 10;
        for (qsizetype i = 0; digits && i < valueSize; ++i)
            digits = value[i] >= '0' && value[i] <= '9';
        if (digits)
            m_retryMs = QByteArray(value, valueSize).toInt();
    }
}

void SseParser::dispatch()
{
    if (m_hasData) {
        SseEvent event;
        event.data = m_data;
        event.type = m_type;
        event.id = m_eventId;
        event.hasId = m_eventHasId;
        event.lastEventId = m_lastEventId;
        m_events.append(std::move(event));
    }
    m_data.clear();
    m_type.clear();
    m_eventId.clear();
    m_eventHasId = false;
    m_hasData = false;
}

QList<SseEvent> SseParser::takeEvents()
{
    QList<SseEvent> events;
    events.swap(m_events);
    return events;
}

} // namespace ssebuf
