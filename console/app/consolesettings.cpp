#include "consolesettings.h"

#include <QFile>

namespace ssebuf {

ConsoleSettings::ConsoleSettings(const QString &path)
    : m_settings(std::make_unique<QSettings>(path, QSettings::IniFormat))
{
}

ConsoleSettings::ConsoleSettings()
    : m_settings(std::make_unique<QSettings>(QSettings::IniFormat, QSettings::UserScope,
                                             QStringLiteral("ssebuf"),
                                             QStringLiteral("ssebuf-console")))
{
}

QStringList ConsoleSettings::recentUrls() const
{
    return m_settings->value(QStringLiteral("connection/recentUrls")).toStringList();
}

void ConsoleSettings::addRecentUrl(const QString &url)
{
    QStringList urls = recentUrls();
    urls.removeAll(url);
    urls.prepend(url);
    while (urls.size() > MaxRecentUrls)
        urls.removeLast();
    m_settings->setValue(QStringLiteral("connection/recentUrls"), urls);
}

QString ConsoleSettings::tokenKey(const QString &url)
{
    // QSettings keys cannot hold '/' or ':' safely; hex keeps one token per URL.
    return QStringLiteral("tokens/") + QString::fromLatin1(url.toUtf8().toHex());
}

QByteArray ConsoleSettings::token(const QString &url) const
{
    return m_settings->value(tokenKey(url)).toByteArray();
}

void ConsoleSettings::setToken(const QString &url, const QByteArray &token)
{
    if (token.isEmpty())
        m_settings->remove(tokenKey(url));
    else
        m_settings->setValue(tokenKey(url), token);
    m_settings->sync();
    // The file holds a secret: keep it private to the user.
    QFile::setPermissions(m_settings->fileName(), QFile::ReadOwner | QFile::WriteOwner);
}

QByteArray ConsoleSettings::windowGeometry() const
{
    return m_settings->value(QStringLiteral("window/geometry")).toByteArray();
}

void ConsoleSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings->setValue(QStringLiteral("window/geometry"), geometry);
}

QByteArray ConsoleSettings::windowState() const
{
    return m_settings->value(QStringLiteral("window/state")).toByteArray();
}

void ConsoleSettings::setWindowState(const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("window/state"), state);
}

QByteArray ConsoleSettings::splitterState() const
{
    return m_settings->value(QStringLiteral("window/splitter")).toByteArray();
}

void ConsoleSettings::setSplitterState(const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("window/splitter"), state);
}

QByteArray ConsoleSettings::sessionHeaderState() const
{
    return m_settings->value(QStringLiteral("window/sessionHeader")).toByteArray();
}

void ConsoleSettings::setSessionHeaderState(const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("window/sessionHeader"), state);
}

QByteArray ConsoleSettings::eventHeaderState() const
{
    return m_settings->value(QStringLiteral("window/eventHeader")).toByteArray();
}

void ConsoleSettings::setEventHeaderState(const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("window/eventHeader"), state);
}

} // namespace ssebuf
