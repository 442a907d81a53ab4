#include "app/consoleoptions.h"
#include "app/consolesettings.h"
#include "app/mainwindow.h"

#include <QApplication>
#include <QStringList>
#include <QTextStream>

int main(int argc, char *argv[])
{
    // --help and --version need no display; everything else is parsed after QApplication
    // has taken its own options (-platform, -style, …) out of the arguments.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const QStringList infoOptions {QStringLiteral("-h"), QStringLiteral("--help"),
                                   QStringLiteral("--help-all"), QStringLiteral("-v"),
                                   QStringLiteral("--version")};
    QString error;
    bool exitNow = false;
    for (const QString &option : infoOptions) {
        if (arguments.contains(option)) {
            ssebuf::ConsoleOptions::parse(arguments, &error, &exitNow);
            QTextStream(exitNow ? stdout : stderr) << error << Qt::endl;
            return exitNow ? 0 : 2;
        }
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ssebuf-console"));
    QApplication::setApplicationVersion(QStringLiteral(SSEBUF_VERSION));
    QApplication::setOrganizationName(QStringLiteral("ssebuf"));
    const std::optional<ssebuf::ConsoleOptions> options
        = ssebuf::ConsoleOptions::parse(QApplication::arguments(), &error, &exitNow);
    if (!options) {
        QTextStream(stderr) << error << Qt::endl;
        return 2;
    }

    ssebuf::ConsoleSettings settings;
    ssebuf::MainWindow window(&settings);
    window.show();
    if (!options->url.isEmpty()) {
        const QByteArray token
            = options->hasToken ? options->token : settings.token(options->url.toString());
        window.connectToService(options->url, token, !options->hasToken);
    }
    return QApplication::exec();
}
