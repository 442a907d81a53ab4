#ifndef SSEBUF_CONSOLE_LATECONNECTIONCHECK_H
#define SSEBUF_CONSOLE_LATECONNECTIONCHECK_H

#include "replay/replayevent.h"
#include "replay/replayverifier.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;

namespace ssebuf {

class AdminClient;
class ReplaySession;

// The seed's "late SSE connection" test as one action: start a session, wait, connect to
// its stream like a late client, and check that every event arrived.
class LateConnectionCheck : public QObject
{
    Q_OBJECT
public:
    enum class Stage { Idle, Starting, Waiting, Streaming, Verifying, Done, Failed };
    Q_ENUM(Stage)

    struct Request
    {
        QString userId = QStringLiteral("qa_console");
        QString prompt = QStringLiteral("hello");
        QString mode = QStringLiteral("autonomous");
        int delayMs = 2000;
    };

    LateConnectionCheck(AdminClient *admin, QNetworkAccessManager *manager,
                        QObject *parent = nullptr);

    void run(const Request &request);
    void cancel();
    // The whole check gives up after this long (ms) once connected.
    void setStreamTimeout(int ms) { m_timeout.setInterval(ms); }

    Stage stage() const { return m_stage; }
    static QString stageName(Stage stage);
    QString sessionId() const { return m_sessionId; }
    ReplayVerdict verdict() const { return m_verdict; }
    QList<ReplayEvent> received() const;
    QString errorText() const { return m_errorText; }
    // How long after the POST answered the stream was opened.
    qint64 connectedAfterMs() const { return m_connectedAfterMs; }
    // One paragraph for the operator: what was done and the verdict.
    QString report() const;

Q_SIGNALS:
    void stageChanged(ssebuf::LateConnectionCheck::Stage stage);
    void eventReceived(const ssebuf::ReplayEvent &event);
    void finished(bool passed);

private:
    void replay_finished();
    void timeout_timeout();
    void setStage(Stage stage);
    void failWith(const QString &error);

    QPointer<AdminClient> m_admin;
    ReplaySession *m_replay = nullptr;
    QTimer m_timeout;
    QElapsedTimer m_sincePost;
    Request m_request;
    QString m_sessionId;
    ReplayVerdict m_verdict;
    QString m_errorText;
    Stage m_stage = Stage::Idle;
    qint64 m_connectedAfterMs = 0;
};

} // namespace ssebuf

#endif
