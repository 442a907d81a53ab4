#ifndef SSEBUF_TEST_SERVICEPROCESS_H
#define SSEBUF_TEST_SERVICEPROCESS_H

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

// Runs the real ssebufd binary on 127.0.0.1:0 and finds its port from the
// "listening on http://HOST:PORT" line.
class ServiceProcess
{
public:
    ServiceProcess();
    ~ServiceProcess();

    // Starts ssebufd with --listen 127.0.0.1:0 plus extraArgs; waits up to 15 s for the
    // listening line. Returns false (and fills errorText()) when it does not come.
    bool start(const QStringList &extraArgs = {},
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
    // Sends SIGTERM and waits for the exit; returns the exit code (-1 on a crash or time-out).
    int terminate(int timeoutMs = 15000);
    void kill();

    QUrl baseUrl() const { return m_baseUrl; }
    QUrl url(const QString &path) const;
    quint16 port() const { return quint16(m_baseUrl.port()); }
    QProcess &process() { return m_process; }
    // Everything the process wrote so far (stdout and stderr), for log assertions.
    QByteArray output();
    QString errorText() const { return m_error; }

    static QString binaryPath();

private:
    QProcess m_process;
    QUrl m_baseUrl;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QString m_error;
};

#endif
