// RedisEndpoint::parse: the --store redis://HOST:PORT[/DB] forms ssebufd accepts and refuses.

#include "store/redisendpoint.h"

#include <QTest>

using ssebuf::RedisEndpoint;

class tst_RedisEndpoint : public QObject
{
    Q_OBJECT

private slots:
    void accepted_data();
    void accepted();
    void refused_data();
    void refused();
};

void tst_RedisEndpoint::accepted_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("database");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("host and port") << "redis://127.0.0.1:6380"
                                   << "127.0.0.1" << 6380 << 0 << "redis://127.0.0.1:6380";
    QTest::newRow("default port") << "redis://cache.internal"
                                  << "cache.internal" << 6379 << 0 << "redis://cache.internal:6379";
    QTest::newRow("database") << "redis://10.0.0.5:6379/3"
                              << "10.0.0.5" << 6379 << 3 << "redis://10.0.0.5:6379/3";
    QTest::newRow("trailing slash") << "redis://localhost:7000/"
                                    << "localhost" << 7000 << 0 << "redis://localhost:7000";
    QTest::newRow("ipv6") << "redis://[::1]:6379/1"
                          << "::1" << 6379 << 1 << "redis://[::1]:6379/1";
    // The password never comes back out: logs show the canonical form.
    QTest::newRow("password") << "redis://:s3cret@127.0.0.1:6379/2"
                              << "127.0.0.1" << 6379 << 2 << "redis://:***@127.0.0.1:6379/2";
    QTest::newRow("acl user") << "redis://app:s3cret@10.0.0.5"
                              << "10.0.0.5" << 6379 << 0 << "redis://app:***@10.0.0.5:6379";
}

void tst_RedisEndpoint::accepted()
{
    QFETCH(QString, url);
    QString error;
    const std::optional<RedisEndpoint> endpoint = RedisEndpoint::parse(url, &error);
    QVERIFY2(endpoint, qPrintable(error));
    QTEST(endpoint->host, "host");
    QTEST(int(endpoint->port), "port");
    QTEST(endpoint->database, "database");
    QTEST(endpoint->toString(), "canonical");
    QVERIFY(!endpoint->toString().contains(QLatin1String("s3cret")));
    const bool withPassword = url.contains(QLatin1String("s3cret"));
    QCOMPARE(endpoint->password, withPassword ? QStringLiteral("s3cret") : QString());
    QCOMPARE(endpoint->username,
             url.contains(QLatin1String("app:")) ? QStringLiteral("app") : QString());
}

void tst_RedisEndpoint::refused_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("reason");

    QTest::newRow("other scheme") << "http://127.0.0.1:6379"
                                  << "expected redis://";
    QTest::newRow("no host") << "redis://:6379"
                             << "host is missing";
    QTest::newRow("user without password") << "redis://app@127.0.0.1:6379"
                                           << "needs a password";
    QTest::newRow("other scheme with password") << "http://u:secret@127.0.0.1"
                                                << "expected redis://";
    QTest::newRow("database not a number") << "redis://127.0.0.1:6379/x"
                                           << "database";
    QTest::newRow("negative database") << "redis://127.0.0.1:6379/-1"
                                       << "database";
    QTest::newRow("query") << "redis://127.0.0.1:6379?db=1"
                           << "query";
}

void tst_RedisEndpoint::refused()
{
    QFETCH(QString, url);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!RedisEndpoint::parse(url, &error));
    QVERIFY2(error.startsWith(QLatin1String("invalid Redis URL")), qPrintable(error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    // A refused URL is not repeated in the message (it is logged and may hold a password).
    QVERIFY2(!error.contains(QLatin1String("secret")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_RedisEndpoint)
#include "tst_redisendpoint.moc"
