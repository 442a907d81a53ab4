// The test kit's own /proc helpers: what the tests of killed producers rely on.
//
// processAlive() must say "gone" from the moment a killed process is a zombie (Z), through
// the moment its parent reaps it (the kernel shows X there), to the removal of /proc/PID,
// and never "alive" again in between: a QTRY_* check reads its expression several times in
// a row, and a copy that knew only Z failed tst_execpipeline at once in CI (stop 22).

#include "processtestkit.h"

#include <QtTest>

#include <atomic>
#include <csignal>
#include <limits>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using testkit::processAlive;

class tst_ProcessTestKit : public QObject
{
    Q_OBJECT

private slots:
    void ownProcessIsAlive();
    void missingProcessIsGone();
    void goneStaysGoneWhileReaped();
};

void tst_ProcessTestKit::ownProcessIsAlive()
{
    QVERIFY(processAlive(QCoreApplication::applicationPid()));
}

void tst_ProcessTestKit::missingProcessIsGone()
{
    // Above /proc/sys/kernel/pid_max's largest value (2^22): never a process.
    QVERIFY(!processAlive(std::numeric_limits<int>::max()));
}

void tst_ProcessTestKit::goneStaysGoneWhileReaped()
{
    // Each round: a child that waits for SIGKILL is killed and left a zombie (not reaped
    // yet), which must read as gone; then a thread reads processAlive() as fast as it can
    // while this thread reaps the child, until /proc/PID is gone. Whether a round hits the
    // short X state is up to the scheduler: with a Z-only check, 8 runs of 8 failed here,
    // each within 800 rounds. 1000 rounds take under a second; a sanitized fork is slower
    // (about 20 ms), so the sanitized suite runs 100.
    const int rounds = testkit::sanitized() ? 100 : 1000;
    for (int round = 0; round < rounds; ++round) {
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::pause();
            ::_exit(0);
        }
        QVERIFY(processAlive(child));
        ::kill(child, SIGKILL);
        // Blocks until the child is a zombie and leaves it one (WNOWAIT).
        siginfo_t info = {};
        QCOMPARE(::waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT), 0);
        QCOMPARE(info.si_code, CLD_KILLED);
        QVERIFY2(!processAlive(child), "a zombie is gone");
        const QString entry = QStringLiteral("/proc/%1").arg(child);
        QVERIFY2(QFileInfo::exists(entry), "the zombie is there until it is reaped");

        std::atomic<bool> reading {false};
        std::atomic<bool> cameBack {false};
        std::thread reader([&] {
            while (QFileInfo::exists(entry)) {
                if (processAlive(child))
                    cameBack = true;
                reading = true;
            }
            reading = true;
        });
        while (!reading)
            std::this_thread::yield();
        int status = 0;
        const pid_t reaped = ::waitpid(child, &status, 0);
        reader.join();
        QCOMPARE(reaped, child);
        QVERIFY(WIFSIGNALED(status));
        QVERIFY2(!cameBack,
                 qPrintable(QStringLiteral("round %1: process %2 was gone, then "
                                           "alive again while it was reaped")
                                .arg(round)
                                .arg(child)));
        QVERIFY(!QFileInfo::exists(entry));
        QVERIFY(!processAlive(child));
    }
}

QTEST_GUILESS_MAIN(tst_ProcessTestKit)
#include "tst_processtestkit.moc"
