#ifndef SSEBUF_TEST_PROCESSTESTKIT_H
#define SSEBUF_TEST_PROCESSTESTKIT_H

// The test kit's process and file helpers (header only, namespace testkit): what /proc says
// about a process, stopping a serving ssebufd, and small files written and read by tests.

#include "serviceprocess.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>

#include <csignal>

namespace testkit {

inline int openDescriptors(qint64 pid)
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                   .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System)
                   .size());
}

// VmRSS of a process in KiB (Linux), -1 when unknown.
inline qint64 residentKib(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// scripts/test-sanitized.sh sets SSEBUF_SANITIZED: resident-memory figures then measure the
// sanitizer's allocator, not the service, and are not asserted.
inline bool sanitized()
{
    return qEnvironmentVariableIsSet("SSEBUF_SANITIZED");
}

// SIGTERM, then waits for the exit while this process's event loop runs, so the test's own
// open streams see the server's close and answer it (ServiceProcess::terminate() blocks).
// Returns the exit code, -1 on a crash or time-out.
inline int terminateServing(ServiceProcess &service, int timeoutMs = 10000)
{
    QProcess &process = service.process();
    if (process.state() != QProcess::NotRunning) {
        QSignalSpy finished(&process, &QProcess::finished);
        ::kill(pid_t(process.processId()), SIGTERM);
        if (!finished.wait(timeoutMs))
            return -1;
    }
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

// Whether a process runs: its /proc entry exists and its state is neither Z (a zombie, not
// reaped yet) nor X (being reaped: the kernel shows X between the zombie and the entry's
// removal, so a check for Z alone sees the process come back for a moment).
inline bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    // "PID (COMM) STATE ...": COMM may itself hold parentheses and spaces.
    const qsizetype paren = text.lastIndexOf(')');
    if (paren < 0 || paren + 2 >= text.size())
        return false;
    const char state = text.at(paren + 2);
    return state != 'Z' && state != 'X' && state != 'x';
}

inline QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

inline bool writeFile(const QString &path, const QByteArray &bytes,
                      QFileDevice::Permissions permissions = {})
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    file.write(bytes);
    file.close();
    if (permissions)
        file.setPermissions(permissions);
    return true;
}

// Writes a /bin/sh script (the shebang line is added) that its owner may run; returns path.
inline QString writeScript(const QString &path, const QByteArray &body)
{
    QFile file(path);
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    file.write("#!/bin/sh\n" + body);
    file.close();
    file.setPermissions(file.permissions() | QFileDevice::ExeUser);
    return path;
}

} // namespace testkit

#endif
