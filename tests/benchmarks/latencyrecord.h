#ifndef SSEBUF_BENCH_LATENCYRECORD_H
#define SSEBUF_BENCH_LATENCYRECORD_H

#include <cstdint>
#include <vector>

namespace ssebench {

// Publish-to-delivery samples, plus the slowest few with their seq and arrival time so that
// an outlier can be placed (start of the run, a periodic stall, one event).
struct LatencyRecord
{
    struct Sample
    {
        uint32_t us = 0;
        int seq = 0;
        int64_t atNs = 0;
    };

    void add(uint32_t us, int seq, int64_t atNs)
    {
        samplesUs.push_back(us);
        if (worst.size() == maxWorst && us <= worst.back().us)
            return;
        auto at = worst.begin();
        while (at != worst.end() && at->us >= us)
            ++at;
        worst.insert(at, Sample {us, seq, atNs});
        if (worst.size() > maxWorst)
            worst.pop_back();
    }

    static constexpr size_t maxWorst = 5;
    std::vector<uint32_t> samplesUs;
    std::vector<Sample> worst; // slowest first
};

} // namespace ssebench

#endif
