#ifndef SSEBUF_CONSOLE_REPLAYPACER_H
#define SSEBUF_CONSOLE_REPLAYPACER_H

#include "replay/replayevent.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>

namespace ssebuf {

// Releases received events for display at the pace they were recorded (their timestamps),
// sped up by a factor, or at once. Only the display is paced: arrival times and the
// verification use the events as they came off the network.
class ReplayPacer : public QObject
{
    Q_OBJECT
public:
    explicit ReplayPacer(QObject *parent = nullptr);

    // 0 releases at once; 1 as recorded; 10 ten times faster.
    void setSpeed(double speed);
    double speed() const { return m_speed; }
    void push(const ReplayEvent &event);
    // Releases everything still queued now.
    void flushAll();
    void clear();
    int pendingCount() const { return int(m_queue.size()); }

    // No single pause is longer than this (ms), however far apart events were recorded.
    static constexpr qint64 MaxPauseMs = 30000;

Q_SIGNALS:
    void released(const ssebuf::ReplayEvent &event);

private:
    void timer_timeout();
    void releaseDue();

    std::deque<ReplayEvent> m_queue;
    QTimer m_timer;
    QElapsedTimer m_sinceRelease;
    qint64 m_lastTimestampMs = -1;
    double m_speed = 0;
};

} // namespace ssebuf

#endif
