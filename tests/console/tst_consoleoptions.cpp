#include <app/consoleoptions.h>
#include <app/consolesettings.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ssebuf;

class tst_ConsoleOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void urlAndTokenFile();
    void errors_data();
    void errors();
    void help();
    void settingsRemember();

private:
    QString writeFile(const QByteArray &content);
    QTemporaryDir m_dir;
    int m_files = 0;
};

QString tst_ConsoleOptions::writeFile(const QByteArray &content)
{
    const QString path = m_dir.filePath(QStringLiteral("file%1").arg(++m_files));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QString();
    file.write(content);
    return path;
}

void tst_ConsoleOptions::urlAndTokenFile()
{
    const QString tokenFile = writeFile("t0ken-value\n");
    QString error;
    const auto options = ConsoleOptions::parse(
        {"ssebuf-console", "--url", "127.0.0.1:8123", "--token-file", tokenFile}, &error);
    QVERIFY2(options, qPrintable(error));
    QCOMPARE(options->url.toString(), QStringLiteral("http://127.0.0.1:8123"));
    QVERIFY(options->hasToken);
    QCOMPARE(options->token, QByteArray("t0ken-value"));
    const auto none = ConsoleOptions::parse({"ssebuf-console"}, &error);
    QVERIFY(none);
    QVERIFY(none->url.isEmpty());
    QVERIFY(!none->hasToken);
}

void tst_ConsoleOptions::errors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    QTest::newRow("bad url") << QStringList {"c", "--url", "ftp://x"} << "Unsupported scheme";
    QTest::newRow("missing token file") << QStringList {"c", "--token-file", "/nonexistent/token"}
                                        << "cannot read the token file /nonexistent/token";
    QTest::newRow("unknown option") << QStringList {"c", "--frobnicate"} << "frobnicate";
    QTest::newRow("positional") << QStringList {"c", "extra"} << "unexpected argument: extra";
}

void tst_ConsoleOptions::errors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QString actual;
    bool exitNow = true;
    QVERIFY(!ConsoleOptions::parse(arguments, &actual, &exitNow));
    QVERIFY(!exitNow);
    QVERIFY2(actual.contains(error), qPrintable(actual));
}

void tst_ConsoleOptions::help()
{
    QString text;
    bool exitNow = false;
    QVERIFY(!ConsoleOptions::parse({"ssebuf-console", "--help"}, &text, &exitNow));
    QVERIFY(exitNow);
    QVERIFY(text.contains("--token-file"));
    QString error;
    QVERIFY(!ConsoleOptions::readTokenFile(writeFile("\n"), &error));
    QVERIFY(error.contains("empty"));
    QVERIFY(!ConsoleOptions::readTokenFile(writeFile("a\nb\n"), &error));
    QVERIFY(error.contains("more than one line"));
    QCOMPARE(*ConsoleOptions::readTokenFile(writeFile("abc\r\n")), QByteArray("abc"));
}

void tst_ConsoleOptions::settingsRemember()
{
    const QString path = m_dir.filePath("settings.ini");
    {
        ConsoleSettings settings(path);
        for (int i = 0; i < 12; ++i)
            settings.addRecentUrl(QStringLiteral("http://host%1:8000").arg(i));
        settings.addRecentUrl("http://host3:8000");
        settings.setToken("http://host3:8000", "tok");
        settings.setWindowGeometry("geom");
    }
    ConsoleSettings settings(path);
    QCOMPARE(settings.recentUrls().size(), ConsoleSettings::MaxRecentUrls);
    QCOMPARE(settings.recentUrls().constFirst(), QStringLiteral("http://host3:8000"));
    QCOMPARE(settings.recentUrls().at(1), QStringLiteral("http://host11:8000"));
    QCOMPARE(settings.token("http://host3:8000"), QByteArray("tok"));
    QVERIFY(settings.token("http://host4:8000").isEmpty());
    QCOMPARE(settings.windowGeometry(), QByteArray("geom"));
    QCOMPARE(QFile::permissions(path) & (QFile::ReadOther | QFile::ReadGroup),
             QFile::Permissions());
    settings.setToken("http://host3:8000", QByteArray());
    QVERIFY(settings.token("http://host3:8000").isEmpty());
}

QTEST_GUILESS_MAIN(tst_ConsoleOptions)
#include "tst_consoleoptions.moc"
