#include "mainwindow.h"

#include "app/connectionbar.h"
#include "app/consolesettings.h"
#include "client/adminclient.h"
#include "client/consolelogging.h"
#include "inspector/bufferinspector.h"
#include "replay/replaypanel.h"
#include "sessions/sessionfilterproxymodel.h"
#include "sessions/sessiontablemodel.h"
#include "sessions/sparklinewidget.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QNetworkAccessManager>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace ssebuf {

MainWindow::MainWindow(ConsoleSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_network(new QNetworkAccessManager(this))
    , m_stream(new AdminStreamClient(m_network, this))
    , m_admin(new AdminClient(m_network, this))
    , m_model(new SessionTableModel(this))
    , m_proxy(new SessionFilterProxyModel(this))
    , m_commands(new SessionCommands(m_admin, m_network, this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("ssebuf console"));
    m_proxy->setSourceModel(m_model);
    connect(m_commands, &SessionCommands::sessionDeleted, this, &MainWindow::sessionDeleted);
    connect(m_commands, &SessionCommands::exportFinished, this, &MainWindow::exportFinished);
    connect(m_commands, &SessionCommands::status, this,
            [this](const QString &text) { showStatus(text); });

    createWidgets();
    createActions();
    restoreLayout();

    connect(m_stream, &AdminStreamClient::stateChanged, this, &MainWindow::stream_stateChanged);
    connect(m_stream, &AdminStreamClient::messageReceived, this,
            &MainWindow::stream_messageReceived);
    connect(m_model, &SessionTableModel::flushed, this, &MainWindow::model_flushed);
    connect(m_sessionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::selection_currentRowChanged);
    m_clockTimer.setInterval(1000);
    connect(&m_clockTimer, &QTimer::timeout, this, &MainWindow::clockTimer_timeout);
    m_clockTimer.start();
    m_connectionBar->updateState();
    updateTotals();
    updateActions();
}

MainWindow::~MainWindow()
{
    saveLayout();
}

void MainWindow::createWidgets()
{
    m_connectionBar = new ConnectionBar(m_settings, m_stream, m_model, this);
    connect(m_connectionBar, &ConnectionBar::connectRequested, this,
            &MainWindow::connectionBar_connectRequested);
    connect(m_connectionBar, &ConnectionBar::disconnectRequested, this,
            &MainWindow::disconnectFromService);
    addToolBar(m_connectionBar);

    auto *central = new QWidget(this);
    auto *filterRow = new QHBoxLayout;
    m_filterEdit = new QLineEdit(central);
    m_filterEdit->setObjectName(QStringLiteral("filterEdit"));
    m_filterEdit->setPlaceholderText(tr("Filter by session id or user (Ctrl+F)"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &MainWindow::filterEdit_textChanged);
    m_stateCombo = new QComboBox(central);
    m_stateCombo->setObjectName(QStringLiteral("stateFilterCombo"));
    m_stateCombo->addItem(tr("all states"), QString());
    for (SessionState state : allSessionStates)
        m_stateCombo->addItem(sessionStateName(state), sessionStateName(state));
    m_stateCombo->addItem(QStringLiteral("cancelled"), QStringLiteral("cancelled"));
    connect(m_stateCombo, &QComboBox::currentIndexChanged, this,
            &MainWindow::stateCombo_currentIndexChanged);
    m_sparkline = new SparklineWidget(central);
    m_sparkline->setObjectName(QStringLiteral("sparkline"));
    filterRow->addWidget(new QLabel(tr("Filter"), central));
    filterRow->addWidget(m_filterEdit, 2);
    filterRow->addWidget(new QLabel(tr("State"), central));
    filterRow->addWidget(m_stateCombo);
    filterRow->addStretch(1);
    filterRow->addWidget(new QLabel(tr("Service events/s"), central));
    filterRow->addWidget(m_sparkline);

    m_sessionView = new QTableView(central);
    m_sessionView->setObjectName(QStringLiteral("sessionTable"));
    m_sessionView->setModel(m_proxy);
    m_sessionView->setSortingEnabled(true);
    m_sessionView->sortByColumn(SessionTableModel::AgeColumn, Qt::AscendingOrder);
    m_sessionView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sessionView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sessionView->setTextElideMode(Qt::ElideMiddle);
    m_sessionView->setWordWrap(false);
    m_sessionView->setAlternatingRowColors(true);
    m_sessionView->verticalHeader()->hide();
    m_sessionView->verticalHeader()->setDefaultSectionSize(m_sessionView->fontMetrics().height()
                                                           + 6);
    m_sessionView->horizontalHeader()->setSectionsMovable(true);
    m_sessionView->horizontalHeader()->setHighlightSections(false);
    const int widths[SessionTableModel::ColumnCount] = {150, 95, 88, 78, 50, 62, 58, 75, 45, 78};
    for (int column = 0; column < SessionTableModel::ColumnCount; ++column)
        m_sessionView->setColumnWidth(column, widths[column]);

    m_inspector = new BufferInspector(m_admin, m_network, central);
    m_inspector->setObjectName(QStringLiteral("bufferInspector"));

    m_splitter = new QSplitter(Qt::Horizontal, central);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_sessionView);
    m_splitter->addWidget(m_inspector);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(central);
    layout->addLayout(filterRow);
    layout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_totalsLabel = new QLabel(this);
    m_totalsLabel->setObjectName(QStringLiteral("totalsLabel"));
    statusBar()->addPermanentWidget(m_totalsLabel);
    resize(1360, 820);
}

void MainWindow::createActions()
{
    auto *fileMenu = menuBar()->addMenu(tr("&Service"));
    auto *focusUrl = fileMenu->addAction(tr("Edit service &URL"));
    focusUrl->setObjectName(QStringLiteral("focusUrlAction"));
    focusUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(focusUrl, &QAction::triggered, m_connectionBar, &ConnectionBar::focusUrl);
    auto *focusFilter = fileMenu->addAction(tr("&Filter sessions"));
    focusFilter->setObjectName(QStringLiteral("focusFilterAction"));
    focusFilter->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F));
    connect(focusFilter, &QAction::triggered, this, [this] {
        m_filterEdit->setFocus(Qt::ShortcutFocusReason);
        m_filterEdit->selectAll();
    });
    fileMenu->addSeparator();
    auto *quit = fileMenu->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto *sessionMenu = menuBar()->addMenu(tr("S&ession"));
    m_deleteAction = new QAction(tr("&Delete session…"), this);
    m_deleteAction->setObjectName(QStringLiteral("deleteAction"));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    // Del in the filter or URL field edits text; it deletes sessions only from the table.
    m_deleteAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_sessionView->addAction(m_deleteAction);
    connect(m_deleteAction, &QAction::triggered, this, &MainWindow::deleteSelectedSession);
    m_cancelAction = new QAction(tr("C&ancel session…"), this);
    m_cancelAction->setObjectName(QStringLiteral("cancelAction"));
    m_cancelAction->setToolTip(tr("Stop the selected running session (its producer too)"));
    connect(m_cancelAction, &QAction::triggered, this, &MainWindow::cancelSelectedSession);
    m_exportAction = new QAction(tr("&Export events as NDJSON…"), this);
    m_exportAction->setObjectName(QStringLiteral("exportAction"));
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportSelectedSession);
    m_curlAction = new QAction(tr("&Copy curl command"), this);
    m_curlAction->setObjectName(QStringLiteral("copyCurlAction"));
    m_curlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(m_curlAction, &QAction::triggered, this, &MainWindow::copyCurlCommand);
    m_replayAction = new QAction(tr("&Replay session"), this);
    m_replayAction->setObjectName(QStringLiteral("replayAction"));
    m_replayAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_replayAction, &QAction::triggered, this, [this] {
        m_inspector->setCurrentTab(BufferInspector::ReplayTab);
        m_inspector->replayPanel()->startReplay();
    });
    m_lateAction = new QAction(tr("&Late-connection check…"), this);
    m_lateAction->setObjectName(QStringLiteral("lateCheckAction"));
    m_lateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(m_lateAction, &QAction::triggered, this, &MainWindow::showLateConnectionCheck);
    auto *refresh = new QAction(tr("Re&fresh selected session"), this);
    refresh->setObjectName(QStringLiteral("refreshAction"));
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, m_inspector, &BufferInspector::refresh);
    addAction(refresh);
    // Right-click on a session offers what the Session menu does.
    m_sessionView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_sessionView->insertActions(
        m_deleteAction, {m_replayAction, m_exportAction, m_curlAction, refresh, m_cancelAction});
    sessionMenu->addAction(refresh);
    sessionMenu->addAction(m_cancelAction);
    sessionMenu->addAction(m_deleteAction);
    sessionMenu->addAction(m_exportAction);
    sessionMenu->addAction(m_curlAction);
    sessionMenu->addAction(m_replayAction);
    sessionMenu->addSeparator();
    sessionMenu->addAction(m_lateAction);
    addAction(m_exportAction);
    addAction(m_curlAction);
    addAction(m_replayAction);
    addAction(m_lateAction);

    auto *sessionBar = addToolBar(tr("Session"));
    sessionBar->setObjectName(QStringLiteral("sessionToolBar"));
    sessionBar->setMovable(false);
    sessionBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    sessionBar->addAction(m_lateAction);
    sessionBar->addAction(m_exportAction);
    sessionBar->addAction(m_curlAction);
    sessionBar->addAction(m_cancelAction);
    sessionBar->addAction(m_deleteAction);
}

void MainWindow::restoreLayout()
{
    if (!m_settings->windowGeometry().isEmpty())
        restoreGeometry(m_settings->windowGeometry());
    if (!m_settings->windowState().isEmpty())
        restoreState(m_settings->windowState());
    if (!m_settings->splitterState().isEmpty())
        m_splitter->restoreState(m_settings->splitterState());
    else
        m_splitter->setSizes({820, 540});
    if (!m_settings->sessionHeaderState().isEmpty())
        m_sessionView->horizontalHeader()->restoreState(m_settings->sessionHeaderState());
    if (!m_settings->eventHeaderState().isEmpty())
        m_inspector->eventView()->horizontalHeader()->restoreState(m_settings->eventHeaderState());
}

void MainWindow::saveLayout()
{
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->setSplitterState(m_splitter->saveState());
    m_settings->setSessionHeaderState(m_sessionView->horizontalHeader()->saveState());
    m_settings->setEventHeaderState(m_inspector->eventView()->horizontalHeader()->saveState());
    m_settings->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::connectionBar_connectRequested()
{
    QString error;
    const std::optional<QUrl> url
        = ServiceEndpoint::parseBaseUrl(m_connectionBar->urlText(), &error);
    if (!url) {
        m_stream->close();
        m_connectionBar->showError(error);
        showStatus(error);
        return;
    }
    connectToService(*url, m_connectionBar->token(), true);
}

void MainWindow::connectToService(const QUrl &url, const QByteArray &token, bool remember)
{
    const QString text = url.toString();
    m_connectionBar->showEndpoint(text, token);
    const ServiceEndpoint endpoint(url, token);
    if (m_stream->endpoint().baseUrl() != url) {
        m_model->clear();
        m_rate.clear();
        m_inspector->showSession(QString());
    }
    m_admin->setEndpoint(endpoint);
    m_stream->setEndpoint(endpoint);
    if (remember) {
        m_settings->addRecentUrl(text);
        m_settings->setToken(text, token);
        m_connectionBar->addRecentUrl(text);
    }
    qCInfo(lcConsole) << "connecting to" << text
                      << (token.isEmpty() ? "without a token" : "with a token");
    m_stream->open();
}

void MainWindow::disconnectFromService()
{
    m_stream->close();
}

void MainWindow::stream_stateChanged()
{
    m_connectionBar->updateState();
    const AdminStreamClient::State state = m_stream->state();
    if (state == AdminStreamClient::State::Failed
        || state == AdminStreamClient::State::Reconnecting)
        showStatus(m_stream->errorText());
    updateActions();
}

void MainWindow::stream_messageReceived(const AdminStreamMessage &message)
{
    if (message.kind == AdminStreamMessage::Kind::EventAppended) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m_rate.record(now);
        m_lastEventMs = now;
    }
    m_model->apply(message);
    m_inspector->handleStreamMessage(message);
    if (message.kind == AdminStreamMessage::Kind::Snapshot)
        m_connectionBar->updateState();
}

void MainWindow::model_flushed()
{
    if (!m_selectedId.isEmpty() && selectedSessionId() != m_selectedId
        && m_model->rowOf(m_selectedId) >= 0)
        selectSession(m_selectedId); // a snapshot reset the table: keep the operator's choice
    updateTotals();
    updateActions();
}

QString MainWindow::selectedSessionId() const
{
    const QModelIndex current = m_sessionView->currentIndex();
    if (!current.isValid())
        return QString();
    return current.data(SessionTableModel::SessionIdRole).toString();
}

bool MainWindow::selectSession(const QString &sessionId)
{
    m_model->flush();
    const int row = m_model->rowOf(sessionId);
    if (row < 0)
        return false;
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!proxyIndex.isValid())
        return false;
    m_sessionView->selectionModel()->setCurrentIndex(
        proxyIndex, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_sessionView->scrollTo(proxyIndex);
    return true;
}

void MainWindow::selection_currentRowChanged()
{
    const QString id = selectedSessionId();
    if (!id.isEmpty())
        m_selectedId = id;
    m_inspector->showSession(id);
    updateActions();
}

void MainWindow::filterEdit_textChanged(const QString &text)
{
    m_proxy->setFilterText(text);
    updateTotals();
}

void MainWindow::stateCombo_currentIndexChanged()
{
    m_proxy->setStateFilter(m_stateCombo->currentData().toString());
    updateTotals();
}

void MainWindow::clockTimer_timeout()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_sparkline->setSamples(m_rate.samples(now), m_rate.lastRate(now));
    updateTotals();
    if (m_stream->state() == AdminStreamClient::State::Connected)
        m_connectionBar->updateState();
}

QString MainWindow::connectionText() const
{
    return m_connectionBar->stateText();
}

QString MainWindow::totalsText() const
{
    return m_totalsLabel->text();
}

void MainWindow::updateTotals()
{
    const QLocale locale;
    const SessionTableModel::Totals totals = m_model->totals();
    QStringList parts;
    parts << tr("%1 sessions").arg(locale.toString(totals.sessions));
    if (m_proxy->rowCount() != totals.sessions)
        parts << tr("%1 shown").arg(locale.toString(m_proxy->rowCount()));
    parts << tr("%1 running").arg(locale.toString(totals.running))
          << tr("%1 subscribers").arg(locale.toString(totals.subscribers))
          << tr("%1 buffered").arg(SessionTableModel::formatBytes(totals.bufferedBytes));
    if (totals.dropped > 0)
        parts << tr("%1 dropped").arg(locale.toString(totals.dropped));
    if (m_lastEventMs > 0) {
        const qint64 ago = QDateTime::currentMSecsSinceEpoch() - m_lastEventMs;
        parts << tr("last event %1 s ago").arg(ago / 1000.0, 0, 'f', 1);
    }
    m_totalsLabel->setText(parts.join(QStringLiteral(" · ")));
}

void MainWindow::updateActions()
{
    const bool selected = !selectedSessionId().isEmpty();
    const bool connected = m_stream->endpoint().isValid();
    m_deleteAction->setEnabled(selected && connected);
    const int row = selected ? m_model->rowOf(selectedSessionId()) : -1;
    m_cancelAction->setEnabled(connected && row >= 0 && !m_model->summaryAt(row).isFinished());
    m_exportAction->setEnabled(selected && connected);
    m_curlAction->setEnabled(selected && connected);
    m_replayAction->setEnabled(selected && connected);
    m_lateAction->setEnabled(connected);
}

void MainWindow::showStatus(const QString &text, int timeoutMs)
{
    statusBar()->showMessage(text, timeoutMs);
}

} // namespace ssebuf
