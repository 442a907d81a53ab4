#include <client/serviceendpoint.h>

#include <QTest>

using ssebuf::ServiceEndpoint;

class tst_ServiceEndpoint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void requests();
    void failures_data();
    void failures();
};

void tst_ServiceEndpoint::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("url"); // empty when invalid
    QTest::addColumn<QString>("error");
    QTest::newRow("host:port") << "127.0.0.1:8000"
                               << "http://127.0.0.1:8000"
                               << "";
    QTest::newRow("full") << " http://localhost:8000/ "
                          << "http://localhost:8000"
                          << "";
    QTest::newRow("prefix") << "https://example.com/ssebuf//?x=1#f"
                            << "https://example.com/ssebuf"
                            << "";
    QTest::newRow("empty") << "  "
                           << ""
                           << "Enter the service URL";
    QTest::newRow("scheme") << "ftp://example.com"
                            << ""
                            << "Unsupported scheme \"ftp\"";
    QTest::newRow("no host") << "http://"
                             << ""
                             << "no host";
    QTest::newRow("bad port") << "http://localhost:99999"
                              << ""
                              << "not a valid URL";
}

void tst_ServiceEndpoint::parse()
{
    QFETCH(QString, text);
    QFETCH(QString, url);
    QFETCH(QString, error);
    QString actualError;
    const auto parsed = ServiceEndpoint::parseBaseUrl(text, &actualError);
    if (url.isEmpty()) {
        QVERIFY(!parsed);
        QVERIFY2(actualError.contains(error), qPrintable(actualError));
    } else {
        QVERIFY2(parsed, qPrintable(actualError));
        QCOMPARE(parsed->toString(), url);
    }
}

void tst_ServiceEndpoint::requests()
{
    const ServiceEndpoint endpoint(QUrl("http://127.0.0.1:8000/pre"), "s3cret");
    const QNetworkRequest admin = endpoint.adminRequest("/api/admin/stream");
    QCOMPARE(admin.url().toString(), QStringLiteral("http://127.0.0.1:8000/pre/api/admin/stream"));
    QCOMPARE(admin.rawHeader("Authorization"), QByteArray("Bearer s3cret"));
    const QNetworkRequest stream
        = endpoint.publicRequest(ServiceEndpoint::sessionStreamPath("session_1"));
    QCOMPARE(stream.url().toString(),
             QStringLiteral("http://127.0.0.1:8000/pre/api/refactor/session_1/sse"));
    QVERIFY(!stream.hasRawHeader("Authorization"));
    const ServiceEndpoint open(QUrl("http://127.0.0.1:8000"), QByteArray());
    QVERIFY(!open.adminRequest("/api/admin/sessions").hasRawHeader("Authorization"));
}

void tst_ServiceEndpoint::failures_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("text");
    const QByteArray none;
    QTest::newRow("refused")
        << none << int(QNetworkReply::ConnectionRefusedError) << 0 << QByteArray()
        << "Connection refused by http://127.0.0.1:8000: is ssebufd running on that port?";
    QTest::newRow("host") << none << int(QNetworkReply::HostNotFoundError) << 0 << QByteArray()
                          << "Host \"127.0.0.1\" not found: check the URL";
    QTest::newRow("401 no token")
        << none << int(QNetworkReply::AuthenticationRequiredError) << 401
        << QByteArray(R"({"error":"unauthorized","message":"missing bearer token"})")
        << "401 Unauthorized: the service requires an admin token; enter it next to the URL "
           "(missing bearer token)";
    QTest::newRow("401 token") << QByteArray("x") << int(QNetworkReply::AuthenticationRequiredError)
                               << 401 << QByteArray()
                               << "401 Unauthorized: the service did not accept the admin token";
    QTest::newRow("403 token") << QByteArray("x") << int(QNetworkReply::ContentAccessDenied) << 403
                               << QByteArray() << "403 Forbidden: the admin token is wrong";
    QTest::newRow("403 loopback") << none << int(QNetworkReply::ContentAccessDenied) << 403
                                  << QByteArray()
                                  << "403 Forbidden: without a token the service answers admin "
                                     "routes only on loopback; enter the admin token";
    QTest::newRow("404")
        << none << int(QNetworkReply::ContentNotFoundError) << 404 << QByteArray()
        << "404 Not Found: http://127.0.0.1:8000 has no /api/admin/stream; check the URL";
    QTest::newRow("500") << none << int(QNetworkReply::InternalServerError) << 500 << QByteArray()
                         << "HTTP 500 from http://127.0.0.1:8000";
}

void tst_ServiceEndpoint::failures()
{
    QFETCH(QByteArray, token);
    QFETCH(int, error);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, text);
    const ServiceEndpoint endpoint(QUrl("http://127.0.0.1:8000"), token);
    const QString actual = endpoint.describeFailure(
        QNetworkReply::NetworkError(error), status, body,
        QUrl("http://127.0.0.1:8000/api/admin/stream"), "Connection refused");
    QCOMPARE(actual, text);
    if (!token.isEmpty())
        QVERIFY(!actual.contains(QString::fromUtf8(token) + " "));
}

QTEST_GUILESS_MAIN(tst_ServiceEndpoint)
#include "tst_serviceendpoint.moc"
