#ifndef SSEBUF_EPOLLEVENTDISPATCHER_H
#define SSEBUF_EPOLLEVENTDISPATCHER_H

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QPointer>

#include <sys/epoll.h>

#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

class QSocketNotifier;

namespace ssebuf {

// A Qt event dispatcher on Linux epoll. Qt's own dispatchers (QEventDispatcherUNIX,
// GLib) poll() every socket notifier on every loop iteration, so each iteration costs
// O(open connections); with thousands of event streams that dominated ssebufd's CPU
// (measured in docs/benchmarks.md). Here an iteration costs O(ready sockets): interest is
// kept in the kernel (epoll_ctl when a notifier changes), timers sit in an ordered map,
// wake-ups go through an eventfd.
//
// Installed for the main thread with QCoreApplication::setEventDispatcher() before the
// application object exists. Level-triggered, like poll(), so Qt's socket classes behave
// exactly as with the stock dispatcher. Interest changes are applied just before waiting,
// so a write notifier that Qt enables and disables again within one iteration (a write
// that was flushed at once) costs no epoll_ctl at all.
class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool isValid() const { return m_epoll >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

    // Diverts a descriptor's readable events (and its hang-up and error) from Qt's read
    // notifier to onReadable, called from the loop as the notifier would be: the owner reads
    // the descriptor itself, without QAbstractSocket's buffering (an ioctl(FIONREAD), a copy
    // through its ring buffer and a readyRead signal per read). Used by ConnectionGuard for a
    // streamed request body. Holds only while the read notifier registered now stays the
    // descriptor's (a new one means the number was closed and reused) and the owner lives;
    // false when the descriptor has no read notifier. Starts disabled.
    bool divertReads(int fd, QObject *owner, std::function<void()> onReadable);
    // Whether the diverted reads are wanted now (off: the bytes wait in the kernel).
    void setDivertedReadsEnabled(int fd, const QObject *owner, bool enabled);
    // Qt's read notifier gets the descriptor's readable events again (from the next pass).
    void endDivertedReads(int fd, const QObject *owner);

    // Asks for one activationDone() once the handler running now returns (WriteCoalescer:
    // writes corked while one descriptor's input is handled go out when it is handled).
    void notifyWhenActivationDone() { m_wantActivationDone = true; }

Q_SIGNALS:
    // After the socket notifier, diverted read or timer during which
    // notifyWhenActivationDone() was called.
    void activationDone();
    // Every pass of the loop, after posted events and before epoll_wait (whether or not it
    // will block): the end of the work of the previous pass, when corked writes go out.
    void aboutToPoll();

private:
    struct Interest
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        uint32_t kernelEvents = 0; // what epoll has for the descriptor now
        bool inKernel = false; // registered with epoll (with no events: hang-up and error only)
        bool dirty = false;
        // divertReads(): the read notifier whose events go to onReadable instead.
        QSocketNotifier *divertedFrom = nullptr;
        QPointer<QObject> divertOwner;
        std::function<void()> onReadable;
        bool divertEnabled = false;
        bool isDiverted() const { return divertedFrom && divertedFrom == read && divertOwner; }
        void endDivert()
        {
            divertedFrom = nullptr;
            divertOwner.clear();
            onReadable = nullptr;
            divertEnabled = false;
        }
    };
    Interest *divertedInterest(int fd, const QObject *owner);
    struct Timer
    {
        int id;
        qint64 intervalMs;
        Qt::TimerType type;
        QObject *object;
        qint64 deadlineMs;
    };
    using Deadlines = std::multimap<qint64, int>; // deadline -> timer id

    void markDirty(int fd);
    void applyInterest();
    int activateSocketNotifiers(int ready);
    int activateTimers();
    void finishActivation();
    void schedule(Timer &timer, qint64 deadlineMs);
    qint64 nextTimeoutMs(qint64 nowMs) const;
    void drainWakeUps();
    static qint64 nowMs();

    int m_epoll = -1;
    int m_wakeFd = -1;
    QAtomicInt m_interrupted {0};
    QAtomicInt m_wakeWritten {0}; // the eventfd holds a wake-up not read yet
    // Posted from the loop's own thread during this pass: the next wait must not block.
    bool m_postedInPass = false;
    bool m_wantActivationDone = false;
    std::unordered_map<int, Interest> m_interest;
    std::unordered_map<int, Timer> m_timers;
    std::unordered_map<int, Deadlines::iterator> m_timerSlots;
    Deadlines m_deadlines;
    std::vector<struct epoll_event> m_events;
    std::vector<int> m_dirty; // descriptors whose interest changed since the last epoll_wait
};

} // namespace ssebuf

#endif
