#include "replaysession.h"

#include <QUrlQuery>

#include "client/consolelogging.h"

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
    connect(&m_sse, &SseClient::headersReceived, this, &ReplaySession::sse_headersReceived);
    connect(&m_sse, &SseClient::eventReceived, this, &ReplaySession::sse_eventReceived);
    connect(&m_sse, &SseClient::lineTooLong, this, [this]() {
        end(State::Failed, QStringLiteral("the stream sent a line that is too long"));
    });
    connect(&m_sse, &SseClient::finished, this, &ReplaySession::sse_finished);
}

ReplaySession::~ReplaySession() = default;

void ReplaySession::start(const ServiceEndpoint &endpoint, const QString &sessionId,
                          const Options &options)
{
    m_sse.close();
    m_delayTimer.stop();
    m_endpoint = endpoint;
    m_sessionId = sessionId;
    m_options = options;
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
    QUrlQuery query;
    if (m_options.fromNow)
        query.addQueryItem(QStringLiteral("from"), QStringLiteral("now"));
    else if (m_options.tail > 0)
        query.addQueryItem(QStringLiteral("tail"), QString::number(m_options.tail));
    QNetworkRequest request
        = m_endpoint.publicRequest(ServiceEndpoint::sessionStreamPath(m_sessionId), query);
    if (m_options.lastEventId > 0)
        request.setRawHeader("Last-Event-ID", QByteArray::number(m_options.lastEventId));
    setState(State::Connecting);
    m_connectedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_sinceConnect.start();
    qCDebug(lcConsole) << "replaying" << m_sessionId << "after" << m_options.lastEventId;
    m_sse.open(m_manager, request);
}

void ReplaySession::sse_headersReceived()
{
    m_httpStatus = m_sse.httpStatus();
    if (m_httpStatus == 200 && m_state == State::Connecting)
        setState(State::Streaming);
}

void ReplaySession::sse_eventReceived(const SseEvent &event)
{
    const ReplayEvent replayEvent = ReplayEvent::fromSse(event, QDateTime::currentMSecsSinceEpoch(),
                                                         m_sinceConnect.elapsed());
    if (replayEvent.json.value(QLatin1String("final")).toBool())
        m_finalReceived = true;
    m_received.append(replayEvent);
    Q_EMIT eventReceived(replayEvent);
}

void ReplaySession::sse_finished()
{
    QNetworkReply *reply = m_sse.reply();
    m_httpStatus = m_sse.httpStatus();
    if (m_httpStatus == 204) {
        end(State::Finished); // resuming at or past the end of a finished session
        return;
    }
    if (m_httpStatus == 200 && (reply->error() == QNetworkReply::NoError || m_finalReceived)) {
        end(State::Finished);
        return;
    }
    QString error = m_endpoint.describeFailure(reply);
    if (m_httpStatus == 404)
        error = QStringLiteral("Session %1 not found (404): unknown or expired").arg(m_sessionId);
    end(State::Failed, error);
}

void ReplaySession::end(State state, const QString &error)
{
    m_sse.close();
    m_errorText = error;
    if (!error.isEmpty())
        qCInfo(lcConsole).noquote() << "replay of" << m_sessionId << "failed:" << error;
    setState(state);
    Q_EMIT finished();
}

void ReplaySession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace ssebuf
