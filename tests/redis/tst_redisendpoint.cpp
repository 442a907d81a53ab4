// RedisEndpoint::parse: the --store redis://HOST:PORT[/DB] forms ssebufd accepts and refuses,
// and the seed lists of redis-cluster:// and redis-sentinel:// (contract section 17).

#include "store/redisendpoint.h"
#include "store/redisslot.h"

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
    void seeds_data();
    void seeds();
    void keySlot();
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
    // redis-cluster:// and redis-sentinel:// seed lists.
    QTest::newRow("cluster with a database") << "redis-cluster://a:7000/1"
                                             << "database";
    QTest::newRow("empty seed") << "redis-cluster://a:7000,,b:7001"
                                << "HOST:PORT";
    QTest::newRow("bad port") << "redis-cluster://a:99999"
                              << "HOST:PORT";
    QTest::newRow("sentinel without a master name") << "redis-sentinel://s1:26379"
                                                    << "MASTER_NAME";
    QTest::newRow("sentinel, bad database") << "redis-sentinel://s1/m/x"
                                            << "database";
    QTest::newRow("empty password") << "redis-cluster://app:@a:7000"
                                    << "password";
    QTest::newRow("cluster, query") << "redis-cluster://u:secret@a:7000?x=1"
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

void tst_RedisEndpoint::seeds_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QStringList>("seeds");
    QTest::addColumn<QString>("master");
    QTest::addColumn<int>("database");
    QTest::addColumn<QString>("canonical");

    const int cluster = int(RedisEndpoint::Kind::Cluster);
    const int sentinel = int(RedisEndpoint::Kind::Sentinel);
    QTest::newRow("cluster, one seed")
        << "redis-cluster://10.0.0.1:7000" << cluster << QStringList {"10.0.0.1:7000"} << "" << 0
        << "redis-cluster://10.0.0.1:7000";
    QTest::newRow("cluster, seeds, default port")
        << "redis-cluster://a:7000,b,[::1]:7002" << cluster
        << QStringList {"a:7000", "b:6379", "[::1]:7002"} << "" << 0
        << "redis-cluster://a:7000,b:6379,[::1]:7002";
    QTest::newRow("cluster, acl user")
        << "redis-cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7000" << cluster
        << QStringList {"10.0.0.1:7000", "10.0.0.2:7000"} << "" << 0
        << "redis-cluster://app:***@10.0.0.1:7000,10.0.0.2:7000";
    QTest::newRow("sentinel") << "redis-sentinel://s1:26379,s2/mymaster" << sentinel
                              << QStringList {"s1:26379", "s2:26379"} << "mymaster" << 0
                              << "redis-sentinel://s1:26379,s2:26379/mymaster";
    QTest::newRow("sentinel, database, password")
        << "redis-sentinel://:s3cret@127.0.0.1:26379/cache/2" << sentinel
        << QStringList {"127.0.0.1:26379"} << "cache" << 2
        << "redis-sentinel://:***@127.0.0.1:26379/cache/2";
}

void tst_RedisEndpoint::seeds()
{
    QFETCH(QString, url);
    QString error;
    const std::optional<RedisEndpoint> endpoint = RedisEndpoint::parse(url, &error);
    QVERIFY2(endpoint, qPrintable(error));
    QTEST(int(endpoint->kind), "kind");
    QStringList seeds;
    for (const RedisEndpoint::Address &seed : endpoint->seeds)
        seeds.append(RedisEndpoint::addressText(seed.host, seed.port));
    QTEST(seeds, "seeds");
    QTEST(endpoint->masterName, "master");
    QTEST(endpoint->database, "database");
    QTEST(endpoint->toString(), "canonical");
    QCOMPARE(endpoint->password,
             url.contains(QLatin1String("s3cret")) ? QStringLiteral("s3cret") : QString());
}

// The slots Redis itself gives (CLUSTER KEYSLOT), hash tags included.
void tst_RedisEndpoint::keySlot()
{
    QCOMPARE(ssebuf::redisCrc16("123456789"), quint16(0x31C3));
    QCOMPARE(ssebuf::redisKeySlot("foo"), 12182);
    QCOMPARE(ssebuf::redisKeySlot("{user1000}.following"), ssebuf::redisKeySlot("user1000"));
    QCOMPARE(ssebuf::redisKeySlot("ssebuf:{abc}:s"), ssebuf::redisKeySlot("ssebuf:{abc}:e"));
    QCOMPARE(ssebuf::redisKeySlot("foo{}{bar}"), 8363); // an empty tag: the whole key
    QCOMPARE(ssebuf::redisKeySlot("foo{{bar}}zap"), 4015); // the tag is "{bar"
}

QTEST_GUILESS_MAIN(tst_RedisEndpoint)
#include "tst_redisendpoint.moc"
