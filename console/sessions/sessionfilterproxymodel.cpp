#include "sessionfilterproxymodel.h"

#include "sessions/sessiontablemodel.h"

namespace ssebuf {

SessionFilterProxyModel::SessionFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SessionTableModel::SortRole);
    // The filter reads only id, user and state: refreshing the display role every second
    // (age, expiry) must not make the proxy filter again.
    setFilterRole(SessionTableModel::StateRole);
    setDynamicSortFilter(true);
}

void SessionFilterProxyModel::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateFilter();
}

void SessionFilterProxyModel::setStateFilter(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    invalidateFilter();
}

bool SessionFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_state.isEmpty() && index.data(SessionTableModel::StateRole).toString() != m_state)
        return false;
    if (m_text.isEmpty())
        return true;
    return index.data(SessionTableModel::SessionIdRole)
               .toString()
               .contains(m_text, Qt::CaseInsensitive)
        || index.data(SessionTableModel::UserIdRole)
               .toString()
               .contains(m_text, Qt::CaseInsensitive);
}

} // namespace ssebuf
