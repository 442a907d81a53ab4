#ifndef SSEBUF_CONSOLE_REPLAYPANEL_H
#define SSEBUF_CONSOLE_REPLAYPANEL_H

#include "replay/replayverifier.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QNetworkAccessManager;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableView;

namespace ssebuf {

class AdminClient;
class ReplayEventModel;
class ReplayPacer;
class ReplaySession;
struct ReplayEvent;

// The Replay tab: opens the selected session's stream as a late client (from the start,
// after a Last-Event-ID, from now or with the last N events, after an optional delay), lists what
// arrives with arrival times at the chosen display pace, and verifies the result against the
// buffer.
class ReplayPanel : public QWidget
{
    Q_OBJECT
public:
    ReplayPanel(AdminClient *admin, QNetworkAccessManager *manager, QWidget *parent = nullptr);

    void setSessionId(const QString &sessionId);
    QString sessionId() const { return m_sessionId; }
    void startReplay();
    void stopReplay();

    ReplaySession *replaySession() const { return m_replay; }
    ReplayEventModel *eventModel() const { return m_model; }
    ReplayVerdict verdict() const { return m_verdict; }
    bool hasVerdict() const { return m_hasVerdict; }

Q_SIGNALS:
    void verdictReady(const ssebuf::ReplayVerdict &verdict);

private:
    void startButton_clicked();
    void replay_stateChanged();
    void replay_eventReceived(const ssebuf::ReplayEvent &event);
    void replay_finished();
    void pacer_released(const ssebuf::ReplayEvent &event);
    void paceCombo_currentIndexChanged();
    void showVerdict(const ReplayVerdict &verdict);
    // The seq the replay started after, for the verifier.
    qint64 replayedAfter() const;
    void updateButtons();

    QPointer<AdminClient> m_admin;
    ReplaySession *m_replay = nullptr;
    ReplayPacer *m_pacer = nullptr;
    ReplayEventModel *m_model = nullptr;
    QRadioButton *m_fromStart = nullptr;
    QRadioButton *m_fromId = nullptr;
    QSpinBox *m_lastEventId = nullptr;
    QRadioButton *m_fromNow = nullptr;
    QRadioButton *m_fromTail = nullptr;
    QSpinBox *m_tail = nullptr;
    QSpinBox *m_delay = nullptr;
    QComboBox *m_pace = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_stopButton = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_verdictLabel = nullptr;
    QTableView *m_table = nullptr;
    QString m_sessionId;
    ReplayVerdict m_verdict;
    bool m_hasVerdict = false;
    int m_generation = 0;
};

} // namespace ssebuf

#endif
