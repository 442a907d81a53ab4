#ifndef SSEBUF_CONSOLE_CONNECTIONBAR_H
#define SSEBUF_CONSOLE_CONNECTIONBAR_H

#include <QToolBar>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace ssebuf {

class AdminStreamClient;
class ConsoleSettings;
class SessionTableModel;

// The window's connection bar: service URL (with the recent ones), admin token, the
// Connect/Disconnect button and the state of the admin stream in words.
class ConnectionBar : public QToolBar
{
    Q_OBJECT
public:
    // None is owned; all must outlive the bar.
    ConnectionBar(ConsoleSettings *settings, const AdminStreamClient *stream,
                  const SessionTableModel *sessions, QWidget *parent = nullptr);

    QString urlText() const;
    QByteArray token() const;
    // Shows url and token in the fields (e.g. given on the command line).
    void showEndpoint(const QString &url, const QByteArray &token);
    // Adds url to the recent URLs of the combo box.
    void addRecentUrl(const QString &url);
    void showError(const QString &error);
    void focusUrl();
    // Rewrites the state text and the button from the stream's state.
    void updateState();
    QString stateText() const;

Q_SIGNALS:
    // Return in a field, or the button while not connected.
    void connectRequested();
    // The button while connected, connecting or reconnecting.
    void disconnectRequested();

private:
    void connectButton_clicked();
    void urlCombo_activated();

    ConsoleSettings *m_settings;
    const AdminStreamClient *m_stream;
    const SessionTableModel *m_sessions;
    QComboBox *m_urlCombo = nullptr;
    QLineEdit *m_tokenEdit = nullptr;
    QPushButton *m_connectButton = nullptr;
    QLabel *m_stateLabel = nullptr;
};

} // namespace ssebuf

#endif
