#include "replaysession.h"

#include "consolelogging.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace ssebuf {

ReplaySession::ReplaySession(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
{
    m_delayTimer.setSingleShot(true);
    // A late client must not connect early: a coarse timer may fire up to 5 % before time.
    m_delayTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_delayTimer, &QTimer::timeout, this, &ReplaySession::delayTimer_timeout);
}

ReplaySession::~ReplaySession()
{
    dropReply();
}

void ReplaySession::start(const ServiceEndpoint &endpoint, const QString &sessionId,
                          const Options &options)
{
    dropReply();
    m_delayTimer.stop();
    m_endpoint = endpoint;
    m_sessionId = sessionId;
    m_options = options;
    m_parser = SseParser();
    m_received.clear();
    m_errorText.clear();
    m_httpStatus = 0;
    m_finalReceived = false;
    m_stoppedEarly = false;
    m_connectedAtMs = 0;
    if (options.delayMs > 0) {
        setState(State::Waiting);
        m_delayTimer.start(options.delayMs);
    } else {
        delayTimer_timeout();
    }
}

void ReplaySession::stop()
{
    if (!isActive())
        return;
    m_stoppedEarly = true;
    m_delayTimer.stop();
    end(State::Finished);
}

void ReplaySession::delayTimer_timeout()
{
    if (!m_manager) {
        end(State::Failed, QStringLiteral("No network access"));
        return;
    }
    QNetworkRequest request
        = m_endpoint.publicRequest(ServiceEndpoint::sessionStreamPath(m_sessionId));
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    if (m_options.lastEventId > 0)
        request.setRawHeader("Last-Event-ID", QByteArray::number(m_options.lastEventId));
    setState(State::Connecting);
    m_connectedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_sinceConnect.start();
    qCDebug(lcConsole) << "replaying" << m_sessionId << "after" << m_options.lastEventId;
    m_reply = m_manager->get(request);
    connect(m_reply, &QNetworkReply::readyRead, this, &ReplaySession::reply_readyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ReplaySession::reply_finished);
}

void ReplaySession::reply_readyRead()
{
    if (!m_reply)
        return;
    m_httpStatus = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_httpStatus != 200)
        return; // an error body: reported when the reply finishes
    if (m_state == State::Connecting)
        setState(State::Streaming);
    if (!m_parser.feed(m_reply->readAll())) {
        end(State::Failed, QStringLiteral("the stream sent a line that is too long"));
        return;
    }
    const QList<SseEvent> events = m_parser.takeEvents();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 since = m_sinceConnect.elapsed();
    for (const SseEvent &event : events) {
        const ReplayEvent replayEvent = ReplayEvent::fromSse(event, now, since);
        if (replayEvent.json.value(QLatin1String("final")).toBool())
            m_finalReceived = true;
        m_received.append(replayEvent);
        QPointer<ReplaySession> guard(this);
        Q_EMIT eventReceived(replayEvent);
        if (!guard || !m_reply)
            return;
    }
}

void ReplaySession::reply_finished()
{
    if (!m_reply)
        return;
    reply_readyRead();
    if (!m_reply)
        return;
    m_httpStatus = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_httpStatus == 204) {
        end(State::Finished); // resuming at or past the end of a finished session
        return;
    }
    if (m_httpStatus == 200 && (m_reply->error() == QNetworkReply::NoError || m_finalReceived)) {
        end(State::Finished);
        return;
    }
    QString error = m_endpoint.describeFailure(m_reply);
    if (m_httpStatus == 404)
        error = QStringLiteral("Session %1 not found (404): unknown or expired").arg(m_sessionId);
    end(State::Failed, error);
}

void ReplaySession::end(State state, const QString &error)
{
    dropReply();
    m_errorText = error;
    if (!error.isEmpty())
        qCInfo(lcConsole).noquote() << "replay of" << m_sessionId << "failed:" << error;
    setState(state);
    Q_EMIT finished();
}

void ReplaySession::dropReply()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

void ReplaySession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace ssebuf
