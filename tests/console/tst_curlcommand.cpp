#include <client/serviceendpoint.h>
#include <inspector/curlcommand.h>

#include <QTest>

using namespace ssebuf;

class tst_CurlCommand : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void command_data();
    void command();
    void quoting();
};

void tst_CurlCommand::command_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<qint64>("lastEventId");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << "http://127.0.0.1:8000" << qint64(0)
                           << "curl -N -H 'Accept: text/event-stream' "
                              "'http://127.0.0.1:8000/api/refactor/session_1/sse'";
    QTest::newRow("prefix and resume")
        << "https://sse.example.com/buf/" << qint64(41)
        << "curl -N -H 'Accept: text/event-stream' -H 'Last-Event-ID: 41' "
           "'https://sse.example.com/buf/api/refactor/session_1/sse'";
}

void tst_CurlCommand::command()
{
    QFETCH(QString, base);
    QFETCH(qint64, lastEventId);
    QFETCH(QString, expected);
    const ServiceEndpoint endpoint(*ServiceEndpoint::parseBaseUrl(base), "secret-token");
    const QString command
        = CurlCommand::forStream(endpoint.sessionStreamUrl("session_1"), lastEventId);
    QCOMPARE(command, expected);
    QVERIFY(!command.contains("secret-token")); // session streams need no token
}

void tst_CurlCommand::quoting()
{
    QCOMPARE(CurlCommand::shellQuote("it's"), QStringLiteral("'it'\\''s'"));
    QCOMPARE(CurlCommand::shellQuote("$(rm -rf /)"), QStringLiteral("'$(rm -rf /)'"));
}

QTEST_GUILESS_MAIN(tst_CurlCommand)
#include "tst_curlcommand.moc"
