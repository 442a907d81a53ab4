#include "loadgenerator.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace ssebench {

namespace {

constexpr int64_t nsPerSecond = 1000000000;

const char *targetName(Target target)
{
    return target == Target::Ssebuf ? "ssebuf" : "nchan";
}

const char *workloadName(Workload workload)
{
    switch (workload) {
    case Workload::Fanout:
        return "fanout";
    case Workload::LateJoin:
        return "latejoin";
    case Workload::Idle:
        return "idle";
    case Workload::Publish:
        return "publish";
    case Workload::Answers:
        return "answers";
    }
    return "?";
}

const char *publishModeName(PublishMode mode)
{
    switch (mode) {
    case PublishMode::Request:
        return "request";
    case PublishMode::Batch:
        return "batch";
    case PublishMode::Ndjson:
        return "ndjson";
    case PublishMode::WebSocket:
        return "websocket";
    }
    return "?";
}

// The string value of "key" in a flat JSON object; enough for the server's own answers.
std::string jsonString(const std::string &json, const char *key)
{
    const std::string quoted = std::string("\"") + key + "\"";
    size_t at = json.find(quoted);
    if (at == std::string::npos)
        return {};
    at = json.find('"', json.find(':', at + quoted.size()) + 1);
    if (at == std::string::npos)
        return {};
    const size_t end = json.find('"', at + 1);
    return end == std::string::npos ? std::string() : json.substr(at + 1, end - at - 1);
}

long long jsonInteger(const std::string &json, const char *key)
{
    const std::string quoted = std::string("\"") + key + "\"";
    const size_t at = json.find(quoted);
    if (at == std::string::npos)
        return -1;
    const size_t colon = json.find(':', at + quoted.size());
    return colon == std::string::npos ? -1 : std::strtoll(json.c_str() + colon + 1, nullptr, 10);
}

double percentileMs(std::vector<uint32_t> &samplesUs, double fraction)
{
    if (samplesUs.empty())
        return 0;
    const size_t index
        = std::min(samplesUs.size() - 1, size_t(fraction * double(samplesUs.size())));
    std::nth_element(samplesUs.begin(), samplesUs.begin() + long(index), samplesUs.end());
    return samplesUs[index] / 1000.0;
}

double clientCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Builds the one-line JSON result.
class JsonLine
{
public:
    void add(const char *key, const std::string &value)
    {
        separate(key);
        m_out << '"';
        for (const char c : value) {
            if (c == '"' || c == '\\')
                m_out << '\\' << c;
            else if (static_cast<unsigned char>(c) < 0x20)
                m_out << ' ';
            else
                m_out << c;
        }
        m_out << '"';
    }
    void add(const char *key, const char *value) { add(key, std::string(value)); }
    void add(const char *key, long long value)
    {
        separate(key);
        m_out << value;
    }
    void add(const char *key, int value) { add(key, static_cast<long long>(value)); }
    void add(const char *key, double value)
    {
        separate(key);
        char text[64];
        std::snprintf(text, sizeof text, "%.6g", value);
        m_out << text;
    }
    void add(const char *key, bool value)
    {
        separate(key);
        m_out << (value ? "true" : "false");
    }
    std::string finish() { return m_out.str() + "}"; }

private:
    void separate(const char *key)
    {
        m_out << (m_first ? "{" : ", ") << '"' << key << "\": ";
        m_first = false;
    }
    std::ostringstream m_out;
    bool m_first = true;
};

} // namespace

LoadGenerator::LoadGenerator(BenchOptions options)
    : m_options(std::move(options))
{
    m_address.sin_family = AF_INET;
    m_address.sin_port = htons(m_options.port);
    inet_pton(AF_INET, m_options.host.c_str(), &m_address.sin_addr);
    m_hostHeader = m_options.host + ":" + std::to_string(m_options.port);
    const int publishers = std::max(1, std::min(m_options.publishers, m_options.sessions));
    for (int i = 0; i < publishers; ++i)
        m_publishers.push_back(std::make_unique<Publisher>(m_poller, m_address, m_hostHeader));
}

LoadGenerator::~LoadGenerator() = default;

void LoadGenerator::log(const std::string &text) const
{
    if (m_options.verbose)
        std::fprintf(stderr, "ssebench: %s\n", text.c_str());
}

std::string LoadGenerator::subscribeRequest(const std::string &session) const
{
    const std::string path = m_options.target == Target::Ssebuf
        ? "/api/refactor/" + session + "/sse"
        : "/sub?id=" + session;
    return "GET " + path + " HTTP/1.1\r\nHost: " + m_hostHeader
        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
}

std::string LoadGenerator::publishPath(const std::string &session) const
{
    return m_options.target == Target::Ssebuf ? "/api/sessions/" + session + "/events"
                                              : "/pub?id=" + session;
}

std::string LoadGenerator::eventBody(int seq, bool final) const
{
    // The same body for both targets; Nchan relays it as the data line, ssebufd embeds the
    // message in its event JSON.
    std::string message
        = "bench:" + std::to_string(seq) + ":" + std::to_string(monotonicNs()) + ":";
    if (int(message.size()) < m_options.payload)
        message.append(size_t(m_options.payload) - message.size(), 'x');
    std::string body = final ? R"({"type":"progress","status":"completed","final":true,"message":")"
                             : R"({"type":"progress","status":"running","message":")";
    body += message;
    body += "\"}";
    return body;
}

bool LoadGenerator::runUntil(const std::function<bool()> &done, int64_t deadlineNs)
{
    while (!done()) {
        const int64_t now = monotonicNs();
        if (now >= m_deadlineNs) {
            m_timedOut = true;
            return false;
        }
        if (deadlineNs != 0 && now >= deadlineNs)
            return false;
        pumpConnects();
        pumpPublishers();
        if (m_answersActive)
            pumpAnswers();
        const bool pacing = m_options.rate > 0 && !publishingDone();
        if (m_answersActive)
            m_poller.pollNs(answersPollNs());
        else
            m_poller.poll(pacing ? 1 : 20);
    }
    return true;
}

bool LoadGenerator::createSessions()
{
    m_sessions.assign(size_t(m_options.sessions), std::string());
    if (m_options.target == Target::Nchan) {
        // Channels exist once published to; the names only need to be fresh per run.
        const std::string prefix = "bench" + std::to_string(getpid()) + "x"
            + std::to_string(monotonicNs() % 1000000) + "c";
        for (int i = 0; i < m_options.sessions; ++i)
            m_sessions[size_t(i)] = prefix + std::to_string(i);
        return true;
    }
    size_t next = 0;
    int pending = 0;
    std::function<void(Publisher *)> createNext = [&](Publisher *publisher) {
        if (next >= m_sessions.size())
            return;
        const size_t index = next++;
        ++pending;
        const bool sent = publisher->post(
            "/api/refactor",
            R"({"user_id":"bench","user_prompt":"refactor bench","mode":"autonomous"})",
            [&, index, publisher](int status, const std::string &body) {
                --pending;
                m_sessions[index] = jsonString(body, "session_id");
                if (status != 201 || m_sessions[index].empty()) {
                    ++m_sessionErrors;
                    log("session creation answered " + std::to_string(status) + ": " + body);
                }
                createNext(publisher);
            });
        if (!sent) {
            --pending;
            ++m_sessionErrors;
        }
    };
    for (auto &publisher : m_publishers)
        createNext(publisher.get());
    runUntil([&] { return pending == 0 && next >= m_sessions.size(); });
    return m_sessionErrors == 0 && !m_timedOut;
}

void LoadGenerator::addSubscribers(int perSession, int expectedEvents, bool recordLatency)
{
    // Interleaved so that a partly opened set still covers every session.
    for (int k = 0; k < perSession; ++k) {
        for (const std::string &session : m_sessions) {
            m_subscribers.push_back(std::make_unique<Subscriber>(
                m_poller, m_address, subscribeRequest(session), expectedEvents,
                m_options.target == Target::Ssebuf, this, recordLatency ? &m_latencies : nullptr));
            const bool loopback = (ntohl(m_address.sin_addr.s_addr) >> 24) == 127;
            if (loopback && m_options.sourceAddresses > 0) {
                const uint32_t host = 0x7f000002u
                    + uint32_t(m_subscribers.size() % size_t(m_options.sourceAddresses));
                m_subscribers.back()->setSourceAddress(htonl(host));
            }
        }
    }
}

void LoadGenerator::pumpConnects()
{
    while (m_nextSubscriber < m_subscribers.size() && m_connecting < m_options.connectConcurrency) {
        Subscriber *subscriber = m_subscribers[m_nextSubscriber++].get();
        ++m_connecting;
        subscriber->start(); // a failure reports subscriberFinished at once
    }
}

bool LoadGenerator::waitForConnections()
{
    return runUntil(
        [this] { return m_nextSubscriber == m_subscribers.size() && m_connecting == 0; });
}

void LoadGenerator::subscriberReady(Subscriber *)
{
    --m_connecting;
    ++m_ready;
}

void LoadGenerator::subscriberFinished(Subscriber *subscriber)
{
    if (subscriber->readyNs() == 0)
        --m_connecting;
    ++m_finished;
}

bool LoadGenerator::subscribersDone() const
{
    return m_nextSubscriber == m_subscribers.size() && m_finished == int(m_subscribers.size());
}

void LoadGenerator::startPublishing(int eventsPerSession)
{
    m_eventsPerSession = eventsPerSession;
    m_cursors.assign(m_publishers.size(), PublishCursor());
    for (size_t i = 0; i < m_sessions.size(); ++i)
        m_cursors[i % m_cursors.size()].sessions.push_back(int(i));
    for (PublishCursor &cursor : m_cursors)
        cursor.done = cursor.sessions.empty() || eventsPerSession <= 0;
    m_publishesSent = 0;
    m_publishStartNs = monotonicNs();
    pumpPublishers();
}

void LoadGenerator::publishAndDrain(int eventsPerSession)
{
    startPublishing(eventsPerSession);
    runUntil([this] { return publishingDone(); });
    runUntil([this] { return subscribersDone(); },
             monotonicNs() + int64_t(m_options.drainSeconds * nsPerSecond));
}

bool LoadGenerator::publishingDone() const
{
    for (size_t i = 0; i < m_cursors.size(); ++i) {
        if (!m_cursors[i].done || m_publishers[i]->isBusy())
            return false;
    }
    return true;
}

void LoadGenerator::pumpPublishers()
{
    for (size_t i = 0; i < m_cursors.size(); ++i) {
        if (!m_cursors[i].done && !m_publishers[i]->isBusy())
            publishNext(i);
    }
}

void LoadGenerator::abandonPublishing()
{
    // The server is gone or refuses every connection: the rest would only fail too.
    for (PublishCursor &cursor : m_cursors)
        cursor.done = true;
    m_answerDue = decltype(m_answerDue)();
    for (auto &queue : m_answerQueues)
        queue.clear();
}

void LoadGenerator::checkAnswer(Publisher *publisher, int status, const std::string &body,
                                const char *seqKey, long long expectedSeq)
{
    const int64_t now = monotonicNs();
    m_lastAnswerNs = now;
    ++m_publishesAnswered;
    // From when the request (or burst, or stream) was sent.
    m_publishRttUs.push_back(uint32_t((now - publisher->sentNs()) / 1000));
    m_consecutiveConnectionFailures = status == 0 ? m_consecutiveConnectionFailures + 1 : 0;
    if (m_consecutiveConnectionFailures > 50)
        abandonPublishing();
    if (status != 201 && status != 202) {
        if (m_publishErrors++ == 0) {
            m_firstPublishError = status != 0
                ? "HTTP " + std::to_string(status) + " " + body.substr(0, 200)
                : std::string("connection: ") + std::strerror(publisher->lastError());
            log("publish failed: " + m_firstPublishError);
        }
    } else if (m_options.target == Target::Ssebuf && jsonInteger(body, seqKey) != expectedSeq) {
        ++m_seqMismatches;
        log("publish answered " + body.substr(0, 200));
    }
}

void LoadGenerator::publishNext(size_t index)
{
    PublishCursor &cursor = m_cursors[index];
    Publisher *publisher = m_publishers[index].get();
    const int burst = std::max(1, m_options.burst);
    while (!cursor.done && !publisher->isBusy()) {
        // The next burst: seq round..round+burst-1 of the cursor's next session, fewer at the
        // end of the session's events.
        const int session = cursor.sessions[cursor.index];
        const int firstSeq = cursor.round;
        const int lastSeq = std::min(m_eventsPerSession, firstSeq + burst - 1);
        const int count = lastSeq - firstSeq + 1;
        if (m_options.rate > 0) {
            // Every event counts as one publish; a burst goes once the allowance covers all
            // of it (the allowance starts at one burst).
            const double allowed
                = double(monotonicNs() - m_publishStartNs) / nsPerSecond * m_options.rate + burst;
            if (double(m_publishesSent + count - 1) >= allowed)
                return; // pumpPublishers() resumes on the next loop turn
        }
        if (++cursor.index == cursor.sessions.size()) {
            cursor.index = 0;
            cursor.round += burst;
            if (cursor.round > m_eventsPerSession)
                cursor.done = true;
        }
        const std::string path = publishPath(m_sessions[size_t(session)]);
        std::vector<Publisher::Request> requests;
        requests.reserve(size_t(count));
        for (int seq = firstSeq; seq <= lastSeq; ++seq) {
            const bool final = seq == m_eventsPerSession;
            requests.push_back(Publisher::Request {
                path, eventBody(seq, final),
                [this, index, seq, publisher](int status, const std::string &body) {
                    checkAnswer(publisher, status, body, "seq", seq);
                    // A no-op until the burst's last answer (the publisher is still busy).
                    publishNext(index);
                }});
        }
        m_publishesSent += count;
        if (!publisher->postBurst(std::move(requests))) {
            m_publishesAnswered += count;
            m_consecutiveConnectionFailures += count;
            if (m_consecutiveConnectionFailures > 50)
                abandonPublishing();
            if (m_publishErrors == 0)
                m_firstPublishError
                    = std::string("connect: ") + std::strerror(publisher->lastError());
            m_publishErrors += count;
        }
    }
}

BenchResult LoadGenerator::run()
{
    const Workload workload = m_options.workload;
    const int64_t runStartNs = monotonicNs();
    m_deadlineNs = runStartNs + int64_t(m_options.timeoutSeconds * nsPerSecond);
    const double clientCpuStart = clientCpuSeconds();

    ProcessSample before;
    ProcessSample after;
    ProcessSample baseline;
    ProcessSample connectedSample;
    double idleCpu = 0;
    int64_t phaseStartNs = 0;
    int64_t phaseEndNs = 0;
    const char *latencyKind = "publish_to_delivery";
    RedisSample redisBefore;
    RedisSample redisAfter;
    std::string redisError;
    std::vector<uint32_t> replayUs;

    const bool sessionsOk = createSessions();
    log("sessions ready: " + std::to_string(m_sessions.size()));
    if (sessionsOk) {
        const int events = m_options.events;
        switch (workload) {
        case Workload::Fanout:
            addSubscribers(m_options.subscribers, events, true);
            waitForConnections();
            log("subscribers ready: " + std::to_string(m_ready));
            before = sampleProcesses(m_options.serverPids);
            phaseStartNs = monotonicNs();
            publishAndDrain(events);
            after = sampleProcesses(m_options.serverPids);
            break;
        case Workload::LateJoin:
            startPublishing(events);
            runUntil([this] { return publishingDone(); });
            log("events buffered: " + std::to_string(m_publishesAnswered));
            addSubscribers(m_options.subscribers, events, false);
            before = sampleProcesses(m_options.serverPids);
            phaseStartNs = monotonicNs();
            runUntil([this] { return subscribersDone(); },
                     monotonicNs() + int64_t(m_options.drainSeconds * nsPerSecond));
            after = sampleProcesses(m_options.serverPids);
            latencyKind = "replay_duration";
            break;
        case Workload::Idle: {
            baseline = sampleProcesses(m_options.serverPids);
            addSubscribers(m_options.subscribers, events, true);
            waitForConnections();
            log("subscribers ready: " + std::to_string(m_ready));
            connectedSample = sampleProcesses(m_options.serverPids);
            const int finishedBeforeHold = m_finished;
            runUntil([] { return false; },
                     monotonicNs() + int64_t(m_options.holdSeconds * nsPerSecond));
            const ProcessSample held = sampleProcesses(m_options.serverPids);
            idleCpu = held.cpuSeconds - connectedSample.cpuSeconds;
            if (m_finished != finishedBeforeHold)
                log("streams ended while idle: " + std::to_string(m_finished - finishedBeforeHold));
            before = held;
            phaseStartNs = monotonicNs();
            publishAndDrain(events);
            after = sampleProcesses(m_options.serverPids);
            break;
        }
        case Workload::Answers:
            addSubscribers(m_options.subscribers, events, true);
            waitForConnections();
            log("subscribers ready: " + std::to_string(m_ready));
            if (!prepareAnswers()) {
                ++m_publishErrors;
                break;
            }
            if (!m_options.redis.empty())
                redisBefore = sampleRedis(m_options.redis, &redisError);
            before = sampleProcesses(m_options.serverPids);
            phaseStartNs = monotonicNs();
            startAnswers();
            runUntil([this] { return answersDone(); });
            m_answersActive = false;
            runUntil([this] { return subscribersDone(); },
                     monotonicNs() + int64_t(m_options.drainSeconds * nsPerSecond));
            after = sampleProcesses(m_options.serverPids);
            if (!m_options.redis.empty())
                redisAfter = sampleRedis(m_options.redis, &redisError);
            for (auto &ws : m_wsPublishers)
                ws->sendClose();
            break;
        case Workload::Publish:
            before = sampleProcesses(m_options.serverPids);
            phaseStartNs = monotonicNs();
            startPublishing(events);
            runUntil([this] { return publishingDone(); });
            after = sampleProcesses(m_options.serverPids);
            latencyKind = "publish_round_trip";
            break;
        }
    }

    // Whatever is still open counts as missing.
    for (auto &subscriber : m_subscribers)
        subscriber->close();

    long long delivered = 0;
    long long expected = 0;
    long long missing = 0;
    long long duplicates = 0;
    long long outOfOrder = 0;
    long long badIds = 0;
    long long gaps = 0;
    long long unparsed = 0;
    long long notConnected = 0;
    long long httpErrors = 0;
    long long streamErrors = 0;
    std::string firstStreamError;
    for (const auto &subscriber : m_subscribers) {
        delivered += subscriber->distinctEvents();
        expected += subscriber->expectedEvents();
        missing += subscriber->missing();
        duplicates += subscriber->duplicates();
        outOfOrder += subscriber->outOfOrder();
        badIds += subscriber->badIds();
        gaps += subscriber->gapEvents();
        unparsed += subscriber->unparsed();
        if (subscriber->error() != 0 && subscriber->missing() > 0) {
            if (streamErrors++ == 0)
                firstStreamError = std::strerror(subscriber->error());
        }
        if (subscriber->status() == 0)
            ++notConnected;
        else if (subscriber->status() != 200)
            ++httpErrors;
        phaseEndNs = std::max(phaseEndNs, subscriber->lastEventNs());
        if (workload == Workload::LateJoin && subscriber->lastEventNs() > 0)
            replayUs.push_back(
                uint32_t((subscriber->lastEventNs() - subscriber->startNs()) / 1000));
    }
    if (workload == Workload::Publish) {
        delivered = m_publishesAnswered - m_publishErrors;
        expected = (long long)(m_sessions.size()) * m_options.events;
        missing = expected - delivered;
        phaseEndNs = m_lastAnswerNs;
    }
    std::vector<uint32_t> &latencies = workload == Workload::LateJoin ? replayUs
        : workload == Workload::Publish                               ? m_publishRttUs
                                                                      : m_latencies.samplesUs;
    const double elapsed = phaseEndNs > phaseStartNs && phaseStartNs > 0
        ? double(phaseEndNs - phaseStartNs) / nsPerSecond
        : 0;
    const bool sampled = before.valid && after.valid;
    const double serverCpu = sampled ? after.cpuSeconds - before.cpuSeconds : 0;
    const bool ok = !m_timedOut && m_sessionErrors == 0 && m_publishErrors == 0
        && m_seqMismatches == 0 && missing == 0 && duplicates == 0 && outOfOrder == 0 && badIds == 0
        && gaps == 0 && notConnected == 0 && httpErrors == 0;

    JsonLine json;
    json.add("tool", "ssebench");
    if (!m_options.label.empty())
        json.add("label", m_options.label);
    json.add("target", targetName(m_options.target));
    json.add("workload", workloadName(workload));
    json.add("sessions", m_options.sessions);
    json.add("subscribers_per_session", m_options.subscribers);
    json.add("events_per_session", m_options.events);
    json.add("payload", m_options.payload);
    json.add("publishers", int(m_publishers.size()));
    json.add("burst", std::max(1, m_options.burst));
    if (workload == Workload::Answers) {
        json.add("publish_mode", publishModeName(m_options.publishMode));
        json.add("session_rate", m_options.sessionRate);
        json.add("batch_interval_ms", m_options.batchIntervalMs);
        json.add("stagger_ms", m_options.staggerMs);
        json.add("events_published", (long long)(m_eventsPublished));
        json.add("schedule_lag_p50_ms", percentileMs(m_scheduleLagUs, 0.50));
        json.add("schedule_lag_p99_ms", percentileMs(m_scheduleLagUs, 0.99));
        json.add("schedule_lag_max_ms", percentileMs(m_scheduleLagUs, 1.0));
        json.add("publish_rtt_p50_ms", percentileMs(m_publishRttUs, 0.50));
        json.add("publish_rtt_p99_ms", percentileMs(m_publishRttUs, 0.99));
    }
    json.add("streams", (long long)(m_subscribers.size()));
    json.add("streams_opened", (long long)(m_ready));
    json.add("expected", expected);
    json.add("delivered", delivered);
    json.add("missing", missing);
    json.add("duplicate", duplicates);
    json.add("out_of_order", outOfOrder);
    json.add("bad_ids", badIds);
    json.add("gap_events", gaps);
    json.add("unparsed_events", unparsed);
    json.add("not_connected", notConnected);
    json.add("http_errors", httpErrors);
    json.add("stream_errors", streamErrors);
    if (!firstStreamError.empty())
        json.add("first_stream_error", firstStreamError);
    json.add("session_errors", (long long)(m_sessionErrors));
    json.add("published", (long long)(m_publishesAnswered));
    json.add("publish_errors", (long long)(m_publishErrors));
    json.add("seq_mismatches", (long long)(m_seqMismatches));
    if (!m_firstPublishError.empty())
        json.add("first_publish_error", m_firstPublishError);
    json.add("elapsed_s", elapsed);
    json.add("delivered_per_s", elapsed > 0 ? double(delivered) / elapsed : 0.0);
    json.add("latency_kind", latencyKind);
    json.add("latency_samples", (long long)(latencies.size()));
    json.add("latency_p50_ms", percentileMs(latencies, 0.50));
    json.add("latency_p99_ms", percentileMs(latencies, 0.99));
    json.add("latency_p999_ms", percentileMs(latencies, 0.999));
    json.add("latency_max_ms", percentileMs(latencies, 1.0));
    if (!m_latencies.worst.empty() && workload != Workload::LateJoin
        && workload != Workload::Publish) {
        std::string worst;
        for (const LatencyRecord::Sample &sample : m_latencies.worst) {
            char text[96];
            std::snprintf(text, sizeof text, "%s%.2f ms (seq %d, +%.0f ms)",
                          worst.empty() ? "" : "; ", sample.us / 1000.0, sample.seq,
                          double(sample.atNs - phaseStartNs) / 1e6);
            worst += text;
        }
        json.add("latency_worst", worst);
    }
    if (sampled) {
        json.add("server_cpu_s", serverCpu);
        json.add("server_cpu_ticks_s", after.tickCpuSeconds - before.tickCpuSeconds);
        json.add("server_user_ticks_s", after.tickUserSeconds - before.tickUserSeconds);
        json.add("server_system_ticks_s", after.tickSystemSeconds - before.tickSystemSeconds);
        json.add("server_cpu_s_per_100k",
                 delivered > 0 ? serverCpu * 100000.0 / double(delivered) : 0.0);
        json.add("delivered_per_server_cpu_s", serverCpu > 0 ? double(delivered) / serverCpu : 0.0);
        json.add("server_rss_kb", (long long)(after.rssKb));
        json.add("server_hwm_kb", (long long)(after.hwmKb));
    }
    if (!m_options.redis.empty()) {
        const bool redisOk = redisBefore.valid && redisAfter.valid;
        json.add("redis_sampled", redisOk);
        if (!redisError.empty())
            json.add("redis_error", redisError);
        if (redisOk) {
            // The probe's INFO before the phase is counted by the one after it.
            const long long commands = redisAfter.commands - redisBefore.commands - 1;
            json.add("redis_cpu_s", redisAfter.cpuSeconds - redisBefore.cpuSeconds);
            json.add("redis_commands", commands);
            json.add("redis_commands_per_event",
                     m_eventsPublished > 0 ? double(commands) / double(m_eventsPublished) : 0.0);
            json.add("redis_calls_per_event", answersSummary(redisBefore, redisAfter));
            // What the server sent as script calls (Redis 7 counts the commands a script
            // runs in total_commands_processed too).
            long long scripts = 0;
            for (const char *name :
                 {"evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro"}) {
                const auto was = redisBefore.calls.find(name);
                const auto now = redisAfter.calls.find(name);
                if (now != redisAfter.calls.end())
                    scripts += now->second - (was == redisBefore.calls.end() ? 0 : was->second);
            }
            json.add("redis_script_calls", scripts);
            json.add("redis_script_calls_per_event",
                     m_eventsPublished > 0 ? double(scripts) / double(m_eventsPublished) : 0.0);
        }
    }
    if (workload == Workload::Idle && baseline.valid && connectedSample.valid) {
        json.add("rss_baseline_kb", (long long)(baseline.rssKb));
        json.add("rss_connected_kb", (long long)(connectedSample.rssKb));
        json.add("rss_per_stream_kb",
                 m_ready > 0 ? double(connectedSample.rssKb - baseline.rssKb) / m_ready : 0.0);
        json.add("idle_cpu_s", idleCpu);
        json.add("hold_s", m_options.holdSeconds);
    }
    json.add("client_cpu_s", clientCpuSeconds() - clientCpuStart);
    json.add("wall_s", double(monotonicNs() - runStartNs) / nsPerSecond);
    json.add("timed_out", m_timedOut);
    json.add("ok", ok);

    BenchResult result;
    result.json = json.finish();
    result.ok = ok;
    return result;
}

} // namespace ssebench
