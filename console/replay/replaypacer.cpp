#include "replaypacer.h"

namespace ssebuf {

ReplayPacer::ReplayPacer(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ReplayPacer::timer_timeout);
}

void ReplayPacer::setSpeed(double speed)
{
    m_speed = qMax(0.0, speed);
    if (m_speed == 0)
        flushAll();
}

void ReplayPacer::push(const ReplayEvent &event)
{
    m_queue.push_back(event);
    if (!m_timer.isActive())
        releaseDue();
}

void ReplayPacer::flushAll()
{
    m_timer.stop();
    while (!m_queue.empty()) {
        const ReplayEvent event = m_queue.front();
        m_queue.pop_front();
        if (event.timestampMs >= 0)
            m_lastTimestampMs = event.timestampMs;
        Q_EMIT released(event);
    }
    m_sinceRelease.start();
}

void ReplayPacer::clear()
{
    m_timer.stop();
    m_queue.clear();
    m_lastTimestampMs = -1;
    m_sinceRelease.invalidate();
}

void ReplayPacer::timer_timeout()
{
    releaseDue();
}

void ReplayPacer::releaseDue()
{
    while (!m_queue.empty()) {
        const ReplayEvent &next = m_queue.front();
        if (m_speed > 0 && m_lastTimestampMs >= 0 && next.timestampMs >= 0
            && m_sinceRelease.isValid()) {
            const qint64 recordedPause = qMin(next.timestampMs - m_lastTimestampMs, MaxPauseMs);
            const qint64 wait = qint64(double(recordedPause) / m_speed) - m_sinceRelease.elapsed();
            if (wait > 0) {
                m_timer.start(int(wait));
                return;
            }
        }
        const ReplayEvent event = next;
        m_queue.pop_front();
        if (event.timestampMs >= 0)
            m_lastTimestampMs = event.timestampMs;
        m_sinceRelease.start();
        Q_EMIT released(event);
    }
}

} // namespace ssebuf
