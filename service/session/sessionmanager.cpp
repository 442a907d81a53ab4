#include "sessionmanager.h"

#include "core/contextcallback.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QRandomGenerator>

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
    outcome.sessionId = newSessionId(outcome.createdAtMs);
    const SessionRecord record {outcome.sessionId, request.userId, request.mode,
                                outcome.createdAtMs};
    m_store->createSession(record,
                           withContext<CreateStatus>(
                               this, [this, outcome, request, done](CreateStatus status) mutable {
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
            [this, sessionId](const EventDraft &draft) {
                publish(sessionId, draft,
                        withContext<const AppendResult &>(
                            this, [this, sessionId, draft](const AppendResult &result) {
                                if (result.status == AppendStatus::TooLarge) {
                                    // Never dropped silently, and a terminal event still
                                    // ends the session: its content is replaced by a note.
                                    EventDraft stripped = draft;
                                    stripped.data = QJsonValue(QJsonValue::Undefined);
                                    stripped.message = QStringLiteral(
                                        "this event was larger than the session buffer "
                                        "(--max-buffer-bytes); its message and data were "
                                        "dropped");
                                    publish(sessionId, stripped, [](const AppendResult &) {});
                                    return;
                                }
                                if (result.status != AppendStatus::Appended)
                                    qCWarning(lcSession).noquote()
                                        << "producer event of" << sessionId
                                        << "not appended, status" << int(result.status);
                            }));
            });
    connect(producer, &SessionProducer::finished, this,
            [this, sessionId] { dropProducer(sessionId); });
    producer->start();
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
