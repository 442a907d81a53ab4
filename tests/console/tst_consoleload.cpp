#include <app/consolesettings.h>
#include <app/mainwindow.h>
#include <client/adminstreamclient.h>
#include <sessions/sessiontablemodel.h>

#include <serviceprocess.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace ssebuf;

namespace {

// Starts sessions from its own thread, a fixed number in flight, so the GUI thread under
// test only does what the console does.
class SessionStarter : public QObject
{
    Q_OBJECT
public:
    SessionStarter(const QUrl &url, int total, int inFlight)
        : m_url(url)
        , m_total(total)
        , m_inFlight(inFlight)
    {
    }
    void run()
    {
        m_manager = new QNetworkAccessManager(this);
        for (int i = 0; i < m_inFlight; ++i)
            startOne();
    }
    int failures = 0;

Q_SIGNALS:
    void done();

private:
    void startOne()
    {
        if (m_started >= m_total)
            return;
        ++m_started;
        QNetworkRequest request(m_url);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        const QByteArray body
            = QJsonDocument(QJsonObject {{"user_id", QStringLiteral("load_%1").arg(m_started % 50)},
                                         {"user_prompt", "hello"}})
                  .toJson(QJsonDocument::Compact);
        QNetworkReply *reply = m_manager->post(request, body);
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 201)
                ++failures;
            if (++m_finished == m_total)
                Q_EMIT done();
            else
                startOne();
        });
    }

    QNetworkAccessManager *m_manager = nullptr;
    QUrl m_url;
    int m_total;
    int m_inFlight;
    int m_started = 0;
    int m_finished = 0;
};

} // namespace

// 10,000 sessions started against a real ssebufd while the console window is connected:
// every one reaches the table, and the GUI thread never stalls long.
class tst_ConsoleLoad : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tenThousandLiveSessions();
};

void tst_ConsoleLoad::tenThousandLiveSessions()
{
    constexpr int Sessions = 10000;
    ServiceProcess service;
    QVERIFY2(service.start({"--pipeline", "demo", "--max-sessions", "20000"}),
             qPrintable(service.errorText()));
    QTemporaryDir dir;
    ConsoleSettings settings(dir.filePath("console.ini"));
    MainWindow window(&settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.connectToService(service.baseUrl(), QByteArray(), false);
    QTRY_COMPARE_WITH_TIMEOUT(window.streamClient()->state(), AdminStreamClient::State::Connected,
                              5000);

    // The longest the GUI thread went without serving a 10 ms timer.
    qint64 worstGapMs = 0;
    QElapsedTimer sinceTick;
    sinceTick.start();
    QTimer ticker;
    ticker.setInterval(10);
    connect(&ticker, &QTimer::timeout, this,
            [&] { worstGapMs = qMax(worstGapMs, sinceTick.restart()); });
    ticker.start();

    QThread thread;
    SessionStarter starter(service.url("/api/refactor"), Sessions, 16);
    starter.moveToThread(&thread);
    QSignalSpy done(&starter, &SessionStarter::done);
    connect(&thread, &QThread::started, &starter, &SessionStarter::run);
    QElapsedTimer clock;
    clock.start();
    thread.start();
    QVERIFY(done.wait(60000));
    const qint64 postedMs = clock.elapsed();
    thread.quit();
    thread.wait();
    QCOMPARE(starter.failures, 0);
    SessionTableModel *model = window.sessionModel();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), Sessions, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->totals().running, 0, 10000);
    const qint64 liveMs = clock.elapsed();
    const qint64 liveWorst = worstGapMs;
    const qint64 messages = window.streamClient()->messagesReceived();

    // Reconnect: the snapshot now carries 10,000 summaries.
    worstGapMs = 0;
    window.disconnectFromService();
    clock.restart();
    sinceTick.restart();
    window.connectToService(service.baseUrl(), QByteArray(), false);
    QTRY_COMPARE_WITH_TIMEOUT(window.streamClient()->messagesReceived(), messages + 1, 10000);
    const qint64 snapshotMs = clock.elapsed();
    QCOMPARE(model->rowCount(), Sessions);
    QTRY_VERIFY_WITH_TIMEOUT(window.totalsText().startsWith("10,000 sessions · 0 running"), 3000);

    qInfo("%d sessions started in %lld ms; all %lld admin messages applied after %lld ms; longest "
          "GUI "
          "stall %lld ms; 10,000-session snapshot applied in %lld ms (longest stall %lld ms)",
          Sessions, postedMs, messages, liveMs, liveWorst, snapshotMs, worstGapMs);
    // Generous bounds for a shared 2-core machine: the point is that nothing is O(n²) or
    // done per message in the view.
    QVERIFY2(liveWorst < 1500, qPrintable(QString::number(liveWorst)));
    QVERIFY2(snapshotMs < 5000, qPrintable(QString::number(snapshotMs)));
}

QTEST_MAIN(tst_ConsoleLoad)
#include "tst_consoleload.moc"
