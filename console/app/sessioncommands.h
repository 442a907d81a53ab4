#ifndef SSEBUF_CONSOLE_SESSIONCOMMANDS_H
#define SSEBUF_CONSOLE_SESSIONCOMMANDS_H

#include <QObject>
#include <QPointer>

#include <functional>

class QNetworkAccessManager;
class QWidget;

namespace ssebuf {

class AdminClient;
class LateConnectionDialog;

// What the Session menu does to a session: cancel a running one or delete it (after asking),
// export its events as NDJSON, copy a curl command for its stream, open the late-connection
// check.
class SessionCommands : public QObject
{
    Q_OBJECT
public:
    // Asks the operator a yes/no question (a QMessageBox by default; tests answer it).
    using ConfirmFunction = std::function<bool(const QString &title, const QString &question)>;
    // Asks where to save a file (a QFileDialog by default); empty cancels.
    using SavePathFunction = std::function<QString(const QString &suggestedName)>;

    // window parents the dialogs and this object; admin and network must outlive it.
    SessionCommands(AdminClient *admin, QNetworkAccessManager *network, QWidget *window);

    void setConfirmFunction(ConfirmFunction confirm) { m_confirm = std::move(confirm); }
    void setSavePathFunction(SavePathFunction savePath) { m_savePath = std::move(savePath); }

    void deleteSession(const QString &sessionId);
    // Asks, then cancels: the service appends the terminal "cancelled" event and stops the
    // session's producer.
    void cancelSession(const QString &sessionId);
    void exportSession(const QString &sessionId);
    void copyCurlCommand(const QString &sessionId);
    void showLateConnectionCheck();
    LateConnectionDialog *lateConnectionDialog() const;

Q_SIGNALS:
    void sessionDeleted(const QString &sessionId, const QString &error);
    void sessionCancelled(const QString &sessionId, const QString &error);
    void exportFinished(const QString &path, const QString &error);
    // A line for the status bar.
    void status(const QString &text);

private:
    AdminClient *m_admin;
    QNetworkAccessManager *m_network;
    QWidget *m_window;
    QPointer<LateConnectionDialog> m_lateDialog;
    ConfirmFunction m_confirm;
    SavePathFunction m_savePath;
};

} // namespace ssebuf

#endif
