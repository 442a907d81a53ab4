#include "redisprocess.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <csignal>

RedisProcess::RedisProcess() = default;

RedisProcess::~RedisProcess()
{
    kill();
}

bool RedisProcess::isInstalled()
{
    return !QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty()
        && !QStandardPaths::findExecutable(QStringLiteral("redis-cli")).isEmpty();
}

quint16 RedisProcess::freePort()
{
    // The kernel picks a free port; it is closed again at once and handed to redis-server.
    // Another process could take it in between: start() then fails with a clear error.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool RedisProcess::start()
{
    if (isRunning())
        return true;
    if (m_port == 0)
        m_port = freePort();
    if (m_port == 0) {
        m_error = QStringLiteral("no free loopback port");
        return false;
    }
    m_process.setProgram(QStringLiteral("redis-server"));
    m_process.setArguments(QStringList {QStringLiteral("--port"), QString::number(m_port),
                                        QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                        QStringLiteral("--save"), QString(),
                                        QStringLiteral("--appendonly"), QStringLiteral("no"),
                                        QStringLiteral("--protected-mode"), QStringLiteral("yes")}
                           + m_extraArguments);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start();
    if (!m_process.waitForStarted(10000)) {
        m_error = QStringLiteral("could not start redis-server: %1").arg(m_process.errorString());
        return false;
    }
    // Polling a process we started, not synchronising the test: redis-server has no
    // "ready" signal of its own but answering PING.
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_process.state() != QProcess::Running)
            break;
        if (cli({QStringLiteral("PING")}) == "PONG")
            return true;
        QThread::msleep(50);
    }
    m_error = QStringLiteral("redis-server on port %1 did not answer PING; output: %2")
                  .arg(m_port)
                  .arg(QString::fromUtf8(m_process.readAll()));
    kill();
    return false;
}

void RedisProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    resume(); // a stopped process only dies once continued
    m_process.kill();
    m_process.waitForFinished(5000);
}

void RedisProcess::pause()
{
    if (isRunning())
        ::kill(pid_t(m_process.processId()), SIGSTOP);
}

void RedisProcess::resume()
{
    if (isRunning())
        ::kill(pid_t(m_process.processId()), SIGCONT);
}

QString RedisProcess::url(int database) const
{
    QString text = QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
    if (database != 0)
        text += QLatin1Char('/') + QString::number(database);
    return text;
}

QByteArray RedisProcess::cli(quint16 port, const QStringList &args)
{
    QProcess process;
    process.start(QStringLiteral("redis-cli"),
                  QStringList {QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                               QStringLiteral("-p"), QString::number(port)}
                      + args);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished(1000);
        return {};
    }
    return process.readAllStandardOutput().trimmed();
}
