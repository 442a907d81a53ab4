#include <client/adminclient.h>
#include <replay/lateconnectioncheck.h>
#include <replay/replaysession.h>
#include <replay/replayverifier.h>

#include <httptestclient.h>
#include <serviceprocess.h>
#include <sessiontestkit.h>

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace ssebuf;

class tst_ReplaySession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void replayFromStartAfterDelay();
    void resumeAfterLastEventId();
    void resumeAtEndGives204();
    void unknownSession404();
    void evictedEventsGiveAnnouncedGap();
    void adminClientPagesAndDeletes();
    void lateConnectionCheck_data();
    void lateConnectionCheck();

private:
    QString finishedSession(ServiceProcess &service, const QString &prompt, qint64 *lastSeq);

    QNetworkAccessManager m_manager;
    ServiceProcess m_service;
    ServiceProcess m_smallBuffer;
    HttpTestClient m_http;
};

void tst_ReplaySession::initTestCase()
{
    QVERIFY2(m_service.start({"--pipeline", "demo", "--demo-step-ms", "20"}),
             qPrintable(m_service.errorText()));
    QVERIFY2(
        m_smallBuffer.start({"--pipeline", "demo", "--demo-step-ms", "5", "--max-events", "3"}),
        qPrintable(m_smallBuffer.errorText()));
}

// Starts a session and waits (through the admin API) until it has ended.
QString tst_ReplaySession::finishedSession(ServiceProcess &service, const QString &prompt,
                                           qint64 *lastSeq)
{
    const QString id = testkit::startSession(
        m_http, service, testkit::startBody(prompt, {{"user_id", "replay_test"}}));
    const QJsonObject summary = testkit::waitUntilEnded(m_http, service, id);
    if (summary.value("state").toString() == QLatin1String("running"))
        return QString();
    *lastSeq = summary.value("last_seq").toInteger();
    return id;
}

void tst_ReplaySession::replayFromStartAfterDelay()
{
    const QString id = testkit::startSession(
        m_http, m_service,
        testkit::startBody("refactor the payment module", {{"user_id", "replay_test"}}));
    QVERIFY(!id.isEmpty());
    ReplaySession replay(&m_manager);
    QSignalSpy finished(&replay, &ReplaySession::finished);
    QSignalSpy states(&replay, &ReplaySession::stateChanged);
    replay.start(ServiceEndpoint(m_service.baseUrl(), QByteArray()), id, {0, 150});
    QCOMPARE(replay.state(), ReplaySession::State::Waiting);
    QVERIFY(finished.wait(15000));
    QCOMPARE(replay.state(), ReplaySession::State::Finished);
    QCOMPARE(replay.httpStatus(), 200);
    QVERIFY(replay.finalReceived());
    QVERIFY(!replay.stoppedEarly());
    const QList<ReplayEvent> events = replay.received();
    QVERIFY(events.size() >= 3);
    for (int i = 0; i < events.size(); ++i) {
        QCOMPARE(events.at(i).seq, i + 1);
        QCOMPARE(events.at(i).json.value("seq").toInteger(), i + 1);
        QCOMPARE(events.at(i).json.value("session_id").toString(), id);
        QVERIFY(events.at(i).arrivalMs >= replay.connectedAtMs());
        QVERIFY(events.at(i).timestampMs > 0);
    }
    QVERIFY(events.last().json.value("final").toBool());
    QCOMPARE(states.at(1).at(0).value<ReplaySession::State>(), ReplaySession::State::Connecting);
    const ReplayVerdict verdict = ReplayVerifier::verify(events, 0, 1, events.size(), false);
    QCOMPARE(verdict.level, ReplayVerdict::Level::Pass);
}

void tst_ReplaySession::resumeAfterLastEventId()
{
    qint64 lastSeq = 0;
    const QString id = finishedSession(m_service, "refactor the search module", &lastSeq);
    QVERIFY(!id.isEmpty());
    QVERIFY(lastSeq >= 4);
    ReplaySession replay(&m_manager);
    QSignalSpy finished(&replay, &ReplaySession::finished);
    replay.start(ServiceEndpoint(m_service.baseUrl(), QByteArray()), id, {2, 0});
    QVERIFY(finished.wait(10000));
    QList<qint64> seqs;
    for (const ReplayEvent &event : replay.received())
        seqs.append(event.seq);
    QList<qint64> expected;
    for (qint64 seq = 3; seq <= lastSeq; ++seq)
        expected.append(seq);
    QCOMPARE(seqs, expected);
}

void tst_ReplaySession::resumeAtEndGives204()
{
    qint64 lastSeq = 0;
    const QString id = finishedSession(m_service, "hello", &lastSeq);
    QCOMPARE(lastSeq, 1);
    ReplaySession replay(&m_manager);
    QSignalSpy finished(&replay, &ReplaySession::finished);
    replay.start(ServiceEndpoint(m_service.baseUrl(), QByteArray()), id, {1, 0});
    QVERIFY(finished.wait(10000));
    QCOMPARE(replay.state(), ReplaySession::State::Finished);
    QCOMPARE(replay.httpStatus(), 204);
    QVERIFY(replay.received().isEmpty());
}

void tst_ReplaySession::unknownSession404()
{
    ReplaySession replay(&m_manager);
    QSignalSpy finished(&replay, &ReplaySession::finished);
    const QString id = QStringLiteral("session_20260101_000000_00000000000000000000000000000000");
    replay.start(ServiceEndpoint(m_service.baseUrl(), QByteArray()), id, {});
    QVERIFY(finished.wait(10000));
    QCOMPARE(replay.state(), ReplaySession::State::Failed);
    QCOMPARE(replay.httpStatus(), 404);
    QCOMPARE(replay.errorText(),
             QStringLiteral("Session %1 not found (404): unknown or expired").arg(id));
}

void tst_ReplaySession::evictedEventsGiveAnnouncedGap()
{
    qint64 lastSeq = 0;
    const QString id = finishedSession(m_smallBuffer, "refactor the reporting module", &lastSeq);
    QVERIFY(!id.isEmpty());
    QVERIFY(lastSeq > 3);
    ReplaySession replay(&m_manager);
    QSignalSpy finished(&replay, &ReplaySession::finished);
    replay.start(ServiceEndpoint(m_smallBuffer.baseUrl(), QByteArray()), id, {});
    QVERIFY(finished.wait(10000));
    const QList<ReplayEvent> events = replay.received();
    QCOMPARE(events.size(), 4); // the gap notice and the three retained events
    QVERIFY(events.first().isGap);
    QCOMPARE(events.first().seq, -1);
    QCOMPARE(events.first().gapFrom, 1);
    QCOMPARE(events.first().gapTo, lastSeq - 3);
    const ReplayVerdict verdict = ReplayVerifier::verify(events, 0, lastSeq - 2, lastSeq, false);
    QCOMPARE(verdict.level, ReplayVerdict::Level::Warning);
    QCOMPARE(verdict.received, 3);
    QCOMPARE(verdict.expected, lastSeq);
    QVERIFY2(verdict.text.contains(
                 QStringLiteral("gap announced by the service for 1–%1").arg(lastSeq - 3)),
             qPrintable(verdict.text));
}

void tst_ReplaySession::adminClientPagesAndDeletes()
{
    qint64 lastSeq = 0;
    const QString id = finishedSession(m_service, "refactor the inventory module", &lastSeq);
    QVERIFY(lastSeq >= 3);
    AdminClient admin(&m_manager);
    admin.setEndpoint(ServiceEndpoint(m_service.baseUrl(), QByteArray()));

    QObject context;
    bool done = false;
    SessionPage page;
    admin.fetchSessionPage(id, 1, 2, &context, [&](const SessionPage &p, const QString &error) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        page = p;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(page.events.size(), 2);
    QCOMPARE(page.events.at(0).value("seq").toInteger(), 2);
    QCOMPARE(page.nextAfter.value_or(-1), 3);
    QCOMPARE(page.summary.sessionId, id);
    QCOMPARE(page.summary.lastSeq, lastSeq);

    done = false;
    admin.fetchSession(id, 0, &context, [&](const SessionPage &p, const QString &error) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        page = p;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(page.events.size(), int(lastSeq));
    QCOMPARE(page.events.last().value("seq").toInteger(), lastSeq);

    done = false;
    QString deleteError = "not called";
    admin.deleteSession(id, &context, [&](const QString &error) {
        deleteError = error;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(deleteError, QString());

    done = false;
    QString fetchError;
    admin.fetchSessionPage(id, 0, 1, &context, [&](const SessionPage &, const QString &error) {
        fetchError = error;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY2(fetchError.startsWith("404 Not Found"), qPrintable(fetchError));

    // A callback whose context is gone is never called.
    bool called = false;
    {
        QObject shortLived;
        admin.fetchSessions(&shortLived,
                            [&](const QList<SessionSummary> &, const QString &) { called = true; });
    }
    QObject waiter;
    bool later = false;
    admin.fetchSessions(&waiter,
                        [&](const QList<SessionSummary> &, const QString &) { later = true; });
    QTRY_VERIFY_WITH_TIMEOUT(later, 5000);
    QVERIFY(!called);
}

void tst_ReplaySession::lateConnectionCheck_data()
{
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<int>("delayMs");
    QTest::newRow("greeting, 2 s late") << "hello" << 2000;
    QTest::newRow("refactoring, 300 ms late") << "refactor the auth module" << 300;
}

// The seed's Test 1 as the console runs it.
void tst_ReplaySession::lateConnectionCheck()
{
    QFETCH(QString, prompt);
    QFETCH(int, delayMs);
    AdminClient admin(&m_manager);
    admin.setEndpoint(ServiceEndpoint(m_service.baseUrl(), QByteArray()));
    LateConnectionCheck check(&admin, &m_manager);
    QSignalSpy finished(&check, &LateConnectionCheck::finished);
    LateConnectionCheck::Request request;
    request.prompt = prompt;
    request.userId = "qa";
    request.delayMs = delayMs;
    check.run(request);
    QCOMPARE(check.stage(), LateConnectionCheck::Stage::Starting);
    QVERIFY(finished.wait(20000));
    QCOMPARE(check.stage(), LateConnectionCheck::Stage::Done);
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QVERIFY2(check.connectedAfterMs() >= delayMs,
             qPrintable(QString::number(check.connectedAfterMs())));
    const ReplayVerdict verdict = check.verdict();
    QCOMPARE(verdict.level, ReplayVerdict::Level::Pass);
    QVERIFY(verdict.finalReceived);
    QCOMPARE(verdict.received, verdict.expected);
    QCOMPARE(check.received().size(), int(verdict.expected));
    if (prompt == QLatin1String("hello")) {
        QCOMPARE(verdict.expected, 1);
        QCOMPARE(check.received().first().json.value("type").toString(),
                 QStringLiteral("greeting"));
        QCOMPARE(verdict.text, QStringLiteral("1 of 1 received, in order, no duplicates"));
    }
    QVERIFY2(check.report().contains(check.sessionId()), qPrintable(check.report()));
}

QTEST_GUILESS_MAIN(tst_ReplaySession)
#include "tst_replaysession.moc"
