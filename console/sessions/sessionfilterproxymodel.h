#ifndef SSEBUF_CONSOLE_SESSIONFILTERPROXYMODEL_H
#define SSEBUF_CONSOLE_SESSIONFILTERPROXYMODEL_H

#include <QSortFilterProxyModel>

namespace ssebuf {

// Sorts the sessions table by raw values and filters it by text (in the id or the user)
// and by state.
class SessionFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit SessionFilterProxyModel(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }
    // Empty for every state, else "running", "completed" or "failed".
    void setStateFilter(const QString &state);
    QString stateFilter() const { return m_state; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QString m_state;
};

} // namespace ssebuf

#endif
