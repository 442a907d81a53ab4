#ifndef SSEBUF_CONSOLE_SUBSCRIBERMODEL_H
#define SSEBUF_CONSOLE_SUBSCRIBERMODEL_H

#include "adminstreammessage.h"

#include <QAbstractTableModel>
#include <QList>

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

    void setSubscribers(const QList<SubscriberInfo> &subscribers);
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
    qint64 m_lastSeq = 0;
};

} // namespace ssebuf

#endif
