#ifndef SSEBUF_EXECPIPELINE_H
#define SSEBUF_EXECPIPELINE_H

#include "eventloop/writecoalescer.h"
#include "pipeline.h"

#include <QByteArray>
#include <QPointer>
#include <QProcess>
#include <QStringList>
#include <QTimer>

namespace ssebuf {

// --pipeline exec:COMMAND: one process per session. It gets the request JSON (with the
// session_id added, without github_credentials unless allowed) on stdin, then stdin is
// closed; each stdout line is one event object. A line that is not a valid event becomes an
// "error" event; exit 0 ends the session "completed", anything else "failed"; the tail of
// stderr is logged, and put into the failed event only with --exec-stderr-in-event. A process
// silent for the timeout is killed and the session fails. It runs in its own process group,
// which is killed when it exits or is stopped (what it started in the background goes too),
// gets SIGKILL if the service dies (PR_SET_PDEATHSIG), and sees no SSEBUF_* variable.
class ExecProducer : public SessionProducer
{
    Q_OBJECT
public:
    struct Options
    {
        QString program;
        QStringList arguments;
        int silenceTimeoutSeconds = 120;
        bool passCredentials = false;
        bool stderrInEvent = false; // --exec-stderr-in-event
        int maxProducers = 100; // --exec-max-producers
        qint64 maxLineBytes = 1048576;
        int killGraceSeconds = 5; // after SIGTERM on cancel, SIGKILL
        // Corks the streams while several lines read at once become events.
        QPointer<WriteCoalescer> coalescer;
    };

    ExecProducer(const QString &sessionId, const StartRequest &request, const Options &options,
                 QObject *parent);
    ~ExecProducer() override;

    void start() override;
    void stop() override;
    // Request bytes still held for the process's stdin (0 once written).
    qint64 heldInputBytes() const { return m_input.size(); }
    // SIGTERM to the process group, SIGKILL after the grace; finished() when it is gone.
    bool cancel() override;

private:
    void process_readyReadStandardOutput();
    void process_readyReadStandardError();
    void process_finished(int exitCode, QProcess::ExitStatus status);
    void process_errorOccurred(QProcess::ProcessError error);
    void silenceTimer_timeout();
    void killTimer_timeout();
    void handleLine(const QByteArray &line);
    void emitTerminal(SessionState status, const QString &type, const QString &message);
    // SIGKILL to the producer and its process group (what it started).
    void killProcess();
    // SIGKILL to its process group only (the producer itself may have exited).
    void killGroup();

    QString m_sessionId;
    QByteArray m_input;
    Options m_options;
    QProcess *m_process; // outlives the producer until reaped when still running at deletion
    qint64 m_pid = 0; // its process group
    QTimer m_silenceTimer;
    QTimer m_killTimer;
    QByteArray m_partialLine;
    QByteArray m_stderrTail;
    bool m_discardingLongLine = false;
    bool m_terminalSent = false;
    bool m_stopped = false;
    bool m_timedOut = false;
    bool m_cancelled = false;
};

class ExecPipeline : public Pipeline
{
public:
    // command: what follows "exec:", split into program and arguments as a shell would.
    // coalescer: corks the streams while several lines read at once become events;
    // killGraceSeconds: on cancel, SIGKILL this long after SIGTERM.
    ExecPipeline(const QString &command, int silenceTimeoutSeconds, bool passCredentials,
                 WriteCoalescer *coalescer = nullptr, int killGraceSeconds = 5);
    QString name() const override { return QStringLiteral("exec"); }
    int maxConcurrentProducers() const override { return m_options.maxProducers; }
    void setMaxProducers(int maximum) { m_options.maxProducers = maximum; }
    void setStderrInEvent(bool enabled) { m_options.stderrInEvent = enabled; }
    bool isValid() const { return !m_options.program.isEmpty(); }
    SessionProducer *createProducer(const QString &sessionId, const StartRequest &request,
                                    QObject *parent) override;

private:
    ExecProducer::Options m_options;
};

} // namespace ssebuf

#endif
