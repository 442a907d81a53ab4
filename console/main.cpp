#include "adminstreamclient.h"
#include "consoleoptions.h"
#include "consolesettings.h"
#include "mainwindow.h"

#include <QApplication>
#include <QTextStream>
#include <QTimer>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ssebuf-console"));
    QApplication::setApplicationVersion(QStringLiteral(SSEBUF_VERSION));
    QApplication::setOrganizationName(QStringLiteral("ssebuf"));

    QString error;
    bool exitNow = false;
    const std::optional<ssebuf::ConsoleOptions> options
        = ssebuf::ConsoleOptions::parse(QApplication::arguments(), &error, &exitNow);
    if (!options) {
        QTextStream(exitNow ? stdout : stderr) << error << Qt::endl;
        return exitNow ? 0 : 2;
    }

    ssebuf::ConsoleSettings settings;
    ssebuf::MainWindow window(&settings);
    window.show();
    if (!options->url.isEmpty()) {
        const QByteArray token
            = options->hasToken ? options->token : settings.token(options->url.toString());
        window.connectToService(options->url, token, !options->hasToken);
    }
    if (!options->screenshotPath.isEmpty()) {
        // For docs and QA: capture the window a moment after the snapshot arrived.
        const QString path = options->screenshotPath;
        QObject::connect(window.streamClient(), &ssebuf::AdminStreamClient::messageReceived,
                         &window, [&window, path](const ssebuf::AdminStreamMessage &message) {
                             if (message.kind != ssebuf::AdminStreamMessage::Kind::Snapshot)
                                 return;
                             QTimer::singleShot(3000, &window, [&window, path] {
                                 window.grab().save(path);
                                 QApplication::quit();
                             });
                         });
    }
    return QApplication::exec();
}
