#ifndef SSEBUF_CONSOLE_CONSOLESETTINGS_H
#define SSEBUF_CONSOLE_CONSOLESETTINGS_H

#include <QByteArray>
#include <QSettings>
#include <QStringList>

#include <memory>

namespace ssebuf {

// What the console remembers between runs: recent URLs, the admin token, window layout.
// The token is stored in the user's settings file (readable by the user only when the file
// system says so); it is never written to logs.
class ConsoleSettings
{
public:
    // Settings in an INI file at path (tests use a temporary file).
    explicit ConsoleSettings(const QString &path);
    // The platform's usual place for "ssebuf/ssebuf-console".
    ConsoleSettings();

    QStringList recentUrls() const;
    void addRecentUrl(const QString &url);
    QByteArray token(const QString &url) const;
    void setToken(const QString &url, const QByteArray &token);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);
    QByteArray splitterState() const;
    void setSplitterState(const QByteArray &state);
    QByteArray sessionHeaderState() const;
    void setSessionHeaderState(const QByteArray &state);
    QByteArray eventHeaderState() const;
    void setEventHeaderState(const QByteArray &state);

    void sync() { m_settings->sync(); }
    QString fileName() const { return m_settings->fileName(); }

    static constexpr int MaxRecentUrls = 10;

private:
    static QString tokenKey(const QString &url);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace ssebuf

#endif
