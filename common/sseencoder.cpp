#include "sseencoder.h"

namespace ssebuf {

void SseEncoder::appendData(QByteArray &out, const QByteArray &data)
{
    qsizetype start = 0;
    const qsizetype size = data.size();
    for (qsizetype i = 0; i <= size; ++i) {
        const bool end = i == size;
        const char c = end ? '\n' : data.at(i);
        if (c != '\n' && c != '\r')
            continue;
        out.append("data: ", 6);
        out.append(data.constData() + start, i - start);
        out.append('\n');
        if (!end && c == '\r' && i + 1 < size && data.at(i + 1) == '\n')
            ++i;
        start = i + 1;
    }
}

QByteArray SseEncoder::event(qint64 id, const QByteArray &data)
{
    QByteArray out;
    out.reserve(data.size() + 32);
    out.append("id: ", 4);
    out.append(QByteArray::number(id));
    out.append('\n');
    appendData(out, data);
    out.append('\n');
    return out;
}

QByteArray SseEncoder::anonymousEvent(const QByteArray &data)
{
    QByteArray out;
    out.reserve(data.size() + 16);
    appendData(out, data);
    out.append('\n');
    return out;
}

QByteArray SseEncoder::retry(int milliseconds)
{
    return "retry: " + QByteArray::number(milliseconds) + "\n\n";
}

QByteArray SseEncoder::comment(const QByteArray &text)
{
    qsizetype cut = text.size();
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == '\n' || text.at(i) == '\r') {
            cut = i;
            break;
        }
    }
    return ": " + text.left(cut) + "\n\n";
}

} // namespace ssebuf
