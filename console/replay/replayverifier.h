#ifndef SSEBUF_CONSOLE_REPLAYVERIFIER_H
#define SSEBUF_CONSOLE_REPLAYVERIFIER_H

#include "replay/replayevent.h"

#include <QList>
#include <QPair>
#include <QString>

namespace ssebuf {

using SeqRange = QPair<qint64, qint64>; // first and last, inclusive

// What a replay got compared with what the service holds.
struct ReplayVerdict
{
    enum class Level {
        Pass, // everything expected arrived once, in order
        Warning, // complete except for events the service announced as evicted (gap notices)
        Fail, // something missing, duplicated or out of order
    };

    Level level = Level::Pass;
    qint64 expected = 0; // events the replay should have carried (seq in (start, end])
    qint64 received = 0; // distinct expected events that arrived
    QList<SeqRange> missing; // neither received nor announced as a gap
    QList<qint64> duplicates; // each seq that arrived more than once (once per extra copy)
    QList<qint64> outOfOrder; // seqs that arrived after a higher seq
    QList<SeqRange> announcedGaps; // from the stream's gap notices
    QList<SeqRange>
        silentGaps; // missing events below the buffer's first seq: evicted, not announced
    bool finalReceived = false;
    QString text; // one line, e.g. "12 of 12 received, in order, no duplicates"

    bool passed() const { return level != Level::Fail; }
};

// Checks a replay against the buffer: every seq after the start point up to the end must
// arrive exactly once and in order, or be covered by a gap notice from the service.
class ReplayVerifier
{
public:
    // The Last-Event-ID the replay started after (0 for the beginning).
    void setStartAfter(qint64 seq) { m_startAfter = seq; }
    // The buffer as the admin API reports it: its oldest buffered seq (0 when empty) and
    // the last seq the replay had to reach (the session's last_seq, or less when the replay
    // was stopped while the session was still running).
    void setBuffer(qint64 firstSeq, qint64 endSeq);
    void addReceived(qint64 seq);
    void addGap(qint64 from, qint64 to);
    void setFinalReceived(bool received) { m_finalReceived = received; }
    void clear();

    ReplayVerdict verdict() const;

    // Verifies what a replay received. lastSeq is the session's last seq after the replay;
    // when the replay was stopped early, only events up to the highest seq received count.
    static ReplayVerdict verify(const QList<ReplayEvent> &received, qint64 startAfter,
                                qint64 bufferFirstSeq, qint64 lastSeq, bool stoppedEarly);

    static QString formatRanges(const QList<SeqRange> &ranges, int maxItems = 6);
    static QString formatList(const QList<qint64> &values, int maxItems = 6);
    static QList<SeqRange> toRanges(QList<qint64> sortedValues);

private:
    qint64 m_startAfter = 0;
    qint64 m_firstSeq = 0;
    qint64 m_endSeq = 0;
    QList<qint64> m_received;
    QList<SeqRange> m_gaps;
    bool m_finalReceived = false;
};

} // namespace ssebuf

#endif
