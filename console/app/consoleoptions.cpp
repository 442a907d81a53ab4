#include "consoleoptions.h"

#include "client/serviceendpoint.h"

#include <QCommandLineParser>
#include <QFile>

namespace ssebuf {

std::optional<QByteArray> ConsoleOptions::readTokenFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error
                = QStringLiteral("cannot read the token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray token = file.read(64 * 1024);
    while (token.endsWith('\n') || token.endsWith('\r'))
        token.chop(1);
    if (token.isEmpty()) {
        if (error)
            *error = QStringLiteral("the token file %1 is empty").arg(path);
        return std::nullopt;
    }
    if (token.contains('\n') || token.contains('\r')) {
        if (error)
            *error = QStringLiteral("the token file %1 holds more than one line").arg(path);
        return std::nullopt;
    }
    return token;
}

std::optional<ConsoleOptions> ConsoleOptions::parse(const QStringList &arguments, QString *error,
                                                    bool *exitNow)
{
    if (exitNow)
        *exitNow = false;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Admin console for ssebufd: live sessions, buffers, replays and late-connection checks."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption urlOption(
        QStringLiteral("url"),
        QStringLiteral("Service URL to connect to at start, e.g. http://127.0.0.1:8000."),
        QStringLiteral("URL"));
    const QCommandLineOption tokenOption(
        QStringLiteral("token-file"),
        QStringLiteral("File holding the admin token (a trailing newline is ignored)."),
        QStringLiteral("FILE"));
    parser.addOption(urlOption);
    parser.addOption(tokenOption);
    if (!parser.parse(arguments)) {
        if (error)
            *error = parser.errorText();
        return std::nullopt;
    }
    if (parser.isSet(helpOption) || parser.isSet(versionOption)) {
        if (exitNow)
            *exitNow = true;
        if (error)
            *error = parser.isSet(helpOption)
                ? parser.helpText().replace(QLatin1String("<executable_name>"),
                                            QLatin1String("ssebuf-console"))
                : QStringLiteral("ssebuf-console %1").arg(QStringLiteral(SSEBUF_VERSION));
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        if (error)
            *error = QStringLiteral("unexpected argument: %1")
                         .arg(parser.positionalArguments().constFirst());
        return std::nullopt;
    }
    ConsoleOptions options;
    if (parser.isSet(urlOption)) {
        const std::optional<QUrl> url
            = ServiceEndpoint::parseBaseUrl(parser.value(urlOption), error);
        if (!url)
            return std::nullopt;
        options.url = *url;
    }
    if (parser.isSet(tokenOption)) {
        const std::optional<QByteArray> token = readTokenFile(parser.value(tokenOption), error);
        if (!token)
            return std::nullopt;
        options.token = *token;
        options.hasToken = true;
    }
    return options;
}

} // namespace ssebuf
