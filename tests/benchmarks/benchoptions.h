#ifndef SSEBUF_BENCH_BENCHOPTIONS_H
#define SSEBUF_BENCH_BENCHOPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace ssebench {

enum class Target { Ssebuf, Nchan };
enum class Workload { Fanout, LateJoin, Idle, Publish, Answers };
// How the answers workload publishes: one request per event, one JSON-array request per
// --batch-interval, one chunked NDJSON request per session, or (Nchan) a WebSocket per session.
enum class PublishMode { Request, Batch, Ndjson, WebSocket };

struct BenchOptions
{
    Target target = Target::Ssebuf;
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    Workload workload = Workload::Fanout;
    int sessions = 10;
    int subscribers = 10; // per session
    int events = 100; // per session
    int payload = 100; // bytes of each event's message text
    int publishers = 4; // concurrent publishing connections
    int connectConcurrency = 200; // subscribers opening at once
    int sourceAddresses = 8; // subscribers bind to 127.0.0.2.. (loopback targets only); 0 = off
    double rate = 0; // publishes per second over all sessions; 0 = as fast as answered
    int burst = 1; // events of one session pipelined on a publisher's connection at once
    // answers workload: every session's producer emits --session-rate events/s; session i
    // starts i * --stagger / sessions after the first
    PublishMode publishMode = PublishMode::Request;
    double sessionRate = 50;
    double batchIntervalMs = 100;
    double staggerMs = 100;
    std::string redis; // HOST:PORT: INFO cpu/stats/commandstats sampled around the phase
    double holdSeconds = 5; // idle workload: how long the streams stay idle
    double drainSeconds = 30; // after the last publish, how long to wait for deliveries
    double timeoutSeconds = 600; // the whole run
    std::vector<int> serverPids; // sampled for CPU-seconds and RSS around the measured phase
    std::string label;
    bool verbose = false;
};

} // namespace ssebench

#endif
