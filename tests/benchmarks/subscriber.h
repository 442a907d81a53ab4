#ifndef SSEBUF_BENCH_SUBSCRIBER_H
#define SSEBUF_BENCH_SUBSCRIBER_H

#include "benchconnection.h"
#include "httpresponseparser.h"
#include "latencyrecord.h"

#include <sseparser.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ssebench {

class Subscriber;

class SubscriberObserver
{
public:
    virtual ~SubscriberObserver() = default;
    // The 200 response head arrived: the stream is open.
    virtual void subscriberReady(Subscriber *subscriber) = 0;
    // The subscriber got every expected event, or its stream ended or failed.
    virtual void subscriberFinished(Subscriber *subscriber) = 0;
};

// One SSE stream. Every event's data carries the marker "bench:<seq>:<publish ns>:" (see
// LoadGenerator); the subscriber checks that it sees 1..expectedEvents exactly once and in
// order, and records publish-to-delivery latency. With checkIds the "id:" field must equal
// the seq (ssebufd); Nchan's ids are its own.
class Subscriber : public BenchConnection, private HttpResponseListener
{
public:
    enum class State { Idle, Connecting, Streaming, Finished };

    Subscriber(Poller &poller, const sockaddr_in &address, std::string request, int expectedEvents,
               bool checkIds, SubscriberObserver *observer, LatencyRecord *latencies);

    bool start();
    State state() const { return m_state; }
    bool isReady() const { return m_status == 200; }
    int status() const { return m_status; }

    int expectedEvents() const { return m_expected; }
    int distinctEvents() const { return m_distinct; }
    int missing() const { return m_expected - m_distinct; }
    int duplicates() const { return m_duplicates; }
    int outOfOrder() const { return m_outOfOrder; }
    int badIds() const { return m_badIds; }
    int gapEvents() const { return m_gapEvents; }
    int unparsed() const { return m_unparsed; }
    int64_t startNs() const { return m_startNs; }
    int64_t readyNs() const { return m_readyNs; }
    int64_t lastEventNs() const { return m_lastEventNs; }
    int error() const { return m_error; }

protected:
    void connected() override;
    void received(const char *data, size_t size) override;
    void lost(int error) override;

private:
    void responseHead(int status, const std::string &head) override;
    void responseBody(const char *data, size_t size) override;
    void responseComplete() override;

    void handleEvent(const ssebuf::SseEvent &event, int64_t nowNs);
    void finish();

    HttpResponseParser m_http;
    ssebuf::SseParser m_sse;
    std::string m_request;
    SubscriberObserver *m_observer;
    LatencyRecord *m_latencies;
    std::vector<bool> m_seen;
    State m_state = State::Idle;
    int64_t m_startNs = 0;
    int64_t m_readyNs = 0;
    int64_t m_lastEventNs = 0;
    int m_expected;
    int m_status = 0;
    int m_error = 0;
    int m_distinct = 0;
    int m_maxSeq = 0;
    int m_duplicates = 0;
    int m_outOfOrder = 0;
    int m_badIds = 0;
    int m_gapEvents = 0;
    int m_unparsed = 0;
    bool m_checkIds;
};

} // namespace ssebench

#endif
