#ifndef SSEBUF_TEST_SEQRANGE_H
#define SSEBUF_TEST_SEQRANGE_H

// The test kit's sequence ranges (header only, namespace testkit): what a stream or a buffer
// should hold, for unit and integration tests alike.

#include <QList>

namespace testkit {

// from, from + 1, ..., to
inline QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> result;
    for (qint64 seq = from; seq <= to; ++seq)
        result.append(seq);
    return result;
}

} // namespace testkit

#endif
