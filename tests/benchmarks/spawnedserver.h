#ifndef SSEBUF_BENCH_SPAWNEDSERVER_H
#define SSEBUF_BENCH_SPAWNEDSERVER_H

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace ssebench {

// Starts ssebufd on 127.0.0.1:0 (for the smoke test and quick local runs) and finds its port
// from the "listening on http://HOST:PORT" line; its further output is copied to stderr.
class SpawnedServer
{
public:
    SpawnedServer() = default;
    ~SpawnedServer();
    SpawnedServer(const SpawnedServer &) = delete;
    SpawnedServer &operator=(const SpawnedServer &) = delete;

    bool start(const std::string &program, const std::vector<std::string> &extraArguments,
               std::string *error);
    // SIGTERM, then SIGKILL after timeoutMs; returns the exit status (-1 when killed).
    int stop(int timeoutMs = 10000);

    int pid() const { return m_pid; }
    uint16_t port() const { return m_port; }

private:
    std::thread m_drain;
    int m_pid = -1;
    int m_output = -1;
    uint16_t m_port = 0;
};

} // namespace ssebench

#endif
