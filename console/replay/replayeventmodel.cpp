#include "replayeventmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace ssebuf {

ReplayEventModel::ReplayEventModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int ReplayEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int ReplayEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReplayEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const ReplayEvent &event = m_events.at(index.row());
    if (role == Qt::ForegroundRole && event.isGap)
        return QBrush(QColor(0xb26a00));
    if (role == Qt::ToolTipRole && index.column() == MessageColumn)
        return QString::fromUtf8(event.data);
    if (role != Qt::DisplayRole)
        return QVariant();
    switch (index.column()) {
    case ArrivalColumn:
        return QDateTime::fromMSecsSinceEpoch(event.arrivalMs)
            .toString(QStringLiteral("HH:mm:ss.zzz"));
    case SinceConnectColumn:
        return QStringLiteral("+%1 ms").arg(event.sinceConnectMs);
    case SeqColumn:
        return event.seq >= 0 ? QVariant(event.seq) : QVariant(QStringLiteral("—"));
    case TypeColumn:
        return event.json.value(QLatin1String("type")).toString();
    case StatusColumn:
        return event.json.value(QLatin1String("status")).toString();
    case MessageColumn:
        if (event.isGap)
            return QStringLiteral("gap: events %1–%2 were evicted")
                .arg(event.gapFrom)
                .arg(event.gapTo);
        return event.json.value(QLatin1String("message")).toString().simplified();
    }
    return QVariant();
}

QVariant ReplayEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
        && section < ColumnCount) {
        static const char *const titles[ColumnCount]
            = {"Arrived", "After connect", "Seq", "Type", "Status", "Message"};
        return QString::fromLatin1(titles[section]);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

void ReplayEventModel::append(const ReplayEvent &event)
{
    const int row = int(m_events.size());
    beginInsertRows(QModelIndex(), row, row);
    m_events.append(event);
    endInsertRows();
}

void ReplayEventModel::clear()
{
    beginResetModel();
    m_events.clear();
    endResetModel();
}

} // namespace ssebuf
