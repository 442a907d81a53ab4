#include "adminstreamclient.h"

#include <apipaths.h>

#include "client/consolelogging.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>

namespace ssebuf {

AdminStreamClient::AdminStreamClient(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &AdminStreamClient::retryTimer_timeout);
    connect(&m_sse, &SseClient::headersReceived, this, &AdminStreamClient::sse_headersReceived);
    connect(&m_sse, &SseClient::eventReceived, this, &AdminStreamClient::sse_eventReceived);
    connect(&m_sse, &SseClient::lineTooLong, this, [this]() {
        m_sse.close();
        scheduleRetry(QStringLiteral("the admin stream sent a line that is too long"));
    });
    connect(&m_sse, &SseClient::finished, this, &AdminStreamClient::sse_finished);
}

AdminStreamClient::~AdminStreamClient() = default;

QString AdminStreamClient::stateName(State state)
{
    switch (state) {
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Connected:
        return QStringLiteral("connected");
    case State::Reconnecting:
        return QStringLiteral("reconnecting");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return QString();
}

void AdminStreamClient::setBackoff(int initialMs, int maxMs)
{
    m_initialBackoffMs = qMax(1, initialMs);
    m_maxBackoffMs = qMax(m_initialBackoffMs, maxMs);
}

void AdminStreamClient::open()
{
    m_retryTimer.stop();
    m_sse.close();
    m_failedAttempts = 0;
    m_errorText.clear();
    if (!m_endpoint.isValid()) {
        fail(QStringLiteral("No service URL given"));
        return;
    }
    connectNow();
}

void AdminStreamClient::close()
{
    m_retryTimer.stop();
    m_sse.close();
    m_errorText.clear();
    setState(State::Disconnected);
}

void AdminStreamClient::connectNow()
{
    if (!m_manager) {
        fail(QStringLiteral("No network access"));
        return;
    }
    m_streamAccepted = false;
    QNetworkRequest request = m_endpoint.adminRequest(ApiPaths::adminStream());
    request.setTransferTimeout(m_idleTimeoutMs);
    qCInfo(lcConsole) << "opening admin stream" << request.url().toString();
    if (m_state != State::Reconnecting)
        setState(State::Connecting);
    m_sse.open(m_manager, request);
}

void AdminStreamClient::sse_headersReceived()
{
    if (m_sse.httpStatus() != 200)
        return; // the body explains it; sse_finished reports
    const QByteArray contentType = m_sse.contentType();
    if (!contentType.startsWith("text/event-stream")) {
        const QString url = m_sse.reply()->url().toString();
        fail(QStringLiteral("%1 answered with %2, not an event stream: is this an ssebuf service?")
                 .arg(url,
                      contentType.isEmpty() ? QStringLiteral("no content type")
                                            : QString::fromLatin1(contentType)));
        return;
    }
    m_streamAccepted = true;
    setState(State::Connected);
}

void AdminStreamClient::sse_eventReceived(const SseEvent &event)
{
    QString error;
    std::optional<AdminStreamMessage> message = AdminStreamMessage::fromJson(event.data, &error);
    if (!message) {
        qCWarning(lcConsole) << "ignoring admin stream message:" << error;
        return;
    }
    if (event.hasId)
        message->streamId = event.id.toLongLong();
    if (message->kind == AdminStreamMessage::Kind::Snapshot) {
        m_service = message->service;
        m_failedAttempts = 0;
        m_errorText.clear();
    }
    ++m_messagesReceived;
    Q_EMIT messageReceived(*message);
}

void AdminStreamClient::sse_finished()
{
    QNetworkReply *reply = m_sse.reply();
    const int status = m_sse.httpStatus();
    const QNetworkReply::NetworkError error = reply->error();
    if (m_state == State::Failed) {
        m_sse.close();
        return;
    }
    if (m_streamAccepted && (error == QNetworkReply::NoError || status == 200)) {
        const QString why = error == QNetworkReply::NoError
            ? QStringLiteral("the service ended the admin stream")
            : m_endpoint.describeFailure(reply);
        m_sse.close();
        scheduleRetry(why);
        return;
    }
    const QString text = m_endpoint.describeFailure(reply);
    m_sse.close();
    const bool permanent = status == 401 || status == 403 || status == 404 || status == 400
        || error == QNetworkReply::HostNotFoundError
        || error == QNetworkReply::ProtocolUnknownError;
    if (permanent)
        fail(text);
    else
        scheduleRetry(text.isEmpty() ? QStringLiteral("the admin stream ended") : text);
}

void AdminStreamClient::scheduleRetry(const QString &reason)
{
    ++m_failedAttempts;
    m_errorText = reason;
    qint64 delay = m_initialBackoffMs;
    for (int i = 1; i < m_failedAttempts && delay < m_maxBackoffMs; ++i)
        delay *= 2;
    delay = qMin<qint64>(delay, m_maxBackoffMs);
    // Up to 20 % jitter so many consoles do not reconnect in lockstep after a restart.
    delay += QRandomGenerator::global()->bounded(int(delay / 5) + 1);
    m_retryDelayMs = int(delay);
    qCInfo(lcConsole).noquote() << "admin stream:" << reason << "- retrying in" << m_retryDelayMs
                                << "ms";
    setState(State::Reconnecting);
    Q_EMIT errorOccurred(reason);
    m_retryTimer.start(m_retryDelayMs);
}

void AdminStreamClient::fail(const QString &reason)
{
    m_retryTimer.stop();
    m_errorText = reason;
    qCWarning(lcConsole).noquote() << "admin stream failed:" << reason;
    m_sse.close();
    setState(State::Failed);
    Q_EMIT errorOccurred(reason);
}

void AdminStreamClient::retryTimer_timeout()
{
    connectNow();
}

void AdminStreamClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace ssebuf
