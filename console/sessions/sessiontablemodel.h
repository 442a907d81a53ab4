#ifndef SSEBUF_CONSOLE_SESSIONTABLEMODEL_H
#define SSEBUF_CONSOLE_SESSIONTABLEMODEL_H

#include "adminstreammessage.h"

#include <sessionsummary.h>

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace ssebuf {

// The live sessions table. Fed by admin stream messages; changes are collected and applied
// in batches (one insert, one remove per contiguous range, one dataChanged per contiguous
// run) so thousands of updates a second stay cheap for the views.
class SessionTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        UserColumn,
        ModeColumn,
        StateColumn,
        EventsColumn,
        BytesColumn,
        DroppedColumn,
        SubscribersColumn,
        AgeColumn,
        ExpiresColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, SessionIdRole, StateRole, UserIdRole };

    struct Totals
    {
        int sessions = 0;
        int running = 0;
        int subscribers = 0;
        qint64 events = 0;
        qint64 bufferedBytes = 0;
        qint64 dropped = 0;
    };

    explicit SessionTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Applies one admin stream message: a snapshot resets at once, the rest is batched.
    void apply(const AdminStreamMessage &message);
    void resetSessions(const QList<SessionSummary> &sessions);
    void upsert(const SessionSummary &summary);
    void remove(const QString &sessionId);
    void clear();
    // Applies every queued change now.
    void flush();
    int pendingCount() const { return int(m_pendingUpserts.size() + m_pendingRemovals.size()); }

    // 0 applies every change at once (no batching).
    void setBatchInterval(int ms) { m_batchTimer.setInterval(ms); }
    int batchInterval() const { return m_batchTimer.interval(); }
    // Milliseconds since the epoch, for the age and expiry columns (tests fix it).
    void setClock(std::function<qint64()> clock);
    // Refreshes the age and expiry columns (called every second while there are rows).
    void tick();

    int rowOf(const QString &sessionId) const { return m_rowById.value(sessionId, -1); }
    SessionSummary summaryAt(int row) const { return m_rows.at(row); }
    // What the State column shows: the state, or "cancelled" for a cancelled session.
    static QString stateText(const SessionSummary &summary);
    std::optional<SessionSummary> summary(const QString &sessionId) const;
    Totals totals() const;

    static QString formatBytes(qint64 bytes);
    // The raw value of a column: what SortRole sorts by (and the text of the text columns).
    static QVariant sortValue(const SessionSummary &summary, int column);
    static QString formatDuration(qint64 ms);

Q_SIGNALS:
    // After a batch changed the rows (or a reset); totals() may have changed.
    void flushed();

private:
    void schedule();
    void rebuildIndex();

    QList<SessionSummary> m_rows;
    QHash<QString, int> m_rowById;
    QHash<QString, SessionSummary> m_pendingUpserts;
    QList<QString> m_pendingNew; // ids not yet in the table, in arrival order
    QSet<QString> m_pendingRemovals;
    QTimer m_batchTimer;
    QTimer m_tickTimer;
    std::function<qint64()> m_clock;
};

} // namespace ssebuf

#endif
