#ifndef SSEBUF_MEMORYSTORE_H
#define SSEBUF_MEMORYSTORE_H

#include "core/sessionbuffer.h"
#include "isotime.h"
#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QHash>
#include <QTimer>

#include <memory>

namespace ssebuf {

// The embedded default store: sessions in a hash, events in a SessionBuffer each.
// Answers every call synchronously. A timer sweeps expired sessions.
class MemoryStore : public SessionStore
{
    Q_OBJECT
public:
    explicit MemoryStore(const RetentionPolicy &policy, QObject *parent = nullptr);
    ~MemoryStore() override;

    QString description() const override { return QStringLiteral("memory"); }
    bool isAvailable() const override { return true; }
    bool answersAtOnce() const override { return true; }

    void createSession(const SessionRecord &record, CreateCallback done) override;
    void appendEvent(const QString &sessionId, const EventDraft &draft,
                     AppendCallback done) override;
    void appendBatch(const QString &sessionId, const BatchAppend &batch,
                     BatchCallback done) override;
    void readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                    ReadCallback done) override;
    void findSession(const QString &sessionId, FindCallback done) override;
    void listSessions(ListCallback done) override;
    void deleteSession(const QString &sessionId, DeleteCallback done) override;

    // Removes every session whose expiry has passed; returns how many. Runs on the timer.
    int sweepExpired();
    int sessionCount() const { return int(m_sessions.size()); }

private:
    struct Session;
    SessionSummary summaryOf(const Session &session) const;
    void rememberKey(Session &session, const QByteArray &key, const struct KnownKey &known);
    std::shared_ptr<Session> liveSession(const QString &sessionId);

    RetentionPolicy m_policy;
    QHash<QString, std::shared_ptr<Session>> m_sessions;
    QTimer m_sweepTimer;
    quint64 m_nextOrdinal = 0;
    IsoUtcWriter m_timestamps; // the events' timestamps: the day's date written once
};

} // namespace ssebuf

#endif
