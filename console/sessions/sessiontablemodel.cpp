#include "sessiontablemodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>

#include <algorithm>

namespace ssebuf {

SessionTableModel::SessionTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(100);
    connect(&m_batchTimer, &QTimer::timeout, this, &SessionTableModel::flush);
    m_tickTimer.setInterval(1000);
    connect(&m_tickTimer, &QTimer::timeout, this, &SessionTableModel::tick);
}

int SessionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void SessionTableModel::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
}

QString SessionTableModel::formatBytes(qint64 bytes)
{
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 MB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

QString SessionTableModel::formatDuration(qint64 ms)
{
    const bool negative = ms < 0;
    qint64 seconds = (negative ? -ms : ms) / 1000;
    QString text;
    if (seconds < 60)
        text = QStringLiteral("%1 s").arg(seconds);
    else if (seconds < 3600)
        text = QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    else
        text = QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
    return negative ? QStringLiteral("-") + text : text;
}

QString SessionTableModel::stateText(const SessionSummary &summary)
{
    // A cancelled session's state is "failed"; the table tells it apart.
    return summary.isCancelled() ? QStringLiteral("cancelled") : sessionStateName(summary.state);
}

QVariant SessionTableModel::sortValue(const SessionSummary &s, int column)
{
    switch (column) {
    case IdColumn:
        return s.sessionId;
    case UserColumn:
        return s.userId;
    case ModeColumn:
        return s.mode;
    case StateColumn:
        return stateText(s);
    case EventsColumn:
        return s.eventCount;
    case BytesColumn:
        return s.bufferedBytes;
    case DroppedColumn:
        return s.droppedEvents;
    case SubscribersColumn:
        return s.subscribers;
    case AgeColumn:
        // Newest first when ascending; independent of the clock so sorting stays stable.
        return -s.createdAtMs;
    case ExpiresColumn:
        return s.expiresAtMs;
    }
    return QVariant();
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const SessionSummary &s = m_rows.at(index.row());
    switch (role) {
    case SessionIdRole:
        return s.sessionId;
    case StateRole:
        return stateText(s);
    case UserIdRole:
        return s.userId;
    case Qt::ToolTipRole:
        if (index.column() == IdColumn)
            return s.sessionId;
        return QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() >= EventsColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (index.column() == StateColumn) {
            if (s.state == SessionState::Running)
                return QBrush(QColor(0x1565c0));
            if (s.isCancelled())
                return QBrush(QColor(0xef6c00));
            if (s.state == SessionState::Completed)
                return QBrush(QColor(0x2e7d32));
            if (s.state == SessionState::Failed)
                return QBrush(QColor(0xc62828));
        }
        if (index.column() == DroppedColumn && s.droppedEvents > 0)
            return QBrush(QColor(0xc62828));
        return QVariant();
    case SortRole:
        return sortValue(s, index.column());
    case Qt::DisplayRole: {
        const QLocale locale;
        switch (index.column()) {
        case IdColumn:
        case UserColumn:
        case ModeColumn:
        case StateColumn:
            return sortValue(s, index.column());
        case EventsColumn:
            return locale.toString(s.eventCount);
        case BytesColumn:
            return formatBytes(s.bufferedBytes);
        case DroppedColumn:
            return locale.toString(s.droppedEvents);
        case SubscribersColumn:
            return locale.toString(s.subscribers);
        case AgeColumn:
            return s.createdAtMs > 0 ? formatDuration(m_clock() - s.createdAtMs) : QString();
        case ExpiresColumn: {
            if (s.expiresAtMs <= 0)
                return QString();
            const qint64 left = s.expiresAtMs - m_clock();
            return left > 0 ? formatDuration(left) : QStringLiteral("expired");
        }
        }
        return QVariant();
    }
    default:
        return QVariant();
    }
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        static const char *const titles[ColumnCount]
            = {"Session",  "User",    "Mode",        "State", "Events",
               "Buffered", "Dropped", "Subscribers", "Age",   "Expires in"};
        return QString::fromLatin1(titles[section]);
    }
    if (role == Qt::ToolTipRole) {
        static const char *const tips[ColumnCount] = {"Session id",
                                                      "user_id of the session",
                                                      "autonomous or interactive",
                                                      "running, completed or failed",
                                                      "Events ever appended (last seq)",
                                                      "Encoded SSE bytes held for the session",
                                                      "Events evicted by the buffer limits",
                                                      "Open streams of the session",
                                                      "Time since the session was created",
                                                      "Time until the session is removed"};
        return QString::fromLatin1(tips[section]);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

void SessionTableModel::apply(const AdminStreamMessage &message)
{
    using Kind = AdminStreamMessage::Kind;
    switch (message.kind) {
    case Kind::Snapshot:
        resetSessions(message.sessions);
        break;
    case Kind::SessionRemoved:
        remove(message.removedSessionId);
        break;
    case Kind::Unknown:
        if (message.hasSession)
            upsert(message.session);
        break;
    default:
        upsert(message.session);
        break;
    }
}

void SessionTableModel::resetSessions(const QList<SessionSummary> &sessions)
{
    m_batchTimer.stop();
    beginResetModel();
    m_pendingUpserts.clear();
    m_pendingNew.clear();
    m_pendingRemovals.clear();
    m_rows.clear();
    m_rows.reserve(sessions.size());
    m_rowById.clear();
    for (const SessionSummary &summary : sessions) {
        if (m_rowById.contains(summary.sessionId)) {
            m_rows[m_rowById.value(summary.sessionId)] = summary;
            continue;
        }
        m_rowById.insert(summary.sessionId, int(m_rows.size()));
        m_rows.append(summary);
    }
    endResetModel();
    if (m_rows.isEmpty())
        m_tickTimer.stop();
    else if (!m_tickTimer.isActive())
        m_tickTimer.start();
    Q_EMIT flushed();
}

void SessionTableModel::clear()
{
    resetSessions({});
}

void SessionTableModel::upsert(const SessionSummary &summary)
{
    if (summary.sessionId.isEmpty())
        return;
    m_pendingRemovals.remove(summary.sessionId);
    if (!m_rowById.contains(summary.sessionId) && !m_pendingUpserts.contains(summary.sessionId))
        m_pendingNew.append(summary.sessionId);
    m_pendingUpserts.insert(summary.sessionId, summary);
    schedule();
}

void SessionTableModel::remove(const QString &sessionId)
{
    if (m_pendingUpserts.remove(sessionId))
        m_pendingNew.removeOne(sessionId);
    if (m_rowById.contains(sessionId))
        m_pendingRemovals.insert(sessionId);
    schedule();
}

void SessionTableModel::schedule()
{
    if (m_batchTimer.interval() <= 0) {
        flush();
        return;
    }
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void SessionTableModel::flush()
{
    m_batchTimer.stop();
    if (m_pendingUpserts.isEmpty() && m_pendingRemovals.isEmpty())
        return;

    if (!m_pendingRemovals.isEmpty()) {
        QList<int> rows;
        rows.reserve(m_pendingRemovals.size());
        for (const QString &id : std::as_const(m_pendingRemovals)) {
            const int row = m_rowById.value(id, -1);
            if (row >= 0)
                rows.append(row);
        }
        m_pendingRemovals.clear();
        std::sort(rows.begin(), rows.end(), std::greater<int>());
        int i = 0;
        while (i < rows.size()) {
            // rows[i] is the last row of a run going down to rows[j - 1].
            int j = i + 1;
            while (j < rows.size() && rows.at(j) == rows.at(j - 1) - 1)
                ++j;
            const int first = rows.at(j - 1);
            const int last = rows.at(i);
            beginRemoveRows(QModelIndex(), first, last);
            m_rows.remove(first, last - first + 1);
            endRemoveRows();
            i = j;
        }
        rebuildIndex();
    }

    QList<int> changed;
    QList<SessionSummary> added;
    for (auto it = m_pendingUpserts.cbegin(); it != m_pendingUpserts.cend(); ++it) {
        const int row = m_rowById.value(it.key(), -1);
        if (row >= 0) {
            m_rows[row] = it.value();
            changed.append(row);
        }
    }
    for (const QString &id : std::as_const(m_pendingNew)) {
        const auto it = m_pendingUpserts.constFind(id);
        if (it != m_pendingUpserts.cend() && !m_rowById.contains(id))
            added.append(it.value());
    }
    m_pendingUpserts.clear();
    m_pendingNew.clear();

    std::sort(changed.begin(), changed.end());
    int i = 0;
    while (i < changed.size()) {
        int j = i + 1;
        while (j < changed.size() && changed.at(j) == changed.at(j - 1) + 1)
            ++j;
        Q_EMIT dataChanged(index(changed.at(i), 0), index(changed.at(j - 1), ColumnCount - 1));
        i = j;
    }

    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(added.size()) - 1);
        for (const SessionSummary &summary : std::as_const(added)) {
            m_rowById.insert(summary.sessionId, int(m_rows.size()));
            m_rows.append(summary);
        }
        endInsertRows();
    }
    if (m_rows.isEmpty())
        m_tickTimer.stop();
    else if (!m_tickTimer.isActive())
        m_tickTimer.start();
    Q_EMIT flushed();
}

void SessionTableModel::rebuildIndex()
{
    m_rowById.clear();
    m_rowById.reserve(m_rows.size());
    for (int row = 0; row < m_rows.size(); ++row)
        m_rowById.insert(m_rows.at(row).sessionId, row);
}

void SessionTableModel::tick()
{
    if (m_rows.isEmpty())
        return;
    Q_EMIT dataChanged(index(0, AgeColumn), index(int(m_rows.size()) - 1, ExpiresColumn),
                       {Qt::DisplayRole});
}

std::optional<SessionSummary> SessionTableModel::summary(const QString &sessionId) const
{
    const int row = rowOf(sessionId);
    if (row < 0)
        return std::nullopt;
    return m_rows.at(row);
}

SessionTableModel::Totals SessionTableModel::totals() const
{
    Totals totals;
    totals.sessions = int(m_rows.size());
    for (const SessionSummary &s : m_rows) {
        if (s.state == SessionState::Running)
            ++totals.running;
        totals.subscribers += s.subscribers;
        totals.events += s.eventCount;
        totals.bufferedBytes += s.bufferedBytes;
        totals.dropped += s.droppedEvents;
    }
    return totals;
}

} // namespace ssebuf
