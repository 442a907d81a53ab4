#ifndef SSEBUF_BENCH_POLLER_H
#define SSEBUF_BENCH_POLLER_H

#include <cstdint>

namespace ssebench {

// Receives the epoll events of one file descriptor.
class PollHandler
{
public:
    virtual ~PollHandler() = default;
    virtual void handleEvents(uint32_t events) = 0;
};

// A thin level-triggered epoll loop: one thread, no timers (callers bound each wait).
class Poller
{
public:
    Poller();
    ~Poller();
    Poller(const Poller &) = delete;
    Poller &operator=(const Poller &) = delete;

    bool add(int fd, uint32_t events, PollHandler *handler);
    bool modify(int fd, uint32_t events, PollHandler *handler);
    void remove(int fd);
    // Waits up to timeoutMs and dispatches what is ready; returns the number of events.
    int poll(int timeoutMs);
    int pollNs(int64_t timeoutNs);

private:
    int m_epoll = -1;
};

// CLOCK_MONOTONIC in nanoseconds: the clock of embedded publish timestamps.
int64_t monotonicNs();

} // namespace ssebench

#endif
