#ifndef SSEBUF_CONSOLE_EVENTLISTMODEL_H
#define SSEBUF_CONSOLE_EVENTLISTMODEL_H

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>

namespace ssebuf {

// The buffered events of one session, as returned by the admin API (ordered by seq).
class EventListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        SeqColumn,
        TimeColumn,
        TypeColumn,
        StatusColumn,
        StageColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role { SeqRole = Qt::UserRole + 1, JsonRole };

    explicit EventListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setEvents(const QList<QJsonObject> &events);
    // Appends the events newer than lastSeq() in one insert; returns how many were added.
    int appendEvents(const QList<QJsonObject> &events);
    // Drops events older than seq (they left the buffer).
    void dropBefore(qint64 seq);
    void clear() { setEvents({}); }

    QJsonObject eventAt(int row) const { return m_events.at(row); }
    QList<QJsonObject> events() const { return m_events; }
    qint64 lastSeq() const;
    int rowOfSeq(qint64 seq) const;

    // The local time of day of an ISO 8601 timestamp, with milliseconds.
    static QString timeOfDay(const QString &isoTimestamp);

private:
    QList<QJsonObject> m_events;
};

} // namespace ssebuf

#endif
