#include "bufferinspector.h"

#include "client/adminclient.h"
#include "inspector/eventlistmodel.h"
#include "inspector/subscribermodel.h"
#include "replay/replaypanel.h"
#include "sessions/sessiontablemodel.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace ssebuf {

namespace {

QTableView *makeTable(QAbstractItemModel *model, const QString &name, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    return view;
}

} // namespace

BufferInspector::BufferInspector(AdminClient *admin, QNetworkAccessManager *manager,
                                 QWidget *parent)
    : QWidget(parent)
    , m_admin(admin)
    , m_events(new EventListModel(this))
    , m_subscribers(new SubscriberModel(this))
{
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("inspectorTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);

    m_eventView = makeTable(m_events, QStringLiteral("eventTable"), this);
    const int widths[] = {40, 90, 70, 75, 85};
    for (int column = 0; column < EventListModel::MessageColumn; ++column)
        m_eventView->setColumnWidth(column, widths[column]);
    m_json = new QPlainTextEdit(this);
    m_json->setObjectName(QStringLiteral("eventJson"));
    m_json->setReadOnly(true);
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setPlaceholderText(tr("Select an event to see its JSON."));
    auto *eventSplitter = new QSplitter(Qt::Vertical, this);
    eventSplitter->setObjectName(QStringLiteral("eventSplitter"));
    eventSplitter->addWidget(m_eventView);
    eventSplitter->addWidget(m_json);
    eventSplitter->setStretchFactor(0, 3);
    eventSplitter->setStretchFactor(1, 2);
    connect(m_eventView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &BufferInspector::eventView_currentChanged);

    m_subscriberView = makeTable(m_subscribers, QStringLiteral("subscriberTable"), this);
    m_replay = new ReplayPanel(admin, manager, this);
    m_replay->setObjectName(QStringLiteral("replayPanel"));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("inspectorTabs"));
    m_tabs->addTab(eventSplitter, tr("Events"));
    m_tabs->addTab(m_subscriberView, tr("Subscribers"));
    m_tabs->addTab(m_replay, tr("Replay"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_tabs, 1);
    updateTitle();
}

void BufferInspector::setCurrentTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

void BufferInspector::showSession(const QString &sessionId)
{
    if (sessionId == m_sessionId)
        return;
    ++m_generation;
    m_sessionId = sessionId;
    m_summary = SessionSummary();
    m_summary.sessionId = sessionId;
    m_removedReason.clear();
    m_errorText.clear();
    m_fetching = false;
    m_fetchAgain = false;
    m_events->clear();
    m_subscribers->clear();
    m_json->clear();
    m_replay->setSessionId(sessionId);
    updateTitle();
    if (!sessionId.isEmpty())
        fetchNewEvents();
}

void BufferInspector::refresh()
{
    if (m_sessionId.isEmpty())
        return;
    const QString id = m_sessionId;
    m_sessionId.clear();
    showSession(id);
}

void BufferInspector::handleStreamMessage(const AdminStreamMessage &message)
{
    using Kind = AdminStreamMessage::Kind;
    if (m_sessionId.isEmpty())
        return;
    if (message.kind == Kind::Snapshot) {
        // After a reconnect: anything may have happened meanwhile, subscriber messages may
        // have been missed, so the next listing replaces the subscriber rows.
        m_listingReplacesSubscribers = true;
        fetchNewEvents();
        return;
    }
    if (message.sessionId() != m_sessionId)
        return;
    if (message.hasSession) {
        m_summary = message.session;
        m_subscribers->setSessionLastSeq(message.session.lastSeq);
    }
    switch (message.kind) {
    case Kind::EventAppended:
        if (message.event.seq > m_events->lastSeq())
            fetchNewEvents();
        break;
    case Kind::EventsEvicted:
        m_events->dropBefore(message.session.firstSeq);
        break;
    case Kind::SubscriberConnected:
        m_subscribers->upsert(message.subscriber);
        break;
    case Kind::SubscriberDisconnected:
        m_subscribers->remove(message.subscriber.id);
        break;
    case Kind::SessionRemoved:
        m_removedReason = message.reason;
        m_subscribers->clear();
        break;
    default:
        break;
    }
    updateTitle();
}

void BufferInspector::fetchNewEvents()
{
    if (!m_admin || m_sessionId.isEmpty() || !m_removedReason.isEmpty())
        return;
    if (m_fetching) {
        m_fetchAgain = true;
        return;
    }
    m_fetching = true;
    m_fetchAgain = false;
    const int generation = m_generation;
    m_admin->fetchSession(m_sessionId, m_events->lastSeq(), this,
                          [this, generation](const SessionPage &page, const QString &error) {
                              if (generation != m_generation)
                                  return;
                              m_fetching = false;
                              m_errorText = error;
                              if (error.isEmpty()) {
                                  m_summary = page.summary;
                                  const QScrollBar *bar = m_eventView->verticalScrollBar();
                                  const bool atBottom = bar->value() == bar->maximum();
                                  m_events->dropBefore(page.summary.firstSeq);
                                  m_events->appendEvents(page.events);
                                  if (atBottom)
                                      m_eventView->scrollToBottom();
                                  if (m_listingReplacesSubscribers)
                                      m_subscribers->setSubscribers(page.subscribers);
                                  else
                                      m_subscribers->applyListing(page.subscribers);
                                  m_listingReplacesSubscribers = false;
                                  m_subscribers->setSessionLastSeq(page.summary.lastSeq);
                                  if (m_events->rowCount() > 0
                                      && !m_eventView->currentIndex().isValid())
                                      m_eventView->setCurrentIndex(m_events->index(0, 0));
                              }
                              updateTitle();
                              Q_EMIT bufferUpdated();
                              if (m_fetchAgain && error.isEmpty())
                                  fetchNewEvents();
                          });
}

void BufferInspector::eventView_currentChanged()
{
    const QModelIndex current = m_eventView->currentIndex();
    if (!current.isValid()) {
        m_json->clear();
        return;
    }
    m_json->setPlainText(QString::fromUtf8(
        QJsonDocument(m_events->eventAt(current.row())).toJson(QJsonDocument::Indented)));
}

void BufferInspector::updateTitle()
{
    if (m_sessionId.isEmpty()) {
        m_title->setText(tr("No session selected."));
        return;
    }
    QString text = QStringLiteral("<b>%1</b>").arg(m_sessionId.toHtmlEscaped());
    if (m_summary.createdAtMs > 0) { // the summary has come
        text += tr(" · %1 · %2 · %3 · %4 events (seq %5–%6 buffered, %7) · %8 dropped · %9 "
                   "subscribers")
                    .arg(m_summary.userId.toHtmlEscaped(), m_summary.mode,
                         sessionStateName(m_summary.state))
                    .arg(m_summary.eventCount)
                    .arg(m_summary.firstSeq)
                    .arg(m_summary.lastSeq)
                    .arg(SessionTableModel::formatBytes(m_summary.bufferedBytes))
                    .arg(m_summary.droppedEvents)
                    .arg(m_summary.subscribers);
    }
    if (!m_removedReason.isEmpty())
        text += tr("<br><span style='color:#c62828'>Removed from the service (%1).</span>")
                    .arg(m_removedReason);
    else if (!m_errorText.isEmpty())
        text += tr("<br><span style='color:#c62828'>%1</span>").arg(m_errorText.toHtmlEscaped());
    m_title->setText(text);
}

} // namespace ssebuf
