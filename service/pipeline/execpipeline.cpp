#include "execpipeline.h"

#include <QJsonDocument>
#include <QLoggingCategory>

#ifdef Q_OS_UNIX
#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include <QCoreApplication>

Q_LOGGING_CATEGORY(lcExec, "ssebuf.pipeline")

namespace ssebuf {

namespace {

#ifdef Q_OS_UNIX
// Runs in the forked child before exec: only async-signal-safe calls. Descriptors above
// stderr that the service did not mark close-on-exec (a client library's sockets, such as
// the Redis connections) would otherwise leak into the producer, keep those connections
// alive after the service closed them and let the producer write on them. Marking them
// close-on-exec, rather than closing them, leaves QProcess's own exec-error pipe working.
void closeInheritedDescriptors()
{
#ifdef CLOSE_RANGE_CLOEXEC
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
#endif
    rlimit limit {};
    const rlim_t last = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
        ? qMin<rlim_t>(limit.rlim_cur, 1 << 20)
        : 65536;
    for (rlim_t fd = 3; fd < last; ++fd)
        ::fcntl(int(fd), F_SETFD, FD_CLOEXEC);
}
#endif

} // namespace

ExecProducer::ExecProducer(const QString &sessionId, const StartRequest &request,
                           const Options &options, QObject *parent)
    : SessionProducer(parent)
    , m_sessionId(sessionId)
    , m_options(options)
    , m_process(new QProcess(this))
{
    QJsonObject input = request.publicJson;
    input.insert(QStringLiteral("session_id"), sessionId);
    if (options.passCredentials && request.hasCredentials)
        input.insert(QStringLiteral("github_credentials"), request.githubCredentials);
    m_input = QJsonDocument(input).toJson(QJsonDocument::Compact) + '\n';

    m_process->setProgram(options.program);
    m_process->setArguments(options.arguments);
    // The service's settings are not the producer's (which may run any code or log its
    // environment): SSEBUF_STORE may hold the Redis password, the tokens grant access.
    // Every SSEBUF_* variable is left out; everything else is inherited.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    const QStringList names = environment.keys();
    for (const QString &name : names) {
        if (name.startsWith(QLatin1String("SSEBUF_")))
            environment.remove(name);
    }
    m_process->setProcessEnvironment(environment);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
#ifdef Q_OS_UNIX
    // Its own process group, so that killing it reaches what it started too (a shell
    // wrapper's children would otherwise keep running after their session is gone).
    // PR_SET_PDEATHSIG: if the service dies (SIGKILL, a crash), the producer gets SIGKILL
    // instead of running on unsupervised.
    m_process->setChildProcessModifier([parent = ::getpid()] {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the service died before prctl()
            ::_exit(127);
        closeInheritedDescriptors();
    });
#endif
    connect(m_process, &QProcess::readyReadStandardOutput, this,
            &ExecProducer::process_readyReadStandardOutput);
    connect(m_process, &QProcess::readyReadStandardError, this,
            &ExecProducer::process_readyReadStandardError);
    connect(m_process, &QProcess::finished, this, &ExecProducer::process_finished);
    connect(m_process, &QProcess::errorOccurred, this, &ExecProducer::process_errorOccurred);
    m_silenceTimer.setSingleShot(true);
    m_silenceTimer.setInterval(options.silenceTimeoutSeconds * 1000);
    connect(&m_silenceTimer, &QTimer::timeout, this, &ExecProducer::silenceTimer_timeout);
    m_killTimer.setSingleShot(true);
    m_killTimer.setInterval(std::max(0, options.killGraceSeconds) * 1000);
    connect(&m_killTimer, &QTimer::timeout, this, &ExecProducer::killTimer_timeout);
}

ExecProducer::~ExecProducer()
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    // Never wait here (this runs on the event loop): the process gets SIGKILL and its
    // QProcess lives on, without this producer, until the exit is reaped.
    m_process->disconnect(this);
    killProcess();
    QProcess *process = m_process;
    process->setParent(QCoreApplication::instance());
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
}

void ExecProducer::start()
{
    qCInfo(lcExec).noquote() << "starting" << m_options.program << "for" << m_sessionId;
    m_process->start();
    m_pid = m_process->processId();
    m_process->write(m_input);
    m_process->closeWriteChannel();
    // QProcess has its own copy until the pipe takes it: this one is not needed any more
    // (10,000 sessions with 1 MiB requests would otherwise hold 10 GB).
    m_input = QByteArray();
    m_silenceTimer.start();
}

void ExecProducer::stop()
{
    m_stopped = true;
    m_silenceTimer.stop();
    if (m_process->state() != QProcess::NotRunning) {
        qCInfo(lcExec).noquote() << "killing the producer of" << m_sessionId;
        killProcess();
    }
}

bool ExecProducer::cancel()
{
    m_stopped = true;
    m_silenceTimer.stop();
    if (m_process->state() == QProcess::NotRunning)
        return false;
    m_cancelled = true;
    qCInfo(lcExec).noquote() << "cancelled: SIGTERM to the producer of" << m_sessionId;
#ifdef Q_OS_UNIX
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), SIGTERM);
#endif
    m_process->terminate();
    m_killTimer.start();
    return true;
}

void ExecProducer::killTimer_timeout()
{
    qCInfo(lcExec).noquote() << "the producer of" << m_sessionId << "outlived its"
                             << m_options.killGraceSeconds << "s grace: SIGKILL";
    killProcess();
}

void ExecProducer::process_readyReadStandardOutput()
{
    m_silenceTimer.start();
    const QByteArray bytes = m_process->readAllStandardOutput();
    // Several lines read at once are a burst: their events go out together (one send per
    // subscriber) when this loop pass ends.
    if (m_options.coalescer && bytes.indexOf('\n') != bytes.lastIndexOf('\n'))
        m_options.coalescer->corkThisPass();
    qsizetype start = 0;
    while (start < bytes.size()) {
        const qsizetype newline = bytes.indexOf('\n', start);
        const qsizetype end = newline < 0 ? bytes.size() : newline;
        if (!m_discardingLongLine) {
            m_partialLine.append(bytes.constData() + start, end - start);
            if (m_partialLine.size() > m_options.maxLineBytes) {
                m_partialLine.clear();
                m_discardingLongLine = true;
                EventDraft error;
                error.type = QStringLiteral("error");
                error.message
                    = QStringLiteral(
                          "the producer wrote a line longer than %1 bytes; it was dropped")
                          .arg(m_options.maxLineBytes);
                if (!m_stopped && !m_terminalSent)
                    Q_EMIT eventProduced(error);
            }
        }
        if (newline < 0)
            break;
        if (!m_discardingLongLine)
            handleLine(m_partialLine);
        m_partialLine.clear();
        m_discardingLongLine = false;
        start = newline + 1;
    }
}

void ExecProducer::handleLine(const QByteArray &line)
{
    if (m_stopped || m_terminalSent)
        return;
    const QByteArray trimmed = line.trimmed();
    if (trimmed.isEmpty())
        return;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(trimmed, &parseError);
    ApiError error;
    std::optional<EventDraft> draft;
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        error.message = QStringLiteral("not a JSON object");
    else
        draft = EventDraft::fromJson(document.object(), &error);
    if (!draft) {
        EventDraft invalid;
        invalid.type = QStringLiteral("error");
        invalid.message
            = QStringLiteral("the producer wrote an invalid event line: %1").arg(error.message);
        Q_EMIT eventProduced(invalid);
        return;
    }
    if (draft->final)
        m_terminalSent = true;
    Q_EMIT eventProduced(*draft);
}

void ExecProducer::process_readyReadStandardError()
{
    m_silenceTimer.start();
    m_stderrTail += m_process->readAllStandardError();
    if (m_stderrTail.size() > 2048)
        m_stderrTail = m_stderrTail.right(2048);
}

void ExecProducer::emitTerminal(SessionState status, const QString &type, const QString &message)
{
    if (m_terminalSent || m_stopped)
        return;
    m_terminalSent = true;
    EventDraft terminal;
    terminal.type = type;
    terminal.status = status;
    terminal.message = message;
    terminal.final = true;
    Q_EMIT eventProduced(terminal);
}

void ExecProducer::process_finished(int exitCode, QProcess::ExitStatus status)
{
    process_readyReadStandardOutput();
    if (!m_partialLine.isEmpty()) {
        handleLine(m_partialLine);
        m_partialLine.clear();
    }
    process_readyReadStandardError();
    // After the reads above, which restart it.
    m_silenceTimer.stop();
    // What it started and left running (a shell's background jobs) goes with it.
    killGroup();
    const QString tail = QString::fromUtf8(m_stderrTail).trimmed();
    if (!tail.isEmpty())
        qCInfo(lcExec).noquote() << "stderr of the producer of" << m_sessionId << ":" << tail;
    const bool tailInEvent = m_options.stderrInEvent && !tail.isEmpty();
    if (m_timedOut) {
        emitTerminal(SessionState::Failed, QStringLiteral("error"),
                     QStringLiteral("the producer was silent for %1 s and was killed")
                         .arg(m_options.silenceTimeoutSeconds));
    } else if (status == QProcess::NormalExit && exitCode == 0) {
        emitTerminal(SessionState::Completed, QStringLiteral("result"),
                     QStringLiteral("the producer finished"));
    } else {
        const QString how = status == QProcess::CrashExit
            ? QStringLiteral("crashed")
            : QStringLiteral("exited with code %1").arg(exitCode);
        emitTerminal(SessionState::Failed, QStringLiteral("error"),
                     tailInEvent ? QStringLiteral("the producer %1: %2").arg(how, tail)
                                 : QStringLiteral("the producer %1").arg(how));
    }
    qCInfo(lcExec).noquote() << "producer of" << m_sessionId << "ended, exit code" << exitCode;
    m_killTimer.stop();
    if (m_cancelled) {
        m_cancelled = false;
        Q_EMIT finished();
    } else if (!m_stopped) {
        m_stopped = true;
        Q_EMIT finished();
    }
}

void ExecProducer::process_errorOccurred(QProcess::ProcessError error)
{
    if (error == QProcess::FailedToStart) {
        m_silenceTimer.stop();
        emitTerminal(
            SessionState::Failed, QStringLiteral("error"),
            QStringLiteral("the producer could not be started: %1").arg(m_process->errorString()));
        if (!m_stopped) {
            m_stopped = true;
            Q_EMIT finished();
        }
    } else if (error == QProcess::WriteError) {
        qCInfo(lcExec).noquote() << "the producer of" << m_sessionId << "did not read its stdin";
    }
}

void ExecProducer::silenceTimer_timeout()
{
    qCWarning(lcExec).noquote() << "producer of" << m_sessionId << "silent for"
                                << m_options.silenceTimeoutSeconds << "s: killing it";
    m_timedOut = true;
    killProcess();
}

void ExecProducer::killProcess()
{
    killGroup();
    m_process->kill();
}

void ExecProducer::killGroup()
{
#ifdef Q_OS_UNIX
    // While a member of the group lives, its id cannot be given to a new process (Linux
    // keeps a pid in use as long as a process group refers to it): no stranger is hit.
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), SIGKILL);
#endif
}

ExecPipeline::ExecPipeline(const QString &command, int silenceTimeoutSeconds, bool passCredentials,
                           WriteCoalescer *coalescer, int killGraceSeconds)
{
    m_options.coalescer = coalescer;
    m_options.killGraceSeconds = killGraceSeconds;
    const QStringList parts = QProcess::splitCommand(command);
    if (!parts.isEmpty()) {
        m_options.program = parts.first();
        m_options.arguments = parts.mid(1);
    }
    m_options.silenceTimeoutSeconds = silenceTimeoutSeconds;
    m_options.passCredentials = passCredentials;
}

SessionProducer *ExecPipeline::createProducer(const QString &sessionId, const StartRequest &request,
                                              QObject *parent)
{
    return new ExecProducer(sessionId, request, m_options, parent);
}

} // namespace ssebuf
