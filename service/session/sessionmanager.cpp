#include "sessionmanager.h"

#include "core/contextcallback.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTimer>

Q_LOGGING_CATEGORY(lcSession, "ssebuf.session")

namespace ssebuf {

SessionManager::SessionManager(SessionStore *store, Pipeline *pipeline, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_pipeline(pipeline)
{
    connect(m_store, &SessionStore::sessionRemoved, this, &SessionManager::store_sessionRemoved);
    connect(m_store, &SessionStore::sessionEnded, this, &SessionManager::store_sessionEnded);
}

SessionManager::~SessionManager()
{
    stopAll();
}

QString SessionManager::newSessionId(qint64 createdAtMs)
{
    quint32 random[4];
    QRandomGenerator::system()->fillRange(random);
    QByteArray bytes(reinterpret_cast<const char *>(random), sizeof(random));
    const QDateTime created = QDateTime::fromMSecsSinceEpoch(createdAtMs, Qt::UTC);
    return QStringLiteral("session_") + created.toString(QStringLiteral("yyyyMMdd_HHmmss"))
        + QLatin1Char('_') + QString::fromLatin1(bytes.toHex());
}

void SessionManager::startSession(const StartRequest &request,
                                  std::function<void(const StartOutcome &)> done)
{
    StartOutcome outcome;
    outcome.createdAtMs = QDateTime::currentMSecsSinceEpoch();
    const int cap = m_pipeline->maxConcurrentProducers();
    if (cap > 0 && m_producers.size() + m_startsPending >= cap) {
        outcome.producersBusy = true;
        qCInfo(lcSession) << "refusing a session:" << m_producers.size() << "producers running,"
                          << m_startsPending << "starting, at most" << cap;
        done(outcome);
        return;
    }
    outcome.sessionId = newSessionId(outcome.createdAtMs);
    const SessionRecord record {outcome.sessionId, request.userId, request.mode,
                                outcome.createdAtMs};
    ++m_startsPending;
    m_store->createSession(record,
                           withContext<CreateStatus>(
                               this, [this, outcome, request, done](CreateStatus status) mutable {
                                   --m_startsPending;
                                   outcome.status = status;
                                   // Answer first: the contract says the response does not wait for
                                   // the pipeline, and a producer's first event must not overtake
                                   // the 201.
                                   done(outcome);
                                   if (status == CreateStatus::Created) {
                                       qCInfo(lcSession).noquote()
                                           << "session created" << outcome.sessionId << "mode"
                                           << request.mode;
                                       startProducer(outcome.sessionId, request);
                                   }
                               }));
}

void SessionManager::startProducer(const QString &sessionId, const StartRequest &request)
{
    SessionProducer *producer = m_pipeline->createProducer(sessionId, request, this);
    if (!producer)
        return;
    m_producers.insert(sessionId, producer);
    connect(producer, &SessionProducer::eventProduced, this,
            [this, sessionId](const EventDraft &draft) { enqueue(sessionId, draft); });
    connect(producer, &SessionProducer::finished, this,
            [this, sessionId] { dropProducer(sessionId); });
    producer->start();
}

void SessionManager::enqueue(const QString &sessionId, const EventDraft &draft)
{
    std::shared_ptr<AppendQueue> &queue = m_queues[sessionId];
    if (!queue)
        queue = std::make_shared<AppendQueue>();
    if (queue->failing) {
        ++queue->lost; // the session is being ended: nothing after its terminal event
        return;
    }
    queue->drafts.push_back(draft);
    pump(sessionId);
}

void SessionManager::pump(const QString &sessionId)
{
    const std::shared_ptr<AppendQueue> queue = m_queues.value(sessionId);
    if (!queue || queue->pumping)
        return;
    queue->pumping = true;
    // A store that answers at once (memory) runs the whole queue in this loop, without
    // recursion; one that answers later (Redis) has one append in flight per session.
    while (!queue->inFlight && !queue->waiting && !queue->drafts.empty()) {
        queue->inFlight = true;
        publish(sessionId, queue->drafts.front(),
                withContext<const AppendResult &>(
                    this, [this, sessionId, queue](const AppendResult &result) {
                        appended(sessionId, queue, result);
                    }));
    }
    queue->pumping = false;
    if (queue->drafts.empty() && !queue->inFlight && m_queues.value(sessionId) == queue)
        m_queues.remove(sessionId);
}

void SessionManager::appended(const QString &sessionId, const std::shared_ptr<AppendQueue> &queue,
                              const AppendResult &result)
{
    queue->inFlight = false;
    if (queue->drafts.empty() || m_queues.value(sessionId) != queue)
        return; // the session went meanwhile
    switch (result.status) {
    case AppendStatus::Appended:
        queue->drafts.pop_front();
        queue->attempts = 0;
        break;
    case AppendStatus::TooLarge: {
        // Never dropped silently, and a terminal event still ends the session: its content
        // is replaced by a note.
        EventDraft &stripped = queue->drafts.front();
        stripped.data = QJsonValue(QJsonValue::Undefined);
        stripped.message = QStringLiteral("this event was larger than the session buffer "
                                          "(--max-buffer-bytes); its message and data were "
                                          "dropped");
        break;
    }
    case AppendStatus::NotFound:
    case AppendStatus::Ended:
        // Deleted, expired, or ended by someone else (a publish, a cancel): nothing of the
        // producer can follow.
        qCInfo(lcSession).noquote() << "dropping" << queue->drafts.size() << "producer events of"
                                    << sessionId << "status" << int(result.status);
        queue->drafts.clear();
        break;
    case AppendStatus::Unavailable: {
        ++queue->attempts;
        if (!queue->failing && queue->attempts > maxAttempts) {
            failByStore(sessionId, *queue);
            break;
        }
        const int delay = int(qMin<qint64>(qint64(firstRetryMs) << qMin(queue->attempts - 1, 16),
                                           queue->failing ? 5 * maxRetryMs : maxRetryMs));
        if (queue->failing && queue->attempts > 720) { // an hour of trying
            qCWarning(lcSession).noquote()
                << "giving up ending" << sessionId << ": the store stays unavailable";
            queue->drafts.clear();
            break;
        }
        qCInfo(lcSession).noquote()
            << "the store refused an event of" << sessionId << "; trying again in" << delay << "ms";
        Q_EMIT appendRetried(sessionId);
        queue->waiting = true;
        QTimer::singleShot(delay, this, [this, sessionId, queue] {
            queue->waiting = false;
            pump(sessionId);
        });
        return;
    }
    }
    pump(sessionId);
}

void SessionManager::failByStore(const QString &sessionId, AppendQueue &queue)
{
    const qint64 lost = qint64(queue.drafts.size()) + queue.lost;
    const QString reason
        = QStringLiteral("the session store refused this session's events %1 times in a row "
                         "(unreachable or out of memory); %2 events of its producer were lost "
                         "and the producer was stopped")
              .arg(maxAttempts + 1)
              .arg(lost);
    qCWarning(lcSession).noquote() << "ending" << sessionId << "failed:" << reason;
    queue.drafts.clear();
    queue.failing = true;
    queue.attempts = 0;
    EventDraft terminal;
    terminal.type = QStringLiteral("error");
    terminal.status = SessionState::Failed;
    terminal.message = reason;
    terminal.final = true;
    queue.drafts.push_back(terminal);
    Q_EMIT sessionFailedByStore(sessionId);
    Q_EMIT producerFailed(sessionId, reason);
    dropProducer(sessionId);
}

void SessionManager::publish(const QString &sessionId, const EventDraft &draft,
                             SessionStore::AppendCallback done)
{
    m_store->appendEvent(sessionId, draft, std::move(done));
}

void SessionManager::dropProducer(const QString &sessionId)
{
    QPointer<SessionProducer> producer = m_producers.take(sessionId);
    if (!producer)
        return;
    producer->stop();
    // Never delete a producer inside its own signal.
    producer->deleteLater();
}

void SessionManager::store_sessionRemoved(const QString &sessionId)
{
    dropProducer(sessionId);
    m_queues.remove(sessionId);
}

void SessionManager::store_sessionEnded(const SessionSummary &summary)
{
    if (!summary.isCancelled())
        return;
    QPointer<SessionProducer> producer = m_producers.take(summary.sessionId);
    if (!producer)
        return;
    qCInfo(lcSession).noquote() << "session cancelled" << summary.sessionId
                                << ": stopping its producer";
    producer->disconnect(this);
    if (producer->cancel()) {
        // Winding down (an exec process in its grace period): deleted once it is gone, or
        // with the manager (which kills it) at shutdown.
        connect(producer, &SessionProducer::finished, producer, &QObject::deleteLater);
        return;
    }
    producer->deleteLater();
}

void SessionManager::stopAll()
{
    const QStringList ids = m_producers.keys();
    for (const QString &id : ids)
        dropProducer(id);
}

} // namespace ssebuf
