// Logs of the real ssebufd: one access line per request (category ssebuf.access), one line
// per lifecycle event, --log-format json gives one JSON object per line, --log-level
// warning silences info lines.

#include "processtestkit.h"
#include "sessiontestkit.h"

using namespace testkit;

namespace {

// The log lines (stderr) of what the service printed; the one stdout line is left out.
QList<QByteArray> logLines(ServiceProcess &service)
{
    QList<QByteArray> lines;
    for (const QByteArray &line : service.output().split('\n')) {
        if (!line.isEmpty() && !line.startsWith("listening on "))
            lines.append(line);
    }
    return lines;
}

QList<QByteArray> matching(const QList<QByteArray> &lines, const QByteArray &needle)
{
    QList<QByteArray> result;
    for (const QByteArray &line : lines) {
        if (line.contains(needle))
            result.append(line);
    }
    return result;
}

} // namespace

class tst_Logs : public QObject
{
    Q_OBJECT

private slots:
    void textAccessAndLifecycleLines();
    void jsonLinesParse();
    void warningLevelSilencesInfo();
    void controlCharactersCannotForgeLines();
    void invalidLogOptionsAreRefused_data();
    void invalidLogOptionsAreRefused();

private:
    // Runs a fixed set of requests; returns the session id of the greeting session.
    QString exercise(ServiceProcess &service);

    HttpTestClient m_http;
};

QString tst_Logs::exercise(ServiceProcess &service)
{
    // 1: POST /api/refactor 201
    const QString id = startSession(m_http, service, startBody(QStringLiteral("hello")));
    if (id.isEmpty())
        return {};
    // 2: GET /api/refactor/{id}/sse 200 (reads the greeting, then the server ends it)
    RawSseClient stream;
    if (!readWholeStream(stream, sseUrl(service, id)))
        return {};
    // 3: GET /healthz 200, 4: GET /nope 404, 5: GET /api/admin/sessions 200,
    // 6: DELETE the session 204
    m_http.get(service.url(QStringLiteral("/healthz")));
    m_http.get(service.url(QStringLiteral("/nope")));
    m_http.get(service.url(QStringLiteral("/api/admin/sessions")));
    m_http.sendCustom("DELETE", service.url(adminSessionPath(id)));
    return id;
}

void tst_Logs::textAccessAndLifecycleLines()
{
    ServiceProcess service;
    QVERIFY2(service.start(), qPrintable(service.errorText()));
    const QString id = exercise(service);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(matching(logLines(service), "ssebuf.access:").size(), 6, 5000);
    // The removal is logged right after the DELETE's access line, possibly in a later read.
    QTRY_COMPARE_WITH_TIMEOUT(matching(logLines(service), "session removed").size(), 1, 5000);

    const QList<QByteArray> lines = logLines(service);
    const QList<QByteArray> access = matching(lines, "ssebuf.access:");
    const QList<QByteArray> expected {
        "POST /api/refactor 201",
        "GET /api/refactor/" + id.toUtf8() + "/sse 200",
        "GET /healthz 200",
        "GET /nope 404",
        "GET /api/admin/sessions 200",
        "DELETE /api/admin/sessions/" + id.toUtf8() + " 204",
    };
    static const QRegularExpression shape(QStringLiteral(
        R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ssebuf\.access: (\S+ \S+ \d{3}) \d+ms 127\.0\.0\.1:\d+$)"));
    for (int i = 0; i < expected.size(); ++i) {
        const auto match = shape.match(QString::fromUtf8(access.at(i)));
        QVERIFY2(match.hasMatch(), access.at(i).constData());
        QCOMPARE(match.captured(1).toUtf8(), expected.at(i));
    }

    // Lifecycle: created, subscriber connected and disconnected, ended, removed; one each.
    const QByteArray session = id.toUtf8();
    QCOMPARE(matching(matching(lines, "session created"), session).size(), 1);
    QCOMPARE(matching(matching(lines, "session ended"), session).size(), 1);
    QCOMPARE(matching(matching(lines, "session removed"), session).size(), 1);
    QVERIFY(matching(matching(lines, "session removed"), session).first().contains("deleted"));
    const QList<QByteArray> connected = matching(matching(lines, "connected to"), session);
    QCOMPARE(connected.size(), 1);
    QVERIFY(connected.first().contains("resume_from 0"));
    const QList<QByteArray> disconnected = matching(matching(lines, "disconnected:"), session);
    QCOMPARE(disconnected.size(), 1);
    QVERIFY(disconnected.first().contains("finished"));
    QVERIFY(matching(lines, "serving on http://127.0.0.1:").size() == 1);

    // Shutdown is logged too, and the service exits 0.
    QCOMPARE(terminateServing(service), 0);
    QCOMPARE(matching(logLines(service), "shutting down").size(), 1);
}

void tst_Logs::jsonLinesParse()
{
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--log-format"), QStringLiteral("json"),
                            QStringLiteral("--log-level"), QStringLiteral("debug")}),
             qPrintable(service.errorText()));
    const QString id = exercise(service);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(matching(logLines(service), "\"ssebuf.access\"").size(), 6, 5000);
    QCOMPARE(terminateServing(service), 0);

    int access = 0;
    int lifecycle = 0;
    const QList<QByteArray> lines = logLines(service);
    QVERIFY(lines.size() >= 10);
    static const QRegularExpression time(
        QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"));
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(), line.constData());
        const QJsonObject json = document.object();
        QCOMPARE(json.keys(), (QStringList {"category", "level", "message", "time"}));
        QVERIFY2(time.match(json.value("time").toString()).hasMatch(), line.constData());
        QVERIFY(QStringList({"debug", "info", "warning", "error"})
                    .contains(json.value("level").toString()));
        QVERIFY(json.value("category").toString().startsWith(QLatin1String("ssebuf.")));
        if (json.value("category").toString() == QLatin1String("ssebuf.access")) {
            ++access;
            QCOMPARE(json.value("level").toString(), QStringLiteral("info"));
        }
        if (json.value("message").toString().contains(id))
            ++lifecycle;
    }
    QCOMPARE(access, 6);
    // created, connected, disconnected, ended, removed, plus the two access lines with the id.
    QVERIFY2(lifecycle >= 7, qPrintable(QString::number(lifecycle)));
}

void tst_Logs::warningLevelSilencesInfo()
{
    // A producer that never writes is killed after 1 s: a warning, which must still show.
    ServiceProcess service;
    QVERIFY2(service.start({QStringLiteral("--log-level"), QStringLiteral("warning"),
                            QStringLiteral("--pipeline"), QStringLiteral("exec:sleep 30"),
                            QStringLiteral("--exec-timeout"), QStringLiteral("1")}),
             qPrintable(service.errorText()));
    const QString id = startSession(m_http, service);
    QVERIFY(!id.isEmpty());
    QCOMPARE(m_http.get(service.url(QStringLiteral("/healthz"))).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(matching(logLines(service), "WARNING ssebuf.pipeline:").size(), 1,
                              5000);
    QCOMPARE(terminateServing(service), 0);
    const QList<QByteArray> lines = logLines(service);
    QVERIFY(matching(lines, " INFO ").isEmpty());
    QVERIFY(matching(lines, " DEBUG ").isEmpty());
    QVERIFY(matching(lines, "ssebuf.access").isEmpty());
    for (const QByteArray &line : lines)
        QVERIFY2(line.contains(" WARNING ") || line.contains(" ERROR "), line.constData());
}

void tst_Logs::controlCharactersCannotForgeLines()
{
    // An encoded CR/LF in the path would otherwise start a forged log line of its own.
    ServiceProcess service;
    QVERIFY2(service.start(), qPrintable(service.errorText()));
    QUrl url = service.url(QStringLiteral("/"));
    url.setPath(QStringLiteral("/a%0A2026-01-01T00:00:00.000Z INFO ssebuf.access: FORGED%0Db%1B"),
                QUrl::TolerantMode);
    QCOMPARE(m_http.get(url).status, 404);
    QTRY_COMPARE_WITH_TIMEOUT(matching(logLines(service), "ssebuf.access:").size(), 1, 5000);
    const QList<QByteArray> lines = logLines(service);
    const QList<QByteArray> access = matching(lines, "ssebuf.access:");
    QVERIFY2(access.first().contains("GET /a\\n2026-01-01T00:00:00.000Z INFO ssebuf.access: "
                                     "FORGED\\rb\\x1b 404 "),
             access.first().constData());
    QCOMPARE(matching(lines, "FORGED").size(), 1);
    for (const QByteArray &line : lines)
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT"))
                     .match(QString::fromUtf8(line))
                     .hasMatch(),
                 line.constData());
}

void tst_Logs::invalidLogOptionsAreRefused_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("level") << QStringList {"--log-level", "verbose"};
    QTest::newRow("format") << QStringList {"--log-format", "xml"};
}

void tst_Logs::invalidLogOptionsAreRefused()
{
    QFETCH(QStringList, args);
    QProcess process;
    process.start(ServiceProcess::binaryPath(),
                  QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")} + args);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 2);
    QVERIFY(process.readAllStandardError().contains(args.first().toUtf8()));
}

QTEST_GUILESS_MAIN(tst_Logs)
#include "tst_logs.moc"
