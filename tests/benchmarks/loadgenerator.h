#ifndef SSEBUF_BENCH_LOADGENERATOR_H
#define SSEBUF_BENCH_LOADGENERATOR_H

#include "benchoptions.h"
#include "poller.h"
#include "processprobe.h"
#include "publisher.h"
#include "subscriber.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ssebench {

struct BenchResult
{
    std::string json; // one line
    bool ok = false;
};

// Runs one workload against one server: creates sessions (ssebufd) or names channels
// (Nchan), opens subscribers, publishes events that carry "bench:<seq>:<monotonic ns>:",
// and checks every subscriber's sequence. Single-threaded epoll; a measured phase is
// bracketed by samples of the server's CPU time and memory.
class LoadGenerator : public SubscriberObserver
{
public:
    explicit LoadGenerator(BenchOptions options);
    ~LoadGenerator() override;

    BenchResult run();

private:
    struct PublishCursor
    {
        std::vector<int> sessions;
        size_t index = 0;
        int round = 1; // the first seq of this round's bursts (--burst events per session)
        bool done = false;
    };

    bool createSessions();
    void addSubscribers(int perSession, int expectedEvents, bool recordLatency);
    bool waitForConnections();
    void startPublishing(int eventsPerSession);
    bool publishingDone() const;
    // Publishes every event, then waits (at most --drain seconds) for the subscribers.
    void publishAndDrain(int eventsPerSession);
    bool subscribersDone() const;
    bool runUntil(const std::function<bool()> &done, int64_t deadlineNs = 0);
    void pumpConnects();
    void pumpPublishers();
    void publishNext(size_t publisher);
    void abandonPublishing();
    void log(const std::string &text) const;

    std::string subscribeRequest(const std::string &session) const;
    std::string publishPath(const std::string &session) const;
    std::string eventBody(int seq, bool final) const;

    void subscriberReady(Subscriber *subscriber) override;
    void subscriberFinished(Subscriber *subscriber) override;

    BenchOptions m_options;
    Poller m_poller;
    sockaddr_in m_address {};
    std::string m_hostHeader;
    std::vector<std::string> m_sessions;
    std::vector<std::unique_ptr<Publisher>> m_publishers;
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    std::vector<PublishCursor> m_cursors;
    LatencyRecord m_latencies;
    std::vector<uint32_t> m_publishRttUs;
    size_t m_nextSubscriber = 0;
    int m_connecting = 0;
    int m_ready = 0;
    int m_finished = 0;
    int m_eventsPerSession = 0;
    int64_t m_publishStartNs = 0;
    int64_t m_lastAnswerNs = 0;
    int64_t m_deadlineNs = 0;
    int64_t m_publishesSent = 0;
    int64_t m_publishesAnswered = 0;
    int64_t m_publishErrors = 0;
    int64_t m_seqMismatches = 0;
    int64_t m_sessionErrors = 0;
    int m_consecutiveConnectionFailures = 0;
    std::string m_firstPublishError;
    bool m_timedOut = false;
};

} // namespace ssebench

#endif
