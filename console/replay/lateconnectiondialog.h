#ifndef SSEBUF_CONSOLE_LATECONNECTIONDIALOG_H
#define SSEBUF_CONSOLE_LATECONNECTIONDIALOG_H

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QNetworkAccessManager;
class QPushButton;
class QSpinBox;
class QTableView;

namespace ssebuf {

class AdminClient;
class LateConnectionCheck;
class ReplayEventModel;

// QA's late-connection check: prompt, user, mode and delay in; a verdict out.
class LateConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    LateConnectionDialog(AdminClient *admin, QNetworkAccessManager *manager,
                         QWidget *parent = nullptr);

    LateConnectionCheck *check() const { return m_check; }
    void run();

private:
    void check_stageChanged();
    void check_finished(bool passed);

    LateConnectionCheck *m_check = nullptr;
    ReplayEventModel *m_model = nullptr;
    QLineEdit *m_prompt = nullptr;
    QLineEdit *m_user = nullptr;
    QComboBox *m_mode = nullptr;
    QSpinBox *m_delay = nullptr;
    QPushButton *m_runButton = nullptr;
    QLabel *m_stage = nullptr;
    QLabel *m_verdict = nullptr;
    QTableView *m_table = nullptr;
};

} // namespace ssebuf

#endif
