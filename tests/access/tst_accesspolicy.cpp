// AccessPolicy (contract section 5) as a unit: the cases HTTP through a real socket cannot
// reach from one machine, such as IPv6 and IPv4-mapped peers, and the comparison itself.

#include "api/accesspolicy.h"

#include <QTest>

using ssebuf::AccessPolicy;
using ssebuf::HttpRequest;

namespace {

HttpRequest requestFrom(const QString &peer, const QByteArray &authorization = {})
{
    HttpRequest request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/sessions");
    request.peer = QHostAddress(peer);
    request.peerPort = 40000;
    if (!authorization.isNull())
        request.headers.append({QByteArray("Authorization"), authorization});
    return request;
}

} // namespace

class tst_AccessPolicy : public QObject
{
    Q_OBJECT

private slots:
    void constantTimeEquals_data();
    void constantTimeEquals();
    void withoutToken_data();
    void withoutToken();
    void withToken_data();
    void withToken();
};

void tst_AccessPolicy::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::newRow("same") << QByteArray("s3cret") << QByteArray("s3cret") << true;
    QTest::newRow("both empty") << QByteArray() << QByteArray() << true;
    QTest::newRow("last byte") << QByteArray("s3cret") << QByteArray("s3creT") << false;
    QTest::newRow("first byte") << QByteArray("s3cret") << QByteArray("S3cret") << false;
    QTest::newRow("prefix") << QByteArray("s3cre") << QByteArray("s3cret") << false;
    QTest::newRow("longer") << QByteArray("s3cret\0", 7) << QByteArray("s3cret") << false;
    QTest::newRow("empty vs not") << QByteArray() << QByteArray("x") << false;
    QTest::newRow("high bytes") << QByteArray("\xff\x80") << QByteArray("\xff\x80") << true;
    QTest::newRow("high bytes differ") << QByteArray("\xff\x80") << QByteArray("\xff\x81") << false;
}

void tst_AccessPolicy::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(AccessPolicy::constantTimeEquals(a, b), equal);
    QCOMPARE(AccessPolicy::constantTimeEquals(b, a), equal);
}

void tst_AccessPolicy::withoutToken_data()
{
    QTest::addColumn<QString>("peer");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("127.0.0.1") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("127.1.2.3") << QStringLiteral("127.1.2.3") << true;
    QTest::newRow("::1") << QStringLiteral("::1") << true;
    QTest::newRow("::ffff:127.0.0.1") << QStringLiteral("::ffff:127.0.0.1") << true;
    QTest::newRow("10.0.0.5") << QStringLiteral("10.0.0.5") << false;
    QTest::newRow("192.168.1.20") << QStringLiteral("192.168.1.20") << false;
    QTest::newRow("::ffff:10.0.0.5") << QStringLiteral("::ffff:10.0.0.5") << false;
    QTest::newRow("2001:db8::1") << QStringLiteral("2001:db8::1") << false;
    QTest::newRow("0.0.0.0") << QStringLiteral("0.0.0.0") << false;
}

void tst_AccessPolicy::withoutToken()
{
    QFETCH(QString, peer);
    QFETCH(bool, allowed);
    const AccessPolicy policy;
    QVERIFY(!policy.hasToken());
    const auto denied = policy.check(requestFrom(peer, "Bearer anything"));
    QCOMPARE(!denied.has_value(), allowed);
    if (denied) {
        QCOMPARE(denied->httpStatus, 403);
        QCOMPARE(denied->code, QStringLiteral("forbidden"));
    }
}

void tst_AccessPolicy::withToken_data()
{
    QTest::addColumn<QString>("peer");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("status"); // 0: allowed
    const QString local = QStringLiteral("127.0.0.1");
    const QString remote = QStringLiteral("203.0.113.7");
    QTest::newRow("missing") << local << QByteArray() << 401;
    QTest::newRow("empty") << local << QByteArray("") << 401;
    QTest::newRow("basic") << local << QByteArray("Basic dG9rZW4=") << 401;
    QTest::newRow("bearer alone") << local << QByteArray("Bearer") << 401;
    QTest::newRow("bearer space") << local << QByteArray("Bearer ") << 401;
    QTest::newRow("wrong") << local << QByteArray("Bearer t0ken") << 403;
    QTest::newRow("longer") << local << QByteArray("Bearer token-x") << 403;
    QTest::newRow("right") << local << QByteArray("Bearer token-x1") << 0;
    QTest::newRow("scheme in capitals") << local << QByteArray("BEARER token-x1") << 0;
    QTest::newRow("extra spaces") << local << QByteArray("  Bearer   token-x1  ") << 0;
    // With a token, the peer's address does not matter.
    QTest::newRow("remote right") << remote << QByteArray("Bearer token-x1") << 0;
    QTest::newRow("remote missing") << remote << QByteArray() << 401;
    QTest::newRow("remote wrong") << remote << QByteArray("Bearer nope") << 403;
}

void tst_AccessPolicy::withToken()
{
    QFETCH(QString, peer);
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    const AccessPolicy policy("token-x1");
    QVERIFY(policy.hasToken());
    const auto denied = policy.check(requestFrom(peer, authorization));
    QCOMPARE(denied ? denied->httpStatus : 0, status);
    if (denied) {
        QCOMPARE(denied->code,
                 status == 401 ? QStringLiteral("unauthorized") : QStringLiteral("forbidden"));
        QVERIFY(!denied->message.contains(QLatin1String("token-x1")));
    }
}

QTEST_GUILESS_MAIN(tst_AccessPolicy)
#include "tst_accesspolicy.moc"
