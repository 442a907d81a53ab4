#include <app/consolesettings.h>
#include <app/mainwindow.h>
#include <client/adminstreamclient.h>
#include <inspector/bufferinspector.h>
#include <inspector/eventlistmodel.h>
#include <inspector/subscribermodel.h>
#include <replay/lateconnectioncheck.h>
#include <replay/lateconnectiondialog.h>
#include <replay/replayeventmodel.h>
#include <replay/replaypanel.h>
#include <replay/replaysession.h>
#include <sessions/sessionfilterproxymodel.h>
#include <sessions/sessiontablemodel.h>

#include <httptestclient.h>
#include <processtestkit.h>
#include <rawsseclient.h>
#include <serviceprocess.h>
#include <sessiontestkit.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace ssebuf;

// Drives the real console widgets against real ssebufd processes: one with an admin token
// and the demo pipeline, one with the external pipeline (the test publishes its events).
class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void rejectsBadUrlAndWrongToken();
    void connectsAndListsSessions();
    void selectShowsBufferAndJson();
    void replayGivesVerdict();
    void followsRunningSessionAndSubscribers();
    void filterByTextAndState();
    void deleteAsksFirst();
    void cancelAsksFirstAndShowsCancelled();
    void replayFromNowAndLastN();
    void exportAndCurl();
    void lateConnectionCheckDialog();
    void remembersUrlAndLayout();

private:
    void connectWindow(const QUrl &url, const QString &token);
    void clickRow(QTableView *view, int row);
    // A session of the external-pipeline service, and publishing into it.
    QString startExternal();
    int publishExternal(const QString &id, const QString &message, bool final = false);
    template<typename T> T *find(const char *name)
    {
        T *widget = m_window->findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qWarning("no widget %s", name);
        return widget;
    }

    QTemporaryDir m_dir;
    ServiceProcess m_service;
    ServiceProcess m_external;
    HttpTestClient m_http;
    QList<QPair<QByteArray, QByteArray>> m_auth {{"Authorization", "Bearer gui-token"}};
    std::unique_ptr<ConsoleSettings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    QStringList m_questions;
    bool m_answer = true;
};

void tst_MainWindow::initTestCase()
{
    const QString tokenFile = m_dir.filePath("token");
    QVERIFY(testkit::writeFile(tokenFile, "gui-token\n"));
    QVERIFY2(m_service.start(
                 {"--pipeline", "demo", "--demo-step-ms", "40", "--admin-token-file", tokenFile}),
             qPrintable(m_service.errorText()));
    QVERIFY2(m_external.start({"--pipeline", "external"}), qPrintable(m_external.errorText()));
}

void tst_MainWindow::init()
{
    m_settings = std::make_unique<ConsoleSettings>(m_dir.filePath("console.ini"));
    m_window = std::make_unique<MainWindow>(m_settings.get());
    m_questions.clear();
    m_answer = true;
    m_window->setConfirmFunction([this](const QString &, const QString &question) {
        m_questions.append(question);
        return m_answer;
    });
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void tst_MainWindow::cleanup()
{
    m_window.reset();
    m_settings.reset();
}

void tst_MainWindow::connectWindow(const QUrl &url, const QString &token)
{
    auto *urlCombo = find<QComboBox>("urlCombo");
    auto *tokenEdit = find<QLineEdit>("tokenEdit");
    QVERIFY(urlCombo && tokenEdit);
    QTest::keyClick(m_window.get(), Qt::Key_L, Qt::ControlModifier);
    QVERIFY(urlCombo->lineEdit()->hasFocus());
    QTest::keyClicks(urlCombo->lineEdit(), url.toString());
    tokenEdit->clear();
    QTest::keyClicks(tokenEdit, token);
    QTest::mouseClick(find<QPushButton>("connectButton"), Qt::LeftButton);
}

QString tst_MainWindow::startExternal()
{
    return testkit::startSession(m_http, m_external,
                                 testkit::startBody("refactor", {{"user_id", "ivan"}}));
}

int tst_MainWindow::publishExternal(const QString &id, const QString &message, bool final)
{
    return testkit::publishStatus(
        m_http, m_external, id,
        testkit::messageEvent(message,
                              final ? QStringLiteral("completed") : QStringLiteral("running")));
}

void tst_MainWindow::clickRow(QTableView *view, int row)
{
    const QModelIndex index = view->model()->index(row, 0);
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
}

void tst_MainWindow::rejectsBadUrlAndWrongToken()
{
    auto *state = find<QLabel>("connectionState");
    QCOMPARE(state->text(), QStringLiteral("○ disconnected"));
    connectWindow(QUrl("ftp://127.0.0.1:1"), QString());
    QCOMPARE(state->text(),
             QStringLiteral("✖ Unsupported scheme \"ftp\" in the service URL: use http or https"));

    find<QComboBox>("urlCombo")->clearEditText();
    connectWindow(m_service.baseUrl(), "wrong-token");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->streamClient()->state(), AdminStreamClient::State::Failed,
                              5000);
    QVERIFY2(state->text().startsWith("✖ 403 Forbidden: the admin token is wrong"),
             qPrintable(state->text()));
    QCOMPARE(find<QPushButton>("connectButton")->text(), QStringLiteral("Connect"));

    find<QComboBox>("urlCombo")->clearEditText();
    connectWindow(m_service.baseUrl(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->streamClient()->state(), AdminStreamClient::State::Failed,
                              5000);
    QVERIFY2(state->text().startsWith("✖ 401 Unauthorized"), qPrintable(state->text()));
}

void tst_MainWindow::connectsAndListsSessions()
{
    const QString a = testkit::startSession(m_http, m_service,
                                            testkit::startBody("hello", {{"user_id", "alice"}}));
    const QString b = testkit::startSession(
        m_http, m_service, testkit::startBody("refactor the cart module", {{"user_id", "bob"}}));
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    connectWindow(m_service.baseUrl(), "gui-token");
    auto *state = find<QLabel>("connectionState");
    QTRY_VERIFY_WITH_TIMEOUT(state->text().startsWith("● connected · v"), 5000);
    QCOMPARE(find<QPushButton>("connectButton")->text(), QStringLiteral("Disconnect"));
    QVERIFY2(state->text().contains("memory"), qPrintable(state->text()));

    SessionTableModel *model = m_window->sessionModel();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(a) >= 0 && model->rowOf(b) >= 0, 5000);
    // Sessions created after connecting arrive through the stream, no polling.
    const QString c = testkit::startSession(m_http, m_service,
                                            testkit::startBody("hello", {{"user_id", "carol"}}));
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(c) >= 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionStateName(model->summary(c)->state),
                              QStringLiteral("completed"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionStateName(model->summary(b)->state),
                              QStringLiteral("completed"), 10000);
    const int rows = model->rowCount();
    auto *view = find<QTableView>("sessionTable");
    QCOMPARE(view->model()->rowCount(), rows);
    // Newest first.
    QCOMPARE(view->model()->index(0, SessionTableModel::IdColumn).data().toString(), c);
    QCOMPARE(view->model()->index(0, SessionTableModel::UserColumn).data().toString(),
             QStringLiteral("carol"));
    QCOMPARE(view->model()->index(0, SessionTableModel::EventsColumn).data().toString(),
             QStringLiteral("1"));
    QTRY_VERIFY_WITH_TIMEOUT(
        find<QLabel>("totalsLabel")->text().startsWith(QStringLiteral("%1 sessions · ").arg(rows)),
        3000);
}

void tst_MainWindow::selectShowsBufferAndJson()
{
    const QString id = testkit::startSession(
        m_http, m_service, testkit::startBody("refactor the ledger module", {{"user_id", "dave"}}));
    QCOMPARE(testkit::waitUntilEnded(m_http, m_service, id, m_auth).value("state").toString(),
             QStringLiteral("completed"));
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->sessionModel()->rowOf(id) >= 0, 5000);
    auto *view = find<QTableView>("sessionTable");
    auto *filter = find<QLineEdit>("filterEdit");
    QTest::keyClicks(filter, id);
    QCOMPARE(view->model()->rowCount(), 1);
    clickRow(view, 0);
    QCOMPARE(m_window->selectedSessionId(), id);

    const qint64 lastSeq = m_window->sessionModel()->summary(id)->lastSeq;
    QVERIFY(lastSeq >= 3);
    auto *events = find<QTableView>("eventTable");
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), int(lastSeq), 5000);
    QCOMPARE(events->model()->index(0, EventListModel::SeqColumn).data().toLongLong(), 1);
    QCOMPARE(
        events->model()->index(int(lastSeq) - 1, EventListModel::StatusColumn).data().toString(),
        QStringLiteral("completed"));
    clickRow(events, 1);
    const QString json = find<QPlainTextEdit>("eventJson")->toPlainText();
    const QJsonObject object = QJsonDocument::fromJson(json.toUtf8()).object();
    QCOMPARE(object.value("seq").toInteger(), 2);
    QCOMPARE(object.value("session_id").toString(), id);
    QVERIFY2(json.contains("\n    \"seq\": 2"), qPrintable(json)); // pretty-printed
    QVERIFY(find<QLabel>("inspectorTitle")->text().contains(id));

    // F5 fetches the buffer again (same events, nothing duplicated).
    QSignalSpy updated(m_window->inspector(), &BufferInspector::bufferUpdated);
    QTest::keyClick(m_window.get(), Qt::Key_F5);
    QVERIFY(updated.wait(5000));
    QCOMPARE(events->model()->rowCount(), int(lastSeq));
    // The table's context menu offers the session actions.
    QStringList contextActions;
    for (const QAction *action : view->actions())
        contextActions << action->objectName();
    QCOMPARE(contextActions,
             QStringList({"replayAction", "exportAction", "copyCurlAction", "refreshAction",
                          "cancelAction", "deleteAction"}));
}

void tst_MainWindow::replayGivesVerdict()
{
    const QString id = testkit::startSession(
        m_http, m_service,
        testkit::startBody("refactor the shipping module", {{"user_id", "erin"}}));
    QCOMPARE(testkit::waitUntilEnded(m_http, m_service, id, m_auth).value("state").toString(),
             QStringLiteral("completed"));
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    const qint64 lastSeq = m_window->sessionModel()->summary(id)->lastSeq;

    auto *tabs = find<QTabWidget>("inspectorTabs");
    tabs->setCurrentIndex(BufferInspector::ReplayTab);
    auto *verdict = find<QLabel>("replayVerdict");
    auto *table = find<QTableView>("replayTable");
    find<QSpinBox>("replayDelay")->setValue(200);
    QTest::mouseClick(find<QPushButton>("replayStartButton"), Qt::LeftButton);
    QCOMPARE(m_window->inspector()->replayPanel()->replaySession()->state(),
             ReplaySession::State::Waiting);
    QTRY_COMPARE_WITH_TIMEOUT(
        verdict->text(),
        QStringLiteral("✔ %1 of %1 received, in order, no duplicates").arg(lastSeq), 10000);
    QCOMPARE(table->model()->rowCount(), int(lastSeq));
    QCOMPARE(table->model()->index(0, ReplayEventModel::SeqColumn).data().toLongLong(), 1);
    QVERIFY(table->model()
                ->index(0, ReplayEventModel::SinceConnectColumn)
                .data()
                .toString()
                .startsWith("+"));

    // Resume after a chosen id through the widgets.
    QTest::mouseClick(find<QWidget>("replayFromId"), Qt::LeftButton);
    auto *lastId = find<QSpinBox>("replayLastEventId");
    QVERIFY(lastId->isEnabled());
    lastId->setValue(int(lastSeq) - 2);
    find<QSpinBox>("replayDelay")->setValue(0);
    QTest::mouseClick(find<QPushButton>("replayStartButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(verdict->text(),
                              QStringLiteral("✔ 2 of 2 received, in order, no duplicates"), 10000);
    QCOMPARE(table->model()->rowCount(), 2);
    QCOMPARE(table->model()->index(0, ReplayEventModel::SeqColumn).data().toLongLong(),
             lastSeq - 1);
}

void tst_MainWindow::followsRunningSessionAndSubscribers()
{
    const QString publishPath = QStringLiteral("/api/sessions/%1/events");
    const HttpTestReply started = m_http.postJson(
        m_external.url("/api/refactor"), {{"user_id", "frank"}, {"user_prompt", "refactor"}});
    QCOMPARE(started.status, 201);
    const QString id = started.json().value("session_id").toString();
    const auto publish = [&](const QString &message, bool final) {
        QJsonObject event {{"type", "progress"},
                           {"status", final ? "completed" : "running"},
                           {"message", message}};
        if (final)
            event.insert("final", true);
        return m_http.postJson(m_external.url(publishPath.arg(id)), event).status;
    };
    QCOMPARE(publish("first", false), 201);

    connectWindow(m_external.baseUrl(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    auto *events = find<QTableView>("eventTable");
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 1, 5000);

    // A client connects: the Subscribers tab shows it and where it resumed.
    RawSseClient client;
    client.open(m_external.url("/api/refactor/" + id + "/sse"), {{"Last-Event-ID", "1"}});
    auto *subscribers = find<QTableView>("subscriberTable");
    QTRY_COMPARE_WITH_TIMEOUT(subscribers->model()->rowCount(), 1, 5000);
    QCOMPARE(subscribers->model()->index(0, SubscriberModel::ResumeColumn).data().toString(),
             QStringLiteral("after 1"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->sessionModel()->summary(id)->subscribers, 1, 5000);

    // Events published now appear without any action.
    QCOMPARE(publish("second", false), 201);
    QCOMPARE(publish("third", false), 201);
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 3, 5000);
    QCOMPARE(events->model()->index(2, EventListModel::MessageColumn).data().toString(),
             QStringLiteral("third"));
    QCOMPARE(publish("done", true), 201);
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->rowCount(), 4, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionStateName(m_window->sessionModel()->summary(id)->state),
                              QStringLiteral("completed"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(subscribers->model()->rowCount(), 0, 5000);
    QCOMPARE(client.sequence(), QList<qint64>({2, 3, 4}));
}

void tst_MainWindow::filterByTextAndState()
{
    const QString unique = QStringLiteral("grace_%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString id = testkit::startSession(m_http, m_service,
                                             testkit::startBody("hello", {{"user_id", unique}}));
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->sessionModel()->rowOf(id) >= 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionStateName(m_window->sessionModel()->summary(id)->state),
                              QStringLiteral("completed"), 5000);
    auto *view = find<QTableView>("sessionTable");
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    auto *filter = find<QLineEdit>("filterEdit");
    QVERIFY(filter->hasFocus());
    QTest::keyClicks(filter, unique.toUpper());
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(view->model()->index(0, SessionTableModel::IdColumn).data().toString(), id);
    QVERIFY(find<QLabel>("totalsLabel")->text().contains(" · 1 shown"));
    auto *states = find<QComboBox>("stateFilterCombo");
    states->setCurrentIndex(states->findData("running"));
    QCOMPARE(view->model()->rowCount(), 0);
    states->setCurrentIndex(states->findData("completed"));
    QCOMPARE(view->model()->rowCount(), 1);
    filter->clear();
    QCOMPARE(view->model()->rowCount(), m_window->sessionProxy()->rowCount());
    for (int row = 0; row < view->model()->rowCount(); ++row)
        QCOMPARE(view->model()->index(row, SessionTableModel::StateColumn).data().toString(),
                 QStringLiteral("completed"));
}

void tst_MainWindow::deleteAsksFirst()
{
    const QString id = testkit::startSession(m_http, m_service,
                                             testkit::startBody("hello", {{"user_id", "heidi"}}));
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    auto *view = find<QTableView>("sessionTable");
    view->setFocus();
    QSignalSpy deleted(m_window.get(), &MainWindow::sessionDeleted);

    m_answer = false;
    QTest::keyClick(view, Qt::Key_Delete);
    QCOMPARE(m_questions.size(), 1);
    QVERIFY(m_questions.first().contains(id));
    QCOMPARE(deleted.count(), 0);
    QCOMPARE(m_http.get(m_service.url(testkit::adminSessionPath(id) + "?limit=1"), m_auth).status,
             200);

    m_answer = true;
    QTest::keyClick(view, Qt::Key_Delete);
    QCOMPARE(m_questions.size(), 2);
    QVERIFY(deleted.wait(5000));
    QCOMPARE(deleted.at(0).at(0).toString(), id);
    QCOMPARE(deleted.at(0).at(1).toString(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->sessionModel()->rowOf(id), -1, 5000);
    QCOMPARE(m_http.get(m_service.url(testkit::adminSessionPath(id)), m_auth).status, 404);
}

// Session > Cancel asks first (the seam answers), then the service ends the session with its
// "cancelled" event; the table shows it as cancelled, not failed, and the action is off.
void tst_MainWindow::cancelAsksFirstAndShowsCancelled()
{
    const QString id = startExternal();
    QCOMPARE(publishExternal(id, "working"), 201);
    connectWindow(m_external.baseUrl(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    auto *cancel = m_window->findChild<QAction *>("cancelAction");
    QVERIFY(cancel);
    QTRY_VERIFY_WITH_TIMEOUT(cancel->isEnabled(), 5000);

    m_answer = false;
    cancel->trigger();
    QCOMPARE(m_questions.size(), 1);
    QVERIFY(m_questions.first().contains(id));
    QCOMPARE(m_http.get(m_external.url("/api/admin/sessions/" + id)).json().value("state"),
             QJsonValue("running"));

    m_answer = true;
    cancel->trigger();
    QCOMPARE(m_questions.size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->sessionModel()->summary(id)->isCancelled(), 5000);
    const QJsonObject summary = m_http.get(m_external.url("/api/admin/sessions/" + id)).json();
    QCOMPARE(summary.value("state").toString(), QStringLiteral("failed"));
    QCOMPARE(summary.value("cancelled").toBool(), true);
    const QJsonArray events = summary.value("events").toArray();
    QCOMPARE(events.last().toObject().value("type").toString(), QStringLiteral("cancelled"));
    QCOMPARE(events.last().toObject().value("message").toString(),
             QStringLiteral("cancelled from the console"));
    auto *model = m_window->sessionModel();
    const QModelIndex state = model->index(model->rowOf(id), SessionTableModel::StateColumn);
    QTRY_COMPARE_WITH_TIMEOUT(state.data().toString(), QStringLiteral("cancelled"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!cancel->isEnabled(), 5000);
    // The state filter tells cancelled from failed.
    auto *combo = find<QComboBox>("stateFilterCombo");
    combo->setCurrentIndex(combo->findData("failed"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->selectSession(id), false, 5000);
    combo->setCurrentIndex(combo->findData("cancelled"));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
}

// The replay panel starts "from now" (only new events) or with the "last N" events.
void tst_MainWindow::replayFromNowAndLastN()
{
    const QString id = startExternal();
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(publishExternal(id, QStringLiteral("e%1").arg(i)), 201);
    connectWindow(m_external.baseUrl(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    find<QTabWidget>("inspectorTabs")->setCurrentIndex(BufferInspector::ReplayTab);
    ReplaySession *replay = m_window->inspector()->replayPanel()->replaySession();
    auto *table = find<QTableView>("replayTable");
    auto *verdict = find<QLabel>("replayVerdict");

    QTest::mouseClick(find<QWidget>("replayFromTail"), Qt::LeftButton);
    auto *tail = find<QSpinBox>("replayTail");
    QVERIFY(tail->isEnabled());
    tail->setValue(2);
    QTest::mouseClick(find<QPushButton>("replayStartButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, 5000);
    QCOMPARE(table->model()->index(0, ReplayEventModel::SeqColumn).data().toLongLong(), 4);
    QCOMPARE(replay->options().tail, 2);
    QTest::mouseClick(find<QPushButton>("replayStopButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!verdict->text().isEmpty(), 5000);

    QTest::mouseClick(find<QWidget>("replayFromNow"), Qt::LeftButton);
    QVERIFY(!tail->isEnabled());
    QTest::mouseClick(find<QPushButton>("replayStartButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(replay->state(), ReplaySession::State::Streaming, 5000);
    QVERIFY(replay->options().fromNow);
    QCOMPARE(publishExternal(id, "live"), 201);
    QCOMPARE(publishExternal(id, "done", true), 201);
    QTRY_COMPARE_WITH_TIMEOUT(verdict->text(),
                              QStringLiteral("✔ 2 of 2 received, in order, no duplicates"), 10000);
    QCOMPARE(table->model()->rowCount(), 2);
    QCOMPARE(table->model()->index(0, ReplayEventModel::SeqColumn).data().toLongLong(), 6);
}

void tst_MainWindow::exportAndCurl()
{
    const QString id = testkit::startSession(
        m_http, m_service, testkit::startBody("refactor the export module", {{"user_id", "ivan"}}));
    QCOMPARE(testkit::waitUntilEnded(m_http, m_service, id, m_auth).value("state").toString(),
             QStringLiteral("completed"));
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->selectSession(id), 5000);
    const QString path = m_dir.filePath("export.ndjson");
    QString suggested;
    m_window->setSavePathFunction([&](const QString &name) {
        suggested = name;
        return path;
    });
    QSignalSpy exported(m_window.get(), &MainWindow::exportFinished);
    QTest::keyClick(m_window.get(), Qt::Key_E, Qt::ControlModifier);
    QVERIFY(exported.wait(5000));
    QCOMPARE(exported.at(0).at(1).toString(), QString());
    QCOMPARE(suggested, id + ".ndjson");
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    const qint64 lastSeq = m_window->sessionModel()->summary(id)->lastSeq;
    QCOMPARE(lines.size(), int(lastSeq) + 1);
    for (int i = 0; i < lastSeq; ++i)
        QCOMPARE(QJsonDocument::fromJson(lines.at(i)).object().value("seq").toInteger(), i + 1);

    QTest::keyClick(m_window.get(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    const QString expected = QStringLiteral("curl -N -H 'Accept: text/event-stream' '%1'")
                                 .arg(m_service.url("/api/refactor/" + id + "/sse").toString());
    QCOMPARE(QApplication::clipboard()->text(), expected);
}

void tst_MainWindow::lateConnectionCheckDialog()
{
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->streamClient()->state(),
                              AdminStreamClient::State::Connected, 5000);
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    LateConnectionDialog *dialog = m_window->lateConnectionDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    auto *delay = dialog->findChild<QSpinBox *>("lateDelay");
    delay->setValue(600);
    auto *verdict = dialog->findChild<QLabel *>("lateVerdict");
    QTest::mouseClick(dialog->findChild<QPushButton *>("lateRunButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(verdict->text().startsWith("✔ Started session_"), 10000);
    QVERIFY2(
        verdict->text().contains("1 of 1 received, in order, no duplicates, final event received"),
        qPrintable(verdict->text()));
    QCOMPARE(dialog->findChild<QTableView *>("lateEventTable")->model()->rowCount(), 1);
    QVERIFY(dialog->check()->connectedAfterMs() >= 600);
    // The check's session shows up in the live table.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->sessionModel()->rowOf(dialog->check()->sessionId()) >= 0,
                             5000);
}

void tst_MainWindow::remembersUrlAndLayout()
{
    connectWindow(m_service.baseUrl(), "gui-token");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->streamClient()->state(),
                              AdminStreamClient::State::Connected, 5000);
    auto *view = find<QTableView>("sessionTable");
    view->horizontalHeader()->resizeSection(SessionTableModel::UserColumn, 123);
    m_window->close();
    m_window.reset();
    m_window = std::make_unique<MainWindow>(m_settings.get());
    QCOMPARE(find<QComboBox>("urlCombo")->currentText(), m_service.baseUrl().toString());
    QCOMPARE(find<QLineEdit>("tokenEdit")->text(), QStringLiteral("gui-token"));
    QCOMPARE(find<QTableView>("sessionTable")
                 ->horizontalHeader()
                 ->sectionSize(SessionTableModel::UserColumn),
             123);
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
