#include "serviceprocess.h"

#include <QDeadlineTimer>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

ServiceProcess::ServiceProcess() = default;

ServiceProcess::~ServiceProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString ServiceProcess::binaryPath()
{
    const QByteArray overridden = qgetenv("SSEBUFD_BINARY");
    return overridden.isEmpty() ? QStringLiteral(SSEBUFD_PATH) : QString::fromLocal8Bit(overridden);
}

bool ServiceProcess::start(const QStringList &extraArgs, const QProcessEnvironment &environment)
{
    QStringList args {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    args += extraArgs;
    m_process.setProcessEnvironment(environment);
    m_process.setProgram(binaryPath());
    m_process.setArguments(args);
    m_process.start();
    if (!m_process.waitForStarted(10000)) {
        m_error
            = QStringLiteral("could not start %1: %2").arg(binaryPath(), m_process.errorString());
        return false;
    }
    static const QRegularExpression listening(QStringLiteral("listening on (https?://[^\\s]+)"));
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        m_process.waitForReadyRead(100);
        m_stdout += m_process.readAllStandardOutput();
        m_stderr += m_process.readAllStandardError();
        const auto match = listening.match(QString::fromUtf8(m_stdout));
        if (match.hasMatch()) {
            m_baseUrl = QUrl(match.captured(1));
            return true;
        }
        if (m_process.state() == QProcess::NotRunning)
            break;
    }
    m_error = QStringLiteral("ssebufd did not report listening; output: %1 %2")
                  .arg(QString::fromUtf8(m_stdout), QString::fromUtf8(m_stderr));
    return false;
}

QUrl ServiceProcess::url(const QString &path) const
{
    QUrl result = m_baseUrl;
    const int query = path.indexOf(QLatin1Char('?'));
    if (query >= 0) {
        result.setPath(path.left(query));
        result.setQuery(path.mid(query + 1));
    } else {
        result.setPath(path);
    }
    return result;
}

QByteArray ServiceProcess::output()
{
    m_stdout += m_process.readAllStandardOutput();
    m_stderr += m_process.readAllStandardError();
    return m_stdout + m_stderr;
}

int ServiceProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(timeoutMs))
        return -1;
    output();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

void ServiceProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(5000);
}
