#include "epolleventdispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>

#include <cerrno>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ssebuf {

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll >= 0 && m_wakeFd >= 0) {
        struct epoll_event event = {};
        event.events = EPOLLIN;
        event.data.fd = m_wakeFd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event);
    }
    m_events.resize(1024);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

qint64 EpollEventDispatcher::nowMs()
{
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Interest &interest = m_interest[fd];
    QSocketNotifier **slot = &interest.exception;
    if (notifier->type() == QSocketNotifier::Read)
        slot = &interest.read;
    else if (notifier->type() == QSocketNotifier::Write)
        slot = &interest.write;
    // Another notifier in the slot means the descriptor was closed without unregistering
    // and its number reused: the kernel dropped the old registration, so register anew.
    if (*slot && *slot != notifier) {
        interest.inKernel = false;
        interest.endDivert();
    }
    *slot = notifier;
    markDirty(fd);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    auto it = m_interest.find(fd);
    if (it == m_interest.end())
        return;
    Interest &interest = it->second;
    if (interest.read == notifier)
        interest.read = nullptr;
    else if (interest.write == notifier)
        interest.write = nullptr;
    else if (interest.exception == notifier)
        interest.exception = nullptr;
    if (!interest.read && !interest.write && !interest.exception) {
        // Removed at once, not deferred: the descriptor is usually closed right after,
        // and epoll keeps a registration alive as long as a duplicate of the descriptor
        // exists (an event stream taken over from Qt holds one).
        if (interest.inKernel)
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        m_interest.erase(it);
        return;
    }
    markDirty(fd);
}

void EpollEventDispatcher::markDirty(int fd)
{
    Interest &interest = m_interest[fd];
    if (!interest.dirty) {
        interest.dirty = true;
        m_dirty.push_back(fd);
    }
}

void EpollEventDispatcher::applyInterest()
{
    for (int fd : m_dirty) {
        auto it = m_interest.find(fd);
        if (it == m_interest.end())
            continue;
        Interest &interest = it->second;
        interest.dirty = false;
        uint32_t events = 0;
        if (interest.isDiverted() ? interest.divertEnabled : interest.read != nullptr)
            events |= EPOLLIN | EPOLLRDHUP;
        if (interest.write)
            events |= EPOLLOUT;
        if (interest.exception)
            events |= EPOLLPRI;
        if (!interest.read && !interest.write && !interest.exception) {
            // Fails harmlessly when the descriptor was closed already (epoll dropped it).
            if (interest.inKernel)
                ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
            m_interest.erase(it);
            continue;
        }
        if (interest.inKernel && events == interest.kernelEvents)
            continue;
        // Registered even with no events (diverted reads that are off): epoll still
        // reports a hang-up or an error.
        struct epoll_event event = {};
        event.events = events;
        event.data.fd = fd;
        int result = -1;
        if (interest.inKernel)
            result = ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        // Not (or no longer) known to epoll: the descriptor was closed and reused.
        if (result != 0)
            result = ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        if (result != 0 && errno == EEXIST)
            result = ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        interest.inKernel = result == 0;
        interest.kernelEvents = result == 0 ? events : 0;
    }
    m_dirty.clear();
}

bool EpollEventDispatcher::divertReads(int fd, QObject *owner, std::function<void()> onReadable)
{
    auto it = m_interest.find(fd);
    if (it == m_interest.end() || !it->second.read || !owner)
        return false;
    Interest &interest = it->second;
    interest.divertedFrom = interest.read;
    interest.divertOwner = owner;
    interest.onReadable = std::move(onReadable);
    interest.divertEnabled = false;
    markDirty(fd);
    return true;
}

EpollEventDispatcher::Interest *EpollEventDispatcher::divertedInterest(int fd, const QObject *owner)
{
    auto it = m_interest.find(fd);
    if (it == m_interest.end() || it->second.divertOwner.data() != owner || !owner)
        return nullptr;
    return &it->second;
}

void EpollEventDispatcher::setDivertedReadsEnabled(int fd, const QObject *owner, bool enabled)
{
    Interest *interest = divertedInterest(fd, owner);
    if (!interest || interest->divertEnabled == enabled)
        return;
    interest->divertEnabled = enabled;
    markDirty(fd);
}

void EpollEventDispatcher::endDivertedReads(int fd, const QObject *owner)
{
    Interest *interest = divertedInterest(fd, owner);
    if (!interest)
        return;
    interest->endDivert();
    markDirty(fd);
}

void EpollEventDispatcher::schedule(Timer &timer, qint64 deadlineMs)
{
    auto slot = m_timerSlots.find(timer.id);
    if (slot != m_timerSlots.end()) {
        m_deadlines.erase(slot->second);
        m_timerSlots.erase(slot);
    }
    timer.deadlineMs = deadlineMs;
    m_timerSlots.emplace(timer.id, m_deadlines.emplace(deadlineMs, timer.id));
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Timer timer {timerId, qMax<qint64>(0, interval), timerType, object, 0};
    auto inserted = m_timers.insert_or_assign(timerId, timer).first;
    schedule(inserted->second, nowMs() + timer.intervalMs);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    auto slot = m_timerSlots.find(timerId);
    if (slot != m_timerSlots.end()) {
        m_deadlines.erase(slot->second);
        m_timerSlots.erase(slot);
    }
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    std::vector<int> ids;
    for (const auto &entry : m_timers) {
        if (entry.second.object == object)
            ids.push_back(entry.first);
    }
    for (int id : ids)
        unregisterTimer(id);
    return !ids.empty();
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    for (const auto &entry : m_timers) {
        if (entry.second.object == object)
            list.append(TimerInfo(entry.first, int(entry.second.intervalMs), entry.second.type));
    }
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return -1;
    return int(qMax<qint64>(0, it->second.deadlineMs - nowMs()));
}

void EpollEventDispatcher::wakeUp()
{
    // Every posted event calls this (a deleteLater() per answered request). From the loop's
    // own thread the loop is not waiting: it runs the posted events before its next wait (and
    // does not block in it, m_postedInPass), so no eventfd write and read are needed. Another
    // thread writes once until the loop has read it.
    if (QThread::currentThread() == thread()) {
        m_postedInPass = true;
        return;
    }
    if (!m_wakeWritten.testAndSetAcquire(0, 1))
        return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(m_wakeFd, &one, sizeof(one));
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.storeRelease(1);
    wakeUp();
}

void EpollEventDispatcher::drainWakeUps()
{
    m_wakeWritten.storeRelease(0); // before the read: a wake-up after it writes again
    uint64_t count = 0;
    while (::read(m_wakeFd, &count, sizeof(count)) > 0) { }
}

qint64 EpollEventDispatcher::nextTimeoutMs(qint64 now) const
{
    if (m_deadlines.empty())
        return -1;
    return qMax<qint64>(0, m_deadlines.begin()->first - now);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.storeRelease(0);
    m_postedInPass = false;
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();
    Q_EMIT aboutToPoll();

    const bool wait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.loadAcquire()
        && !m_postedInPass;
    int timeout = 0;
    if (wait) {
        const qint64 next = nextTimeoutMs(nowMs());
        timeout = next < 0 ? -1 : int(qMin<qint64>(next, 24 * 3600 * 1000));
    }
    applyInterest();
    if (timeout != 0)
        Q_EMIT aboutToBlock();
    int ready = ::epoll_wait(m_epoll, m_events.data(), int(m_events.size()), timeout);
    if (ready < 0) {
        if (errno != EINTR)
            qWarning("epoll_wait failed: %d", errno);
        ready = 0;
    }
    int activated = 0;
    if (!(flags & QEventLoop::ExcludeSocketNotifiers))
        activated += activateSocketNotifiers(ready);
    else
        for (int i = 0; i < ready; ++i) {
            if (m_events[size_t(i)].data.fd == m_wakeFd)
                drainWakeUps();
        }
    if (ready == int(m_events.size()) && m_events.size() < 65536)
        m_events.resize(m_events.size() * 2);
    activated += activateTimers();
    return activated > 0;
}

int EpollEventDispatcher::activateSocketNotifiers(int ready)
{
    int activated = 0;
    for (int i = 0; i < ready; ++i) {
        const struct epoll_event &event = m_events[size_t(i)];
        const int fd = event.data.fd;
        if (fd == m_wakeFd) {
            drainWakeUps();
            continue;
        }
        const uint32_t what = event.events;
        // Look the notifiers up again before each activation: a handler may have
        // unregistered or deleted them.
        auto notify = [this, fd, &activated](QSocketNotifier *Interest::*slot) {
            auto it = m_interest.find(fd);
            if (it == m_interest.end())
                return;
            QSocketNotifier *notifier = it->second.*slot;
            if (!notifier)
                return;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &event);
            finishActivation();
            ++activated;
        };
        if (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            auto it = m_interest.find(fd);
            if (it != m_interest.end() && it->second.isDiverted() && it->second.divertEnabled) {
                // A copy: the handler may end the diversion (or close the descriptor).
                const std::function<void()> onReadable = it->second.onReadable;
                onReadable();
                finishActivation();
                ++activated;
            } else if (it != m_interest.end() && it->second.isDiverted()) {
                // Not reading now, but the connection hung up or failed (reported whatever
                // the interest): Qt's socket handles that, as it would without a diversion.
                if (what & (EPOLLHUP | EPOLLERR)) {
                    it->second.endDivert();
                    markDirty(fd);
                    notify(&Interest::read);
                }
            } else {
                notify(&Interest::read);
            }
        }
        if (what & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            notify(&Interest::write);
        if (what & EPOLLPRI)
            notify(&Interest::exception);
    }
    return activated;
}

void EpollEventDispatcher::finishActivation()
{
    if (!m_wantActivationDone)
        return;
    m_wantActivationDone = false;
    Q_EMIT activationDone();
}

int EpollEventDispatcher::activateTimers()
{
    if (m_deadlines.empty())
        return 0;
    const qint64 now = nowMs();
    // Only timers due now: one that re-arms itself for "now" waits for the next pass.
    std::vector<int> due;
    for (auto it = m_deadlines.begin(); it != m_deadlines.end() && it->first <= now; ++it)
        due.push_back(it->second);
    int activated = 0;
    for (int id : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end())
            continue;
        Timer &timer = it->second;
        qint64 next = timer.deadlineMs + timer.intervalMs;
        if (next <= now)
            next = now + timer.intervalMs;
        schedule(timer, next);
        QObject *object = timer.object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        finishActivation();
        ++activated;
    }
    return activated;
}

} // namespace ssebuf
