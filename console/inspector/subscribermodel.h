#ifndef SSEBUF_CONSOLE_SUBSCRIBERMODEL_H
#define SSEBUF_CONSOLE_SUBSCRIBERMODEL_H

#include "adminstreammessage.h"

#include <QAbstractTableModel>
#include <QList>
#include <QSet>

namespace ssebuf {

// The open streams of one session: where each resumed from and how far behind it is.
class SubscriberModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        PeerColumn,
        ResumeColumn,
        NextSeqColumn,
        SentColumn,
        LagEventsColumn,
        LagBytesColumn,
        ConnectedColumn,
        ColumnCount
    };

    explicit SubscriberModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces every row (and forgets what applyListing() remembers).
    void setSubscribers(const QList<SubscriberInfo> &subscribers);
    // A listing from GET /api/admin/sessions/{id}, which may be older than the admin stream
    // messages already applied (two connections, no order between them): subscribers removed
    // by a subscriber_disconnected stay removed, and subscribers added by a
    // subscriber_connected since the last listing stay, listed or not.
    void applyListing(const QList<SubscriberInfo> &subscribers);
    void upsert(const SubscriberInfo &subscriber);
    void remove(qint64 id);
    void clear() { setSubscribers({}); }
    // The session's last seq: lag in events is lastSeq - (nextSeq - 1).
    void setSessionLastSeq(qint64 lastSeq);

    SubscriberInfo subscriberAt(int row) const { return m_subscribers.at(row); }
    int rowOf(qint64 id) const;
    qint64 lagEvents(const SubscriberInfo &subscriber) const;

private:
    QList<SubscriberInfo> m_subscribers;
    QSet<qint64> m_removed; // by remove(): subscriber ids are never reused
    QSet<qint64> m_addedSinceListing; // by upsert()
    qint64 m_lastSeq = 0;
};

} // namespace ssebuf

#endif
