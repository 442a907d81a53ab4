#ifndef SSEBUF_TEST_REDISPROCESS_H
#define SSEBUF_TEST_REDISPROCESS_H

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

// Runs a real redis-server for a test, on a free loopback port, with no persistence. The
// test owns it: the destructor kills it. It can be killed and started again on the same
// port to stage an outage.
class RedisProcess
{
public:
    RedisProcess();
    ~RedisProcess();

    // Whether redis-server (and redis-cli) can be found; tests skip without them.
    static bool isInstalled();

    // Starts redis-server (on the port of the previous start, if any) and waits up to 10 s
    // for it to answer PING. Returns false and fills errorText() when it does not.
    bool start();
    // More redis-server arguments for the next start() (e.g. --replicaof HOST PORT).
    void setExtraArguments(const QStringList &arguments) { m_extraArguments = arguments; }
    // SIGKILL: connections drop at once, as when the host dies.
    void kill();
    // SIGSTOP / SIGCONT: a Redis that hangs with its connections open.
    void pause();
    void resume();
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    quint16 port() const { return m_port; }
    // redis://127.0.0.1:PORT[/DB], ready for ssebufd's --store.
    QString url(int database = 0) const;
    // Runs redis-cli against this server; returns its standard output, trimmed.
    QByteArray cli(const QStringList &args) const { return cli(m_port, args); }
    // The same against any server of the test on 127.0.0.1 (a replica, a sentinel).
    static QByteArray cli(quint16 port, const QStringList &args);
    QString errorText() const { return m_error; }

    // A loopback port free at the time of the call.
    static quint16 freePort();

private:
    QProcess m_process;
    QStringList m_extraArguments;
    quint16 m_port = 0;
    QString m_error;
};

#endif
