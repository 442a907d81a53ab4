#include "subscribermodel.h"

#include "sessions/sessiontablemodel.h"

#include <QDateTime>
#include <QLocale>

namespace ssebuf {

SubscriberModel::SubscriberModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int SubscriberModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_subscribers.size());
}

int SubscriberModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 SubscriberModel::lagEvents(const SubscriberInfo &subscriber) const
{
    if (subscriber.nextSeq <= 0)
        return 0;
    return qMax<qint64>(0, m_lastSeq - (subscriber.nextSeq - 1));
}

QVariant SubscriberModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const SubscriberInfo &s = m_subscribers.at(index.row());
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == PeerColumn || index.column() == ConnectedColumn)
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole)
        return QVariant();
    const QLocale locale;
    switch (index.column()) {
    case IdColumn:
        return s.id;
    case PeerColumn:
        return s.peer;
    case ResumeColumn:
        return s.resumeFrom == 0 ? QStringLiteral("start")
                                 : QStringLiteral("after %1").arg(s.resumeFrom);
    case NextSeqColumn:
        return s.nextSeq;
    case SentColumn:
        return locale.toString(s.eventsSent);
    case LagEventsColumn:
        return locale.toString(lagEvents(s));
    case LagBytesColumn:
        return SessionTableModel::formatBytes(s.lagBytes);
    case ConnectedColumn:
        return s.connectedAtMs > 0 ? QDateTime::fromMSecsSinceEpoch(s.connectedAtMs)
                                         .toString(QStringLiteral("HH:mm:ss.zzz"))
                                   : QString();
    }
    return QVariant();
}

QVariant SubscriberModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
        && section < ColumnCount) {
        static const char *const titles[ColumnCount]
            = {"Id",   "Peer",         "Resumed",      "Next seq",
               "Sent", "Lag (events)", "Lag (unsent)", "Connected at"};
        return QString::fromLatin1(titles[section]);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

void SubscriberModel::setSubscribers(const QList<SubscriberInfo> &subscribers)
{
    beginResetModel();
    m_subscribers = subscribers;
    m_removed.clear();
    m_addedSinceListing.clear();
    endResetModel();
}

void SubscriberModel::applyListing(const QList<SubscriberInfo> &subscribers)
{
    QList<SubscriberInfo> rows;
    QSet<qint64> listed;
    for (const SubscriberInfo &subscriber : subscribers) {
        listed.insert(subscriber.id);
        if (!m_removed.contains(subscriber.id))
            rows.append(subscriber);
    }
    for (const SubscriberInfo &subscriber : std::as_const(m_subscribers)) {
        if (m_addedSinceListing.contains(subscriber.id) && !listed.contains(subscriber.id))
            rows.append(subscriber);
    }
    beginResetModel();
    m_subscribers = rows;
    m_addedSinceListing.clear();
    endResetModel();
}

int SubscriberModel::rowOf(qint64 id) const
{
    for (int row = 0; row < m_subscribers.size(); ++row) {
        if (m_subscribers.at(row).id == id)
            return row;
    }
    return -1;
}

void SubscriberModel::upsert(const SubscriberInfo &subscriber)
{
    const int row = rowOf(subscriber.id);
    if (row >= 0) {
        m_subscribers[row] = subscriber;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    m_addedSinceListing.insert(subscriber.id);
    const int last = int(m_subscribers.size());
    beginInsertRows(QModelIndex(), last, last);
    m_subscribers.append(subscriber);
    endInsertRows();
}

void SubscriberModel::remove(qint64 id)
{
    m_removed.insert(id);
    m_addedSinceListing.remove(id);
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows(QModelIndex(), row, row);
    m_subscribers.removeAt(row);
    endRemoveRows();
}

void SubscriberModel::setSessionLastSeq(qint64 lastSeq)
{
    if (lastSeq == m_lastSeq)
        return;
    m_lastSeq = lastSeq;
    if (!m_subscribers.isEmpty())
        Q_EMIT dataChanged(index(0, LagEventsColumn),
                           index(int(m_subscribers.size()) - 1, LagEventsColumn));
}

} // namespace ssebuf
