#ifndef SSEBUF_CONSOLE_REPLAYEVENTMODEL_H
#define SSEBUF_CONSOLE_REPLAYEVENTMODEL_H

#include "replay/replayevent.h"

#include <QAbstractTableModel>
#include <QList>

namespace ssebuf {

// The messages a replay received, in arrival order, with their arrival times.
class ReplayEventModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        ArrivalColumn,
        SinceConnectColumn,
        SeqColumn,
        TypeColumn,
        StatusColumn,
        MessageColumn,
        ColumnCount
    };

    explicit ReplayEventModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const ReplayEvent &event);
    void clear();
    ReplayEvent eventAt(int row) const { return m_events.at(row); }

private:
    QList<ReplayEvent> m_events;
};

} // namespace ssebuf

#endif
