#ifndef SSEBUF_BENCH_LOADGENERATOR_H
#define SSEBUF_BENCH_LOADGENERATOR_H

#include "benchoptions.h"
#include "poller.h"
#include "processprobe.h"
#include "publisher.h"
#include "redisprobe.h"
#include "subscriber.h"
#include "wspublisher.h"

#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <utility>
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

    // The answers workload (answers.cpp): every session's producer paced on its own clock.
    struct AnswerSession
    {
        int64_t startNs = 0; // when its first event is produced
        int nextSeq = 1; // the next event not yet handed to a publisher
        int ticks = 0; // batch mode: flushes so far
    };
    struct AnswerItem
    {
        int session;
        int firstSeq;
        int lastSeq;
        int64_t dueNs; // when it was produced (batch: flushed)
    };
    using DueEntry = std::pair<int64_t, int>; // due time, session
    bool prepareAnswers();
    void startAnswers();
    void pumpAnswers();
    bool answersDone() const;
    int64_t answersPollNs() const;
    void emitAnswer(int session, int64_t dueNs);
    void sendQueuedAnswer(size_t publisher);
    void sendAnswerLine(int session, int seq, int64_t dueNs);
    std::string answersSummary(const RedisSample &before, const RedisSample &after) const;
    // Checks one publish answer: status, and for ssebufd that jsonInteger(body, seqKey)
    // equals expectedSeq; records the round trip and connection failures.
    void checkAnswer(Publisher *publisher, int status, const std::string &body, const char *seqKey,
                     long long expectedSeq);

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
    std::vector<AnswerSession> m_answerSessions;
    std::priority_queue<DueEntry, std::vector<DueEntry>, std::greater<DueEntry>> m_answerDue;
    std::vector<std::deque<AnswerItem>> m_answerQueues; // request and batch: per publisher
    std::vector<std::unique_ptr<WsPublisher>> m_wsPublishers; // one per session
    std::vector<uint32_t> m_scheduleLagUs; // per event: sent - produced
    int64_t m_eventsPublished = 0;
    bool m_answersActive = false;
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
