#include "poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace ssebench {

Poller::Poller()
    : m_epoll(epoll_create1(EPOLL_CLOEXEC))
{
}

Poller::~Poller()
{
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool Poller::add(int fd, uint32_t events, PollHandler *handler)
{
    epoll_event event {};
    event.events = events;
    event.data.ptr = handler;
    return epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool Poller::modify(int fd, uint32_t events, PollHandler *handler)
{
    epoll_event event {};
    event.events = events;
    event.data.ptr = handler;
    return epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event) == 0;
}

void Poller::remove(int fd)
{
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

int Poller::poll(int timeoutMs)
{
    return pollNs(int64_t(timeoutMs) * 1000000);
}

int Poller::pollNs(int64_t timeoutNs)
{
    constexpr int maxEvents = 512;
    epoll_event events[maxEvents];
    // epoll_pwait2 (Linux 5.11): a paced producer wakes on time, not at the next millisecond.
    const timespec timeout {time_t(timeoutNs / 1000000000), long(timeoutNs % 1000000000)};
    int count = epoll_pwait2(m_epoll, events, maxEvents, &timeout, nullptr);
    if (count < 0 && errno == ENOSYS)
        count = epoll_wait(m_epoll, events, maxEvents, int((timeoutNs + 999999) / 1000000));
    if (count < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; ++i)
        static_cast<PollHandler *>(events[i].data.ptr)->handleEvents(events[i].events);
    return count;
}

int64_t monotonicNs()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

} // namespace ssebench
