#include "adminstreamclient.h"

#include <apipaths.h>

#include "consolelogging.h"

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
}

AdminStreamClient::~AdminStreamClient()
{
    dropReply();
}

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
    dropReply();
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
    dropReply();
    m_errorText.clear();
    setState(State::Disconnected);
}

void AdminStreamClient::connectNow()
{
    if (!m_manager) {
        fail(QStringLiteral("No network access"));
        return;
    }
    m_parser = SseParser();
    m_headersChecked = false;
    m_streamAccepted = false;
    QNetworkRequest request = m_endpoint.adminRequest(ApiPaths::adminStream());
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    request.setTransferTimeout(m_idleTimeoutMs);
    qCInfo(lcConsole) << "opening admin stream" << request.url().toString();
    if (m_state != State::Reconnecting)
        setState(State::Connecting);
    m_reply = m_manager->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this,
            &AdminStreamClient::reply_metaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &AdminStreamClient::reply_readyRead);
    connect(m_reply, &QNetworkReply::finished, this, &AdminStreamClient::reply_finished);
}

void AdminStreamClient::dropReply()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

bool AdminStreamClient::checkHeaders()
{
    if (m_headersChecked)
        return m_streamAccepted;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid())
        return false;
    m_headersChecked = true;
    if (status.toInt() != 200)
        return false; // the body explains it; reply_finished reports
    const QByteArray contentType
        = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    if (!contentType.startsWith("text/event-stream")) {
        const QString url = m_reply->url().toString();
        fail(QStringLiteral("%1 answered with %2, not an event stream: is this an ssebuf service?")
                 .arg(url,
                      contentType.isEmpty() ? QStringLiteral("no content type")
                                            : QString::fromLatin1(contentType)));
        return false;
    }
    m_streamAccepted = true;
    setState(State::Connected);
    return true;
}

void AdminStreamClient::reply_metaDataChanged()
{
    if (m_reply)
        checkHeaders();
}

void AdminStreamClient::reply_readyRead()
{
    if (!m_reply || !checkHeaders())
        return;
    if (!m_parser.feed(m_reply->readAll())) {
        scheduleRetry(QStringLiteral("the admin stream sent a line that is too long"));
        return;
    }
    const QList<SseEvent> events = m_parser.takeEvents();
    for (const SseEvent &event : events) {
        QString error;
        std::optional<AdminStreamMessage> message
            = AdminStreamMessage::fromJson(event.data, &error);
        if (!message) {
            qCWarning(lcConsole) << "ignoring admin stream message:" << error;
            continue;
        }
        if (event.hasId)
            message->streamId = event.id.toLongLong();
        if (message->kind == AdminStreamMessage::Kind::Snapshot) {
            m_service = message->service;
            m_failedAttempts = 0;
            m_errorText.clear();
        }
        ++m_messagesReceived;
        QPointer<AdminStreamClient> guard(this);
        Q_EMIT messageReceived(*message);
        if (!guard || !m_reply)
            return; // a receiver closed or reopened the stream
    }
}

void AdminStreamClient::reply_finished()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    if (m_state == State::Failed) {
        dropReply();
        return;
    }
    if (m_streamAccepted && (error == QNetworkReply::NoError || status == 200)) {
        const QString why = error == QNetworkReply::NoError
            ? QStringLiteral("the service ended the admin stream")
            : m_endpoint.describeFailure(reply);
        dropReply();
        scheduleRetry(why);
        return;
    }
    const QString text = m_endpoint.describeFailure(reply);
    dropReply();
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
    dropReply();
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
