#ifndef SSEBUF_CONSOLE_MAINWINDOW_H
#define SSEBUF_CONSOLE_MAINWINDOW_H

#include "app/sessioncommands.h"
#include "client/adminstreamclient.h"
#include "client/serviceendpoint.h"
#include "sessions/eventratehistory.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QNetworkAccessManager;
class QSplitter;
class QTableView;

namespace ssebuf {

class AdminClient;
class BufferInspector;
class ConnectionBar;
class ConsoleSettings;
class LateConnectionDialog;
class SessionFilterProxyModel;
class SessionTableModel;
class SparklineWidget;

// The console window: connection bar (ConnectionBar), live sessions table, buffer
// inspector, status bar; the Session menu's commands are SessionCommands.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    using ConfirmFunction = SessionCommands::ConfirmFunction;
    using SavePathFunction = SessionCommands::SavePathFunction;

    // settings is not owned and must outlive the window.
    explicit MainWindow(ConsoleSettings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    void setConfirmFunction(ConfirmFunction confirm)
    {
        m_commands->setConfirmFunction(std::move(confirm));
    }
    void setSavePathFunction(SavePathFunction savePath)
    {
        m_commands->setSavePathFunction(std::move(savePath));
    }

    // Connects with the given URL and token; remember=false keeps the token out of the
    // settings (a token given on the command line).
    void connectToService(const QUrl &url, const QByteArray &token, bool remember);
    void disconnectFromService();

    QString selectedSessionId() const;
    bool selectSession(const QString &sessionId);
    // The Session menu's commands, on the selected session.
    void cancelSelectedSession() { m_commands->cancelSession(selectedSessionId()); }
    void deleteSelectedSession() { m_commands->deleteSession(selectedSessionId()); }
    void exportSelectedSession() { m_commands->exportSession(selectedSessionId()); }
    void copyCurlCommand() { m_commands->copyCurlCommand(selectedSessionId()); }
    void showLateConnectionCheck() { m_commands->showLateConnectionCheck(); }

    AdminStreamClient *streamClient() const { return m_stream; }
    AdminClient *adminClient() const { return m_admin; }
    SessionTableModel *sessionModel() const { return m_model; }
    SessionFilterProxyModel *sessionProxy() const { return m_proxy; }
    BufferInspector *inspector() const { return m_inspector; }
    LateConnectionDialog *lateConnectionDialog() const
    {
        return m_commands->lateConnectionDialog();
    }
    QString connectionText() const;
    QString totalsText() const;

Q_SIGNALS:
    void sessionDeleted(const QString &sessionId, const QString &error);
    void exportFinished(const QString &path, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void connectionBar_connectRequested();
    void stream_stateChanged();
    void stream_messageReceived(const ssebuf::AdminStreamMessage &message);
    void model_flushed();
    void selection_currentRowChanged();
    void filterEdit_textChanged(const QString &text);
    void stateCombo_currentIndexChanged();
    void clockTimer_timeout();
    void createActions();
    void createWidgets();
    void restoreLayout();
    void saveLayout();
    void updateTotals();
    void updateActions();
    void showStatus(const QString &text, int timeoutMs = 8000);

    ConsoleSettings *m_settings = nullptr;
    QNetworkAccessManager *m_network = nullptr;
    AdminStreamClient *m_stream = nullptr;
    AdminClient *m_admin = nullptr;
    SessionTableModel *m_model = nullptr;
    SessionFilterProxyModel *m_proxy = nullptr;
    BufferInspector *m_inspector = nullptr;
    SessionCommands *m_commands = nullptr;

    ConnectionBar *m_connectionBar = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QComboBox *m_stateCombo = nullptr;
    SparklineWidget *m_sparkline = nullptr;
    QTableView *m_sessionView = nullptr;
    QSplitter *m_splitter = nullptr;
    QLabel *m_totalsLabel = nullptr;

    QAction *m_deleteAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_curlAction = nullptr;
    QAction *m_replayAction = nullptr;
    QAction *m_lateAction = nullptr;

    EventRateHistory m_rate;
    QTimer m_clockTimer;
    QString m_selectedId;
    qint64 m_lastEventMs = 0;
};

} // namespace ssebuf

#endif
