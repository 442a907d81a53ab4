#ifndef SSEBUF_ADMINFEED_H
#define SSEBUF_ADMINFEED_H

#include "adminstreammessage.h"
#include "store/sessionstore.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace ssebuf {

class SseSubscriber;
class StreamConnection;
class SubscriberHub;

// The admin stream (GET /api/admin/stream): turns store and subscriber changes into
// lifecycle messages and writes them to every connected admin client. A client first
// gets a snapshot of all sessions, then every change, so a console keeps a live table
// without polling. Slow admin clients are cut off at the same unsent-bytes bound as
// session streams.
class AdminFeed : public QObject
{
    Q_OBJECT
public:
    AdminFeed(SessionStore *store, SubscriberHub *hub, const ServiceInfo &serviceInfo,
              qint64 maxUnsentBytes, int keepaliveSeconds, QObject *parent = nullptr);
    ~AdminFeed() override;

    // Takes over an event stream whose headers are written (becomes its parent).
    void addClient(std::unique_ptr<StreamConnection> stream, const QString &peer);
    void closeAll();
    int clientCount() const { return int(m_clients.size()); }

private:
    struct Client
    {
        QPointer<StreamConnection> stream;
        qint64 lastWriteMs = 0;
        bool ready = false; // snapshot written: live messages may follow
    };

    void broadcast(const AdminStreamMessage &message);
    // Adds the summary of message.subscriberSessionId (when the store still has it), then
    // broadcasts.
    void broadcastWithSession(AdminStreamMessage message);
    void write(Client &client, const QByteArray &bytes);
    void removeClosed();
    // Lists the sessions and writes them as a snapshot to the client of stream (if it is
    // still there); live messages follow once it is written.
    void sendSnapshot(const QPointer<StreamConnection> &stream);
    void store_lifecycleResync();
    void store_sessionCreated(const SessionSummary &summary);
    void store_eventAppended(const QString &sessionId, const EventPtr &event,
                             const SessionSummary &summary, int evicted);
    void store_sessionEnded(const SessionSummary &summary);
    void store_sessionRemoved(const QString &sessionId, RemovalReason reason);
    void hub_subscriberConnected(const QString &sessionId, const SseSubscriber *subscriber);
    void hub_subscriberDisconnected(const QString &sessionId, const SseSubscriber *subscriber,
                                    const QString &reason);
    void keepaliveTimer_timeout();
    // A message about a session, with its summary (subscriber count from the hub).
    AdminStreamMessage aboutSession(AdminStreamMessage::Kind kind, SessionSummary summary) const;

    SessionStore *m_store;
    SubscriberHub *m_hub;
    ServiceInfo m_serviceInfo;
    qint64 m_maxUnsentBytes;
    int m_keepaliveSeconds;
    QList<Client> m_clients;
    QTimer m_keepaliveTimer;
    qint64 m_nextId = 1;
};

} // namespace ssebuf

#endif
