#include "subscriber.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ssebench {

Subscriber::Subscriber(Poller &poller, const sockaddr_in &address, std::string request,
                       int expectedEvents, bool checkIds, SubscriberObserver *observer,
                       LatencyRecord *latencies)
    : BenchConnection(poller, address)
    , m_http(this)
    , m_request(std::move(request))
    , m_observer(observer)
    , m_latencies(latencies)
    , m_seen(size_t(expectedEvents) + 1, false)
    , m_expected(expectedEvents)
    , m_checkIds(checkIds)
{
}

bool Subscriber::start()
{
    m_startNs = monotonicNs();
    m_state = State::Connecting;
    if (!open()) {
        m_error = lastError();
        finish();
        return false;
    }
    send(m_request);
    return true;
}

void Subscriber::connected() { }

void Subscriber::received(const char *data, size_t size)
{
    if (!m_http.feed(data, size) && m_state != State::Finished) {
        m_error = EPROTO;
        finish();
    }
}

void Subscriber::lost(int error)
{
    if (m_state == State::Finished)
        return;
    m_http.finish();
    if (m_error == 0)
        m_error = error;
    finish();
}

void Subscriber::responseHead(int status, const std::string &)
{
    m_status = status;
    if (status != 200) {
        finish();
        return;
    }
    m_readyNs = monotonicNs();
    m_state = State::Streaming;
    m_observer->subscriberReady(this);
}

void Subscriber::responseBody(const char *data, size_t size)
{
    if (m_state != State::Streaming)
        return;
    m_sse.feed(data, qsizetype(size));
    if (!m_sse.hasEvents())
        return;
    const int64_t now = monotonicNs();
    const QList<ssebuf::SseEvent> events = m_sse.takeEvents();
    for (const ssebuf::SseEvent &event : events) {
        handleEvent(event, now);
        if (m_state != State::Streaming)
            return;
    }
}

void Subscriber::responseComplete()
{
    if (m_state != State::Finished)
        finish();
}

void Subscriber::handleEvent(const ssebuf::SseEvent &event, int64_t nowNs)
{
    static const char marker[] = "bench:";
    const char *data = event.data.constData();
    const char *at = static_cast<const char *>(
        memmem(data, size_t(event.data.size()), marker, sizeof marker - 1));
    if (!at) {
        if (event.data.contains("\"gap\""))
            ++m_gapEvents;
        else
            ++m_unparsed;
        return;
    }
    char *end = nullptr;
    const long seq = std::strtol(at + sizeof marker - 1, &end, 10);
    const long long sentNs = (*end == ':') ? std::strtoll(end + 1, nullptr, 10) : 0;
    if (seq < 1 || seq > m_expected) {
        ++m_unparsed;
        return;
    }
    if (m_checkIds && (!event.hasId || event.id.toLong() != seq))
        ++m_badIds;
    if (m_seen[size_t(seq)]) {
        ++m_duplicates;
    } else {
        m_seen[size_t(seq)] = true;
        ++m_distinct;
        if (seq < m_maxSeq)
            ++m_outOfOrder;
        if (m_latencies && sentNs > 0)
            m_latencies->add(uint32_t((nowNs - sentNs) / 1000), int(seq), nowNs);
    }
    if (seq > m_maxSeq)
        m_maxSeq = int(seq);
    m_lastEventNs = nowNs;
    if (m_distinct == m_expected)
        finish();
}

void Subscriber::finish()
{
    if (m_state == State::Finished)
        return;
    m_state = State::Finished;
    close();
    m_observer->subscriberFinished(this);
}

} // namespace ssebench
