#ifndef SSEBUF_CONSOLE_BUFFERINSPECTOR_H
#define SSEBUF_CONSOLE_BUFFERINSPECTOR_H

#include "adminstreammessage.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QNetworkAccessManager;
class QPlainTextEdit;
class QTabWidget;
class QTableView;

namespace ssebuf {

class AdminClient;
class EventListModel;
class ReplayPanel;
class SubscriberModel;

// The right-hand side: the selected session's buffered events (with the selected event's
// JSON), its subscribers and the replay tab. Follows a running session live: each
// event_appended of the session fetches the new events (one request at a time).
class BufferInspector : public QWidget
{
    Q_OBJECT
public:
    enum Tab { EventsTab, SubscribersTab, ReplayTab };

    BufferInspector(AdminClient *admin, QNetworkAccessManager *manager, QWidget *parent = nullptr);

    // Shows a session (empty clears); fetches its buffer.
    void showSession(const QString &sessionId);
    QString sessionId() const { return m_sessionId; }
    void handleStreamMessage(const AdminStreamMessage &message);
    void refresh();
    void setCurrentTab(Tab tab);

    EventListModel *eventModel() const { return m_events; }
    SubscriberModel *subscriberModel() const { return m_subscribers; }
    ReplayPanel *replayPanel() const { return m_replay; }
    QTableView *eventView() const { return m_eventView; }
    bool isFetching() const { return m_fetching; }
    QString errorText() const { return m_errorText; }

Q_SIGNALS:
    // After a fetch of the buffer completed (or failed: errorText() says why).
    void bufferUpdated();

private:
    void fetchNewEvents();
    void eventView_currentChanged();
    void updateTitle();

    QPointer<AdminClient> m_admin;
    EventListModel *m_events = nullptr;
    SubscriberModel *m_subscribers = nullptr;
    QLabel *m_title = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_eventView = nullptr;
    QPlainTextEdit *m_json = nullptr;
    QTableView *m_subscriberView = nullptr;
    ReplayPanel *m_replay = nullptr;
    QString m_sessionId;
    QString m_errorText;
    SessionSummary m_summary;
    QString m_removedReason;
    int m_generation = 0;
    bool m_fetching = false;
    bool m_fetchAgain = false;
    bool m_listingReplacesSubscribers = false; // set by a snapshot (admin stream reconnect)
};

} // namespace ssebuf

#endif
