#ifndef SSEBUF_CONSOLE_CONSOLEOPTIONS_H
#define SSEBUF_CONSOLE_CONSOLEOPTIONS_H

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace ssebuf {

// The command line of ssebuf-console: ssebuf-console [--url URL] [--token-file FILE]
class ConsoleOptions
{
public:
    QUrl url; // empty: use the remembered URL
    QByteArray token; // read from --token-file; never remembered
    bool hasToken = false;

    // arguments include the program name. Returns nullopt with a message on bad input; sets
    // *exitNow for --help and --version (with the text to print in *error).
    static std::optional<ConsoleOptions> parse(const QStringList &arguments, QString *error,
                                               bool *exitNow = nullptr);
    // The token in a file, without the trailing newline; nullopt when unreadable or empty.
    static std::optional<QByteArray> readTokenFile(const QString &path, QString *error = nullptr);
};

} // namespace ssebuf

#endif
