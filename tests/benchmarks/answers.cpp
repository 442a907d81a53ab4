// The "AI answers" workload of LoadGenerator: every session has its own producer that
// emits an event every 1/--session-rate seconds from its own start (session i starts
// i * --stagger / sessions after the first), published one of four ways (--publish-mode).

#include "loadgenerator.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace ssebench {

namespace {

constexpr int64_t nsPerMs = 1000000;

} // namespace

bool LoadGenerator::prepareAnswers()
{
    // Connections are opened before the measured phase, as a producer's pool or an answer
    // stream would be by the time tokens flow.
    const PublishMode mode = m_options.publishMode;
    if (mode == PublishMode::WebSocket) {
        for (const std::string &session : m_sessions) {
            m_wsPublishers.push_back(
                std::make_unique<WsPublisher>(m_poller, m_address, m_hostHeader));
            m_wsPublishers.back()->start(publishPath(session));
        }
        runUntil([this] {
            return std::all_of(m_wsPublishers.begin(), m_wsPublishers.end(),
                               [](const auto &ws) { return ws->isSettled(); });
        });
        const auto ready = std::count_if(m_wsPublishers.begin(), m_wsPublishers.end(),
                                         [](const auto &ws) { return ws->isReady(); });
        log("websocket publishers ready: " + std::to_string(ready));
        if (ready != long(m_wsPublishers.size()) && m_firstPublishError.empty()) {
            for (const auto &ws : m_wsPublishers) {
                if (!ws->isReady()) {
                    m_firstPublishError
                        = "websocket handshake answered " + std::to_string(ws->status());
                    break;
                }
            }
        }
        return ready == long(m_wsPublishers.size());
    }
    if (mode == PublishMode::Ndjson) {
        while (m_publishers.size() < m_sessions.size())
            m_publishers.push_back(std::make_unique<Publisher>(m_poller, m_address, m_hostHeader));
    }
    m_answerQueues.assign(m_publishers.size(), std::deque<AnswerItem>());
    for (auto &publisher : m_publishers)
        publisher->connect();
    return runUntil([this] {
        return std::all_of(m_publishers.begin(), m_publishers.end(), [](const auto &publisher) {
            return publisher->isConnected() || !publisher->isOpen();
        });
    });
}

void LoadGenerator::startAnswers()
{
    m_eventsPerSession = m_options.events;
    m_publishStartNs = monotonicNs();
    const int sessions = int(m_sessions.size());
    m_answerSessions.assign(size_t(sessions), AnswerSession());
    for (int i = 0; i < sessions; ++i) {
        AnswerSession &session = m_answerSessions[size_t(i)];
        session.startNs = m_publishStartNs
            + int64_t(m_options.staggerMs * double(nsPerMs) * i / std::max(1, sessions));
        const int64_t first = m_options.publishMode == PublishMode::Batch
            ? session.startNs + int64_t(m_options.batchIntervalMs * nsPerMs)
            : session.startNs;
        m_answerDue.push(DueEntry(first, i));
    }
    m_answersActive = true;
    pumpAnswers();
}

void LoadGenerator::pumpAnswers()
{
    const int64_t now = monotonicNs();
    while (!m_answerDue.empty() && m_answerDue.top().first <= now) {
        const DueEntry due = m_answerDue.top();
        m_answerDue.pop();
        emitAnswer(due.second, due.first);
    }
}

int64_t LoadGenerator::answersPollNs() const
{
    if (m_answerDue.empty())
        return 20 * nsPerMs;
    return std::clamp<int64_t>(m_answerDue.top().first - monotonicNs(), 0, 20 * nsPerMs);
}

void LoadGenerator::emitAnswer(int session, int64_t dueNs)
{
    AnswerSession &state = m_answerSessions[size_t(session)];
    const int events = m_eventsPerSession;
    const int64_t periodNs = int64_t(double(nsPerMs) * 1000.0 / m_options.sessionRate);
    int lastSeq = state.nextSeq;
    if (m_options.publishMode == PublishMode::Batch) {
        // Every event produced before this flush: event k is produced at (k-1) * period.
        const int64_t flushAt = int64_t(++state.ticks * m_options.batchIntervalMs * nsPerMs);
        lastSeq = std::min<int64_t>(events, (flushAt + periodNs - 1) / periodNs);
    }
    const int firstSeq = state.nextSeq;
    if (lastSeq >= firstSeq) {
        state.nextSeq = lastSeq + 1;
        m_eventsPublished += lastSeq - firstSeq + 1;
        if (m_options.publishMode == PublishMode::Request
            || m_options.publishMode == PublishMode::Batch) {
            const size_t publisher = size_t(session) % m_publishers.size();
            m_answerQueues[publisher].push_back(AnswerItem {session, firstSeq, lastSeq, dueNs});
            sendQueuedAnswer(publisher);
        } else {
            sendAnswerLine(session, firstSeq, dueNs);
        }
    }
    if (state.nextSeq > events)
        return;
    const int64_t next = m_options.publishMode == PublishMode::Batch
        ? state.startNs + int64_t((state.ticks + 1) * m_options.batchIntervalMs * nsPerMs)
        : state.startNs + int64_t(state.nextSeq - 1) * periodNs;
    m_answerDue.push(DueEntry(next, session));
}

void LoadGenerator::sendQueuedAnswer(size_t index)
{
    Publisher *publisher = m_publishers[index].get();
    std::deque<AnswerItem> &queue = m_answerQueues[index];
    while (!queue.empty() && !publisher->isBusy()) {
        const AnswerItem item = queue.front();
        queue.pop_front();
        const int64_t now = monotonicNs();
        const bool batch = m_options.publishMode == PublishMode::Batch;
        std::string body = batch ? "[" : "";
        for (int seq = item.firstSeq; seq <= item.lastSeq; ++seq) {
            if (seq > item.firstSeq)
                body += ',';
            body += eventBody(seq, seq == m_eventsPerSession);
            m_scheduleLagUs.push_back(uint32_t((now - item.dueNs) / 1000));
        }
        if (batch)
            body += ']';
        ++m_publishesSent;
        const bool sent = publisher->post(
            publishPath(m_sessions[size_t(item.session)]), body,
            [this, index, publisher, item, batch](int status, const std::string &answer) {
                checkAnswer(publisher, status, answer, batch ? "last_seq" : "seq", item.lastSeq);
                sendQueuedAnswer(index);
            });
        if (!sent) {
            ++m_publishesAnswered;
            if (m_publishErrors++ == 0)
                m_firstPublishError
                    = std::string("connect: ") + std::strerror(publisher->lastError());
        }
    }
}

void LoadGenerator::sendAnswerLine(int session, int seq, int64_t dueNs)
{
    const bool final = seq == m_eventsPerSession;
    const std::string body = eventBody(seq, final);
    m_scheduleLagUs.push_back(uint32_t((monotonicNs() - dueNs) / 1000));
    if (m_options.publishMode == PublishMode::WebSocket) {
        m_wsPublishers[size_t(session)]->sendText(body);
        return;
    }
    Publisher *publisher = m_publishers[size_t(session)].get();
    if (seq == 1) {
        ++m_publishesSent;
        const bool sent = publisher->openStream(
            publishPath(m_sessions[size_t(session)]), "application/x-ndjson", body + "\n",
            [this, publisher](int status, const std::string &answer) {
                checkAnswer(publisher, status, answer, "last_seq", m_eventsPerSession);
            });
        if (!sent) {
            ++m_publishesAnswered;
            if (m_publishErrors++ == 0)
                m_firstPublishError
                    = std::string("connect: ") + std::strerror(publisher->lastError());
        }
        if (final)
            publisher->endStream();
    } else if (final) {
        publisher->endStream(body + "\n");
    } else {
        publisher->streamChunk(body + "\n");
    }
}

bool LoadGenerator::answersDone() const
{
    if (!m_answerDue.empty())
        return false;
    for (size_t i = 0; i < m_publishers.size(); ++i) {
        if (m_publishers[i]->isBusy() || (i < m_answerQueues.size() && !m_answerQueues[i].empty()))
            return false;
    }
    return true;
}

std::string LoadGenerator::answersSummary(const RedisSample &before, const RedisSample &after) const
{
    // "name calls-per-event" of the Redis commands run during the phase, most first.
    std::vector<std::pair<long long, std::string>> calls;
    for (const auto &entry : after.calls) {
        const auto was = before.calls.find(entry.first);
        const long long count = entry.second - (was == before.calls.end() ? 0 : was->second)
            - (entry.first == "info" ? 1 : 0); // the probe's own INFO before the phase
        if (count > 0)
            calls.emplace_back(count, entry.first);
    }
    std::sort(calls.rbegin(), calls.rend());
    std::string text;
    for (const auto &entry : calls) {
        char item[96];
        std::snprintf(
            item, sizeof item, "%s%s %.3f", text.empty() ? "" : ", ", entry.second.c_str(),
            m_eventsPublished > 0 ? double(entry.first) / double(m_eventsPublished) : 0.0);
        text += item;
    }
    return text;
}

} // namespace ssebench
