#include "eventlistmodel.h"

#include <isotime.h>

#include <QDateTime>

namespace ssebuf {

EventListModel::EventListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int EventListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EventListModel::timeOfDay(const QString &isoTimestamp)
{
    const qint64 ms = msFromIso(isoTimestamp);
    if (ms < 0)
        return isoTimestamp;
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QVariant EventListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const QJsonObject &event = m_events.at(index.row());
    switch (role) {
    case SeqRole:
        return event.value(QLatin1String("seq")).toInteger();
    case JsonRole:
        return event;
    case Qt::TextAlignmentRole:
        if (index.column() == SeqColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (index.column() == MessageColumn)
            return event.value(QLatin1String("message")).toString();
        if (index.column() == TimeColumn)
            return event.value(QLatin1String("timestamp")).toString();
        return QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeqColumn:
            return event.value(QLatin1String("seq")).toInteger();
        case TimeColumn:
            return timeOfDay(event.value(QLatin1String("timestamp")).toString());
        case TypeColumn:
            return event.value(QLatin1String("type")).toString();
        case StatusColumn:
            return event.value(QLatin1String("status")).toString();
        case StageColumn:
            return event.value(QLatin1String("stage")).toString();
        case MessageColumn:
            return event.value(QLatin1String("message")).toString().simplified();
        }
        return QVariant();
    default:
        return QVariant();
    }
}

QVariant EventListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
        && section < ColumnCount) {
        static const char *const titles[ColumnCount]
            = {"Seq", "Time", "Type", "Status", "Stage", "Message"};
        return QString::fromLatin1(titles[section]);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

void EventListModel::setEvents(const QList<QJsonObject> &events)
{
    beginResetModel();
    m_events = events;
    endResetModel();
}

qint64 EventListModel::lastSeq() const
{
    return m_events.isEmpty() ? 0 : m_events.constLast().value(QLatin1String("seq")).toInteger();
}

int EventListModel::appendEvents(const QList<QJsonObject> &events)
{
    QList<QJsonObject> fresh;
    qint64 last = lastSeq();
    for (const QJsonObject &event : events) {
        const qint64 seq = event.value(QLatin1String("seq")).toInteger();
        if (seq > last) {
            fresh.append(event);
            last = seq;
        }
    }
    if (fresh.isEmpty())
        return 0;
    const int first = int(m_events.size());
    beginInsertRows(QModelIndex(), first, first + int(fresh.size()) - 1);
    m_events += fresh;
    endInsertRows();
    return int(fresh.size());
}

void EventListModel::dropBefore(qint64 seq)
{
    int count = 0;
    while (count < m_events.size()
           && m_events.at(count).value(QLatin1String("seq")).toInteger() < seq)
        ++count;
    if (count == 0)
        return;
    beginRemoveRows(QModelIndex(), 0, count - 1);
    m_events.remove(0, count);
    endRemoveRows();
}

int EventListModel::rowOfSeq(qint64 seq) const
{
    for (int row = 0; row < m_events.size(); ++row) {
        if (m_events.at(row).value(QLatin1String("seq")).toInteger() == seq)
            return row;
    }
    return -1;
}

} // namespace ssebuf
