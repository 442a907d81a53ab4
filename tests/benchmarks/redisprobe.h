#ifndef SSEBUF_BENCH_REDISPROBE_H
#define SSEBUF_BENCH_REDISPROBE_H

#include <map>
#include <string>

namespace ssebench {

// Redis's own view of a measured phase: one blocking `INFO cpu stats commandstats` (one
// command, Redis 7) before and one after.
struct RedisSample
{
    double cpuSeconds = 0; // used_cpu_sys + used_cpu_user
    long long commands = 0; // total_commands_processed
    std::map<std::string, long long> calls; // cmdstat_<name>: calls=
    bool valid = false;
};

// address: HOST:PORT (IPv4). An invalid sample when Redis does not answer within 2 s.
RedisSample sampleRedis(const std::string &address, std::string *error = nullptr);

} // namespace ssebench

#endif
