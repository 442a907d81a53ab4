#ifndef SSEBUF_BENCH_PROCESSPROBE_H
#define SSEBUF_BENCH_PROCESSPROBE_H

#include <cstdint>
#include <vector>

namespace ssebench {

// CPU time and memory of the server processes, summed over their pids (nginx: master and
// workers), read from /proc/PID/stat and /proc/PID/status.
struct ProcessSample
{
    double cpuSeconds = 0; // on-CPU time of all threads (schedstat, ns resolution)
    double tickCpuSeconds = 0; // utime + stime from /proc/PID/stat (clock-tick resolution)
    double tickUserSeconds = 0; // utime alone: user space
    double tickSystemSeconds = 0; // stime alone: the kernel on the server's behalf (syscalls)
    int64_t rssKb = 0; // VmRSS
    int64_t hwmKb = 0; // VmHWM, the peak RSS
    bool valid = false;
};

ProcessSample sampleProcesses(const std::vector<int> &pids);

} // namespace ssebench

#endif
