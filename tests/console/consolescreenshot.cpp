// Takes the documentation screenshots of ssebuf-console: connects the real window to a
// running ssebufd, waits while the live table and the sparkline fill, selects a session,
// grabs the Events tab, replays the session and grabs the Replay tab with its verdict.
//
//   xvfb-run -s '-screen 0 1400x900x24' consolescreenshot URL OUT_DIR [SECONDS]
#include <app/consolesettings.h>
#include <app/mainwindow.h>
#include <client/adminstreamclient.h>
#include <inspector/bufferinspector.h>
#include <replay/replaypanel.h>
#include <sessions/sessionfilterproxymodel.h>
#include <sessions/sessiontablemodel.h>

#include <QApplication>
#include <QDir>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

using namespace ssebuf;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const QStringList args = QApplication::arguments();
    if (args.size() < 3) {
        qCritical("usage: consolescreenshot URL OUT_DIR [SECONDS]");
        return 2;
    }
    const QUrl url(args.at(1));
    const QDir out(args.at(2));
    const int seconds = args.size() > 3 ? args.at(3).toInt() : 20;
    QTemporaryDir dir;
    ConsoleSettings settings(dir.filePath("console.ini"));
    MainWindow window(&settings);
    window.resize(1400, 860);
    window.show();
    window.connectToService(url, QByteArray(), true);

    int exitCode = 1;
    bool grabbed = false;
    QTimer::singleShot(seconds * 1000, &window, [&] {
        // Preferably a running session with a subscriber, halfway through.
        SessionTableModel *model = window.sessionModel();
        const auto score = [](const SessionSummary &s) {
            return (s.state == SessionState::Running ? 10000 : 0) + qMin(s.subscribers, 3) * 1000
                + (s.eventCount <= 5 ? s.eventCount : 0);
        };
        int best = -1;
        for (int row = 0; row < model->rowCount(); ++row) {
            if (best < 0 || score(model->summaryAt(row)) > score(model->summaryAt(best)))
                best = row;
        }
        if (best < 0) {
            qCritical("no sessions");
            QApplication::exit(1);
            return;
        }
        const QString id = model->summaryAt(best).sessionId;
        window.selectSession(id);
        QObject::connect(
            window.inspector(), &BufferInspector::bufferUpdated, &window,
            [&window, &out, &exitCode, &grabbed] {
                if (grabbed)
                    return;
                grabbed = true;
                QTableView *events = window.inspector()->eventView();
                events->setCurrentIndex(
                    events->model()->index(qMax(0, events->model()->rowCount() - 2), 0));
                QTimer::singleShot(1200, &window, [&window, &out, &exitCode] {
                    window.grab().save(out.filePath("console.png"));
                    window.inspector()->setCurrentTab(BufferInspector::ReplayTab);
                    ReplayPanel *replay = window.inspector()->replayPanel();
                    QObject::connect(
                        replay, &ReplayPanel::verdictReady, &window, [&window, &out, &exitCode] {
                            QTimer::singleShot(800, &window, [&window, &out, &exitCode] {
                                window.grab().save(out.filePath("console-replay.png"));
                                exitCode = 0;
                                QApplication::exit(0);
                            });
                        });
                    replay->startReplay();
                });
            });
    });
    QTimer::singleShot((seconds + 120) * 1000, &app, [] { QApplication::exit(3); });
    const int rc = QApplication::exec();
    return rc == 0 ? exitCode : rc;
}
