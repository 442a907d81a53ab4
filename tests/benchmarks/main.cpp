// ssebench: load generator for ssebufd and Nchan (issue 6). See README.md.

#include "loadgenerator.h"
#include "spawnedserver.h"

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

using namespace ssebench;

namespace {

const char usage[]
    = R"(usage: ssebench --target ssebuf|nchan (--url http://127.0.0.1:PORT | --spawn SSEBUFD)
                [--workload fanout|latejoin|idle|publish|answers] [--sessions N] [--subscribers N]
                [--events N] [--payload BYTES] [--publishers N] [--rate EVENTS_PER_S] [--burst N]
                [--publish-mode request|batch|ndjson|websocket] [--session-rate EVENTS_PER_S]
                [--batch-interval MS] [--stagger MS] [--redis HOST:PORT]
                [--connect-concurrency N] [--source-addresses N] [--hold SECONDS] [--drain SECONDS] [--timeout SECONDS]
                [--server-pids PID[,PID...]] [--label TEXT] [--verbose]

Workloads (--subscribers is per session, --events per session):
  fanout    open sessions x subscribers streams, then publish the events; latency is
            publish-to-delivery (monotonic timestamp embedded in each event)
  latejoin  publish the events first, then open the subscribers; latency is each
            subscriber's connect-to-last-event replay time
  idle      open the streams, hold them --hold seconds, then publish the events (default 1)
  publish   publish only (no subscribers); latency is the publish round trip
  answers   "AI answers": open the streams, then every session's producer emits
            --session-rate events/s (default 50) from its own start, session i starting
            i * --stagger / sessions ms (default 100) after the first; latency is
            publish-to-delivery. --publish-mode: request (default; one POST per event on
            a pool of --publishers keep-alive connections, a session always on the same
            one), batch (ssebufd: every --batch-interval ms (default 100) one JSON-array
            POST of the events produced since the last flush), ndjson (ssebufd: one
            chunked application/x-ndjson POST per session, a line per event), websocket
            (Nchan: one WebSocket per session to /pub?id=, a text message per event).
            Connections open before the measured phase. --redis samples Redis's
            INFO cpu/stats/commandstats around the phase (CPU, commands per event).

--burst N (default 1): each publisher sends the next N events of one session as N HTTP/1.1
requests pipelined on its keep-alive connection (one write), waits for all N answers, then
moves on to its next session; models a producer emitting bursts of tokens. --rate counts
every event and lets a burst go once the allowance covers all of it.

Prints one JSON line on stdout; exits 0 only when nothing was missing, duplicated or out of
order and every request succeeded. --server-pids are sampled (/proc) around the measured
phase for CPU-seconds and RSS; --spawn starts ssebufd itself (--pipeline external) and
samples it.
)";

bool parseUrl(const std::string &url, BenchOptions *options)
{
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0)
        return false;
    const std::string rest = url.substr(scheme.size());
    const size_t colon = rest.find(':');
    if (colon == std::string::npos)
        return false;
    options->host = rest.substr(0, colon);
    options->port = uint16_t(std::atoi(rest.c_str() + colon + 1));
    return options->port != 0;
}

void raiseFileLimit()
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char **argv)
{
    BenchOptions options;
    std::string url;
    std::string spawn;
    bool targetGiven = false;
    bool eventsGiven = false;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (name == "--verbose") {
            options.verbose = true;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "ssebench: %s needs a value\n%s", name.c_str(), usage);
            return 2;
        }
        const std::string value = argv[++i];
        if (name == "--target") {
            if (value != "ssebuf" && value != "nchan") {
                std::fprintf(stderr, "ssebench: unknown target %s\n", value.c_str());
                return 2;
            }
            options.target = value == "ssebuf" ? Target::Ssebuf : Target::Nchan;
            targetGiven = true;
        } else if (name == "--url") {
            url = value;
        } else if (name == "--spawn") {
            spawn = value;
        } else if (name == "--workload") {
            if (value == "fanout")
                options.workload = Workload::Fanout;
            else if (value == "latejoin")
                options.workload = Workload::LateJoin;
            else if (value == "idle")
                options.workload = Workload::Idle;
            else if (value == "publish")
                options.workload = Workload::Publish;
            else if (value == "answers")
                options.workload = Workload::Answers;
            else {
                std::fprintf(stderr, "ssebench: unknown workload %s\n", value.c_str());
                return 2;
            }
        } else if (name == "--sessions") {
            options.sessions = std::atoi(value.c_str());
        } else if (name == "--subscribers") {
            options.subscribers = std::atoi(value.c_str());
        } else if (name == "--events") {
            options.events = std::atoi(value.c_str());
            eventsGiven = true;
        } else if (name == "--payload") {
            options.payload = std::atoi(value.c_str());
        } else if (name == "--publishers") {
            options.publishers = std::atoi(value.c_str());
        } else if (name == "--rate") {
            options.rate = std::atof(value.c_str());
        } else if (name == "--burst") {
            options.burst = std::atoi(value.c_str());
        } else if (name == "--publish-mode") {
            if (value == "request")
                options.publishMode = PublishMode::Request;
            else if (value == "batch")
                options.publishMode = PublishMode::Batch;
            else if (value == "ndjson")
                options.publishMode = PublishMode::Ndjson;
            else if (value == "websocket")
                options.publishMode = PublishMode::WebSocket;
            else {
                std::fprintf(stderr, "ssebench: unknown publish mode %s\n", value.c_str());
                return 2;
            }
        } else if (name == "--session-rate") {
            options.sessionRate = std::atof(value.c_str());
        } else if (name == "--batch-interval") {
            options.batchIntervalMs = std::atof(value.c_str());
        } else if (name == "--stagger") {
            options.staggerMs = std::max(0.0, std::atof(value.c_str()));
        } else if (name == "--redis") {
            options.redis = value;
        } else if (name == "--connect-concurrency") {
            options.connectConcurrency = std::max(1, std::atoi(value.c_str()));
        } else if (name == "--source-addresses") {
            options.sourceAddresses = std::max(0, std::atoi(value.c_str()));
        } else if (name == "--hold") {
            options.holdSeconds = std::atof(value.c_str());
        } else if (name == "--drain") {
            options.drainSeconds = std::atof(value.c_str());
        } else if (name == "--timeout") {
            options.timeoutSeconds = std::atof(value.c_str());
        } else if (name == "--server-pids") {
            std::istringstream list(value);
            std::string pid;
            while (std::getline(list, pid, ','))
                options.serverPids.push_back(std::atoi(pid.c_str()));
        } else if (name == "--label") {
            options.label = value;
        } else {
            std::fprintf(stderr, "ssebench: unknown option %s\n%s", name.c_str(), usage);
            return 2;
        }
    }
    if (!targetGiven || (url.empty() == spawn.empty()) || options.sessions < 1 || options.events < 1
        || options.subscribers < 0 || options.burst < 1) {
        std::fputs(usage, stderr);
        return 2;
    }
    const bool ssebufMode
        = options.publishMode == PublishMode::Batch || options.publishMode == PublishMode::Ndjson;
    if (options.workload == Workload::Answers
        && (options.sessionRate <= 0 || options.batchIntervalMs <= 0
            || (ssebufMode && options.target != Target::Ssebuf)
            || (options.publishMode == PublishMode::WebSocket
                && options.target != Target::Nchan))) {
        std::fputs("ssebench: --publish-mode batch and ndjson are for --target ssebuf, websocket "
                   "for --target nchan; --session-rate and --batch-interval must be > 0\n",
                   stderr);
        return 2;
    }
    if (options.workload == Workload::Idle && !eventsGiven)
        options.events = 1;
    if (options.workload == Workload::Publish)
        options.subscribers = 0;

    raiseFileLimit();
    std::signal(SIGPIPE, SIG_IGN);

    SpawnedServer server;
    if (!spawn.empty()) {
        std::string error;
        if (options.target != Target::Ssebuf
            || !server.start(spawn, {"--pipeline", "external", "--max-sessions", "20000"},
                             &error)) {
            std::fprintf(stderr, "ssebench: %s\n",
                         error.empty() ? "--spawn needs --target ssebuf" : error.c_str());
            return 1;
        }
        options.port = server.port();
        options.serverPids.push_back(server.pid());
    } else if (!parseUrl(url, &options)) {
        std::fprintf(stderr, "ssebench: bad --url %s (want http://HOST:PORT)\n", url.c_str());
        return 2;
    }

    BenchResult result = LoadGenerator(options).run();
    std::printf("%s\n", result.json.c_str());
    std::fflush(stdout);
    if (!spawn.empty() && server.stop() != 0)
        std::fprintf(stderr, "ssebench: ssebufd did not exit cleanly on SIGTERM\n");
    return result.ok ? 0 : 1;
}
