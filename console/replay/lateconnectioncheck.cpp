#include "lateconnectioncheck.h"

#include "client/adminclient.h"
#include "client/consolelogging.h"
#include "replay/replaysession.h"

namespace ssebuf {

LateConnectionCheck::LateConnectionCheck(AdminClient *admin, QNetworkAccessManager *manager,
                                         QObject *parent)
    : QObject(parent)
    , m_admin(admin)
    , m_replay(new ReplaySession(manager, this))
{
    m_timeout.setSingleShot(true);
    m_timeout.setInterval(60000);
    connect(&m_timeout, &QTimer::timeout, this, &LateConnectionCheck::timeout_timeout);
    connect(m_replay, &ReplaySession::finished, this, &LateConnectionCheck::replay_finished);
    connect(m_replay, &ReplaySession::eventReceived, this, &LateConnectionCheck::eventReceived);
    connect(m_replay, &ReplaySession::stateChanged, this, [this](ReplaySession::State state) {
        if (state == ReplaySession::State::Connecting) {
            m_connectedAfterMs = m_sincePost.elapsed();
            setStage(Stage::Streaming);
            m_timeout.start();
        }
    });
}

QString LateConnectionCheck::stageName(Stage stage)
{
    switch (stage) {
    case Stage::Idle:
        return QStringLiteral("idle");
    case Stage::Starting:
        return QStringLiteral("starting the session");
    case Stage::Waiting:
        return QStringLiteral("waiting before connecting");
    case Stage::Streaming:
        return QStringLiteral("streaming");
    case Stage::Verifying:
        return QStringLiteral("verifying against the buffer");
    case Stage::Done:
        return QStringLiteral("done");
    case Stage::Failed:
        return QStringLiteral("failed");
    }
    return QString();
}

QList<ReplayEvent> LateConnectionCheck::received() const
{
    return m_replay->received();
}

void LateConnectionCheck::run(const Request &request)
{
    cancel();
    m_request = request;
    m_sessionId.clear();
    m_errorText.clear();
    m_verdict = ReplayVerdict();
    m_connectedAfterMs = 0;
    if (!m_admin) {
        failWith(QStringLiteral("not connected to a service"));
        return;
    }
    setStage(Stage::Starting);
    m_admin->startSession(
        request.userId, request.prompt, request.mode, this,
        [this](const QString &sessionId, const QString &error) {
            if (m_stage != Stage::Starting)
                return;
            if (!error.isEmpty()) {
                failWith(QStringLiteral("could not start a session: %1").arg(error));
                return;
            }
            m_sessionId = sessionId;
            m_sincePost.start();
            setStage(Stage::Waiting);
            m_replay->start(m_admin->endpoint(), sessionId, {0, m_request.delayMs});
        });
}

void LateConnectionCheck::cancel()
{
    m_timeout.stop();
    if (m_replay->isActive())
        m_replay->stop();
    if (m_stage != Stage::Done && m_stage != Stage::Failed)
        setStage(Stage::Idle);
}

void LateConnectionCheck::timeout_timeout()
{
    m_replay->stop();
}

void LateConnectionCheck::replay_finished()
{
    if (m_stage != Stage::Streaming && m_stage != Stage::Waiting)
        return;
    m_timeout.stop();
    if (m_replay->state() == ReplaySession::State::Failed) {
        failWith(m_replay->errorText());
        return;
    }
    setStage(Stage::Verifying);
    m_admin->fetchSession(
        m_sessionId, 0, this, [this](const SessionPage &page, const QString &error) {
            if (m_stage != Stage::Verifying)
                return;
            if (!error.isEmpty()) {
                failWith(QStringLiteral("could not read the buffer: %1").arg(error));
                return;
            }
            m_verdict = ReplayVerifier::verify(m_replay->received(), 0, page.summary.firstSeq,
                                               page.summary.lastSeq, m_replay->stoppedEarly());
            if (m_replay->stoppedEarly() && !m_verdict.finalReceived) {
                m_verdict.level = ReplayVerdict::Level::Fail;
                m_verdict.text += QStringLiteral("; timed out before the final event");
            }
            qCInfo(lcConsole).noquote()
                << "late-connection check of" << m_sessionId << ":" << m_verdict.text;
            setStage(Stage::Done);
            Q_EMIT finished(m_verdict.passed());
        });
}

QString LateConnectionCheck::report() const
{
    if (m_stage == Stage::Failed)
        return QStringLiteral("Late-connection check failed: %1").arg(m_errorText);
    if (m_stage != Stage::Done)
        return QStringLiteral("Late-connection check: %1").arg(stageName(m_stage));
    return QStringLiteral("Started %1 (prompt \"%2\", %3), connected %4 ms later: %5%6")
        .arg(m_sessionId, m_request.prompt, m_request.mode)
        .arg(m_connectedAfterMs)
        .arg(m_verdict.text,
             m_verdict.finalReceived ? QStringLiteral(", final event received") : QString());
}

void LateConnectionCheck::setStage(Stage stage)
{
    if (m_stage == stage)
        return;
    m_stage = stage;
    Q_EMIT stageChanged(stage);
}

void LateConnectionCheck::failWith(const QString &error)
{
    m_timeout.stop();
    m_errorText = error;
    m_verdict = ReplayVerdict();
    m_verdict.level = ReplayVerdict::Level::Fail;
    m_verdict.text = error;
    setStage(Stage::Failed);
    Q_EMIT finished(false);
}

} // namespace ssebuf
