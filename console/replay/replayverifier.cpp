#include "replayverifier.h"

#include <QLocale>
#include <QSet>
#include <QStringList>

#include <algorithm>

namespace ssebuf {

void ReplayVerifier::setBuffer(qint64 firstSeq, qint64 endSeq)
{
    m_firstSeq = firstSeq;
    m_endSeq = endSeq;
}

void ReplayVerifier::addReceived(qint64 seq)
{
    m_received.append(seq);
}

void ReplayVerifier::addGap(qint64 from, qint64 to)
{
    if (to >= from)
        m_gaps.append({from, to});
}

void ReplayVerifier::clear()
{
    *this = ReplayVerifier();
}

QList<SeqRange> ReplayVerifier::toRanges(QList<qint64> values)
{
    std::sort(values.begin(), values.end());
    QList<SeqRange> ranges;
    for (qint64 value : std::as_const(values)) {
        if (!ranges.isEmpty() && value <= ranges.last().second + 1)
            ranges.last().second = qMax(ranges.last().second, value);
        else
            ranges.append({value, value});
    }
    return ranges;
}

QString ReplayVerifier::formatRanges(const QList<SeqRange> &ranges, int maxItems)
{
    QStringList parts;
    for (int i = 0; i < ranges.size() && i < maxItems; ++i) {
        const SeqRange &range = ranges.at(i);
        parts.append(range.first == range.second
                         ? QString::number(range.first)
                         : QStringLiteral("%1–%2").arg(range.first).arg(range.second));
    }
    if (ranges.size() > maxItems)
        parts.append(QStringLiteral("… (%1 more)").arg(ranges.size() - maxItems));
    return parts.join(QLatin1String(", "));
}

QString ReplayVerifier::formatList(const QList<qint64> &values, int maxItems)
{
    QStringList parts;
    for (int i = 0; i < values.size() && i < maxItems; ++i)
        parts.append(QString::number(values.at(i)));
    if (values.size() > maxItems)
        parts.append(QStringLiteral("… (%1 more)").arg(values.size() - maxItems));
    return parts.join(QLatin1String(", "));
}

ReplayVerdict ReplayVerifier::verify(const QList<ReplayEvent> &received, qint64 startAfter,
                                     qint64 bufferFirstSeq, qint64 lastSeq, bool stoppedEarly)
{
    ReplayVerifier verifier;
    verifier.setStartAfter(startAfter);
    qint64 highest = startAfter;
    bool final = false;
    for (const ReplayEvent &event : received) {
        if (event.isGap)
            verifier.addGap(event.gapFrom, event.gapTo);
        else if (event.seq >= 0)
            verifier.addReceived(event.seq);
        highest = qMax(highest, event.seq);
        final = final || event.json.value(QLatin1String("final")).toBool();
    }
    verifier.setFinalReceived(final);
    verifier.setBuffer(bufferFirstSeq, stoppedEarly ? qMin(lastSeq, highest) : lastSeq);
    return verifier.verdict();
}

ReplayVerdict ReplayVerifier::verdict() const
{
    ReplayVerdict verdict;
    verdict.finalReceived = m_finalReceived;
    verdict.announcedGaps = toRanges([this] {
        QList<qint64> covered;
        for (const SeqRange &gap : m_gaps) {
            for (qint64 seq = qMax(gap.first, m_startAfter + 1);
                 seq <= gap.second && seq <= m_endSeq; ++seq)
                covered.append(seq);
        }
        return covered;
    }());
    const auto announced = [&verdict](qint64 seq) {
        for (const SeqRange &gap : verdict.announcedGaps) {
            if (seq >= gap.first && seq <= gap.second)
                return true;
        }
        return false;
    };

    QSet<qint64> seen;
    qint64 highest = 0;
    for (qint64 seq : m_received) {
        if (seen.contains(seq)) {
            verdict.duplicates.append(seq);
            continue;
        }
        seen.insert(seq);
        if (seq < highest)
            verdict.outOfOrder.append(seq);
        highest = qMax(highest, seq);
    }

    QList<qint64> missing;
    QList<qint64> silent;
    for (qint64 seq = m_startAfter + 1; seq <= m_endSeq; ++seq) {
        ++verdict.expected;
        if (seen.contains(seq)) {
            ++verdict.received;
        } else if (!announced(seq)) {
            if (m_firstSeq > 0 && seq < m_firstSeq)
                silent.append(seq);
            else
                missing.append(seq);
        }
    }
    verdict.missing = toRanges(missing);
    verdict.silentGaps = toRanges(silent);

    const QLocale locale;
    QStringList problems;
    if (!missing.isEmpty())
        problems.append(QStringLiteral("missing %1").arg(formatRanges(verdict.missing)));
    if (!silent.isEmpty())
        problems.append(QStringLiteral("evicted without a gap notice %1")
                            .arg(formatRanges(verdict.silentGaps)));
    if (!verdict.duplicates.isEmpty())
        problems.append(QStringLiteral("duplicated %1").arg(formatList(verdict.duplicates)));
    if (!verdict.outOfOrder.isEmpty())
        problems.append(QStringLiteral("out of order %1").arg(formatList(verdict.outOfOrder)));

    const QString count
        = QStringLiteral("%1 of %2 received")
              .arg(locale.toString(verdict.received), locale.toString(verdict.expected));
    if (!problems.isEmpty()) {
        verdict.level = ReplayVerdict::Level::Fail;
        verdict.text = QStringLiteral("%1: %2").arg(count, problems.join(QLatin1String("; ")));
    } else if (!verdict.announcedGaps.isEmpty()) {
        verdict.level = ReplayVerdict::Level::Warning;
        verdict.text = QStringLiteral("%1, in order, no duplicates; gap announced by the service "
                                      "for %2 (evicted by the buffer limits)")
                           .arg(count, formatRanges(verdict.announcedGaps));
    } else {
        verdict.level = ReplayVerdict::Level::Pass;
        verdict.text = QStringLiteral("%1, in order, no duplicates").arg(count);
    }
    return verdict;
}

} // namespace ssebuf
