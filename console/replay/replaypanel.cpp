#include "replaypanel.h"

#include "client/adminclient.h"
#include "replay/replayeventmodel.h"
#include "replay/replaypacer.h"
#include "replay/replaysession.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace ssebuf {

ReplayPanel::ReplayPanel(AdminClient *admin, QNetworkAccessManager *manager, QWidget *parent)
    : QWidget(parent)
    , m_admin(admin)
    , m_replay(new ReplaySession(manager, this))
    , m_pacer(new ReplayPacer(this))
    , m_model(new ReplayEventModel(this))
{
    m_fromStart = new QRadioButton(tr("From the start"), this);
    m_fromStart->setObjectName(QStringLiteral("replayFromStart"));
    m_fromStart->setChecked(true);
    m_fromId = new QRadioButton(tr("After event id"), this);
    m_fromId->setObjectName(QStringLiteral("replayFromId"));
    m_lastEventId = new QSpinBox(this);
    m_lastEventId->setObjectName(QStringLiteral("replayLastEventId"));
    m_lastEventId->setRange(1, 1000000000);
    m_lastEventId->setToolTip(
        tr("Sent as the Last-Event-ID header: the replay starts after this seq"));
    m_lastEventId->setEnabled(false);
    connect(m_fromId, &QRadioButton::toggled, m_lastEventId, &QSpinBox::setEnabled);
    m_fromNow = new QRadioButton(tr("From now"), this);
    m_fromNow->setObjectName(QStringLiteral("replayFromNow"));
    m_fromNow->setToolTip(tr("?from=now: no replay, only events appended after connecting"));
    m_fromTail = new QRadioButton(tr("Last"), this);
    m_fromTail->setObjectName(QStringLiteral("replayFromTail"));
    m_tail = new QSpinBox(this);
    m_tail->setObjectName(QStringLiteral("replayTail"));
    m_tail->setRange(1, 1000000);
    m_tail->setValue(10);
    m_tail->setSuffix(tr(" events"));
    m_tail->setToolTip(tr("?tail=N: the last N buffered events, then live"));
    m_tail->setEnabled(false);
    connect(m_fromTail, &QRadioButton::toggled, m_tail, &QSpinBox::setEnabled);
    m_delay = new QSpinBox(this);
    m_delay->setObjectName(QStringLiteral("replayDelay"));
    m_delay->setRange(0, 600000);
    m_delay->setSingleStep(250);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setToolTip(tr("Wait this long before connecting, like a late client"));
    m_pace = new QComboBox(this);
    m_pace->setObjectName(QStringLiteral("replayPace"));
    m_pace->addItem(tr("As recorded"), 1.0);
    m_pace->addItem(tr("×10"), 10.0);
    m_pace->addItem(tr("Instant"), 0.0);
    m_pace->setCurrentIndex(2);
    m_pace->setToolTip(tr("Pace of the display only; arrival times are always the real ones"));
    connect(m_pace, &QComboBox::currentIndexChanged, this,
            &ReplayPanel::paceCombo_currentIndexChanged);
    m_pacer->setSpeed(0);

    m_startButton = new QPushButton(tr("Replay"), this);
    m_startButton->setObjectName(QStringLiteral("replayStartButton"));
    m_stopButton = new QPushButton(tr("Stop"), this);
    m_stopButton->setObjectName(QStringLiteral("replayStopButton"));
    connect(m_startButton, &QPushButton::clicked, this, &ReplayPanel::startButton_clicked);
    connect(m_stopButton, &QPushButton::clicked, this, &ReplayPanel::stopReplay);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("replayStatus"));
    m_verdictLabel = new QLabel(this);
    m_verdictLabel->setObjectName(QStringLiteral("replayVerdict"));
    m_verdictLabel->setWordWrap(true);
    m_verdictLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("replayTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    const int widths[] = {90, 85, 40, 70, 75};
    for (int column = 0; column < ReplayEventModel::MessageColumn; ++column)
        m_table->setColumnWidth(column, widths[column]);

    auto *startRow = new QHBoxLayout;
    startRow->addWidget(m_fromStart);
    startRow->addWidget(m_fromId);
    startRow->addWidget(m_lastEventId);
    startRow->addWidget(m_fromNow);
    startRow->addWidget(m_fromTail);
    startRow->addWidget(m_tail);
    startRow->addStretch();
    auto *form = new QFormLayout;
    form->addRow(tr("Start"), startRow);
    auto *timingRow = new QHBoxLayout;
    timingRow->addWidget(m_delay);
    timingRow->addWidget(new QLabel(tr("Display pace"), this));
    timingRow->addWidget(m_pace);
    timingRow->addStretch();
    timingRow->addWidget(m_startButton);
    timingRow->addWidget(m_stopButton);
    form->addRow(tr("Delay"), timingRow);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_verdictLabel);

    connect(m_replay, &ReplaySession::stateChanged, this, &ReplayPanel::replay_stateChanged);
    connect(m_replay, &ReplaySession::eventReceived, this, &ReplayPanel::replay_eventReceived);
    connect(m_replay, &ReplaySession::finished, this, &ReplayPanel::replay_finished);
    connect(m_pacer, &ReplayPacer::released, this, &ReplayPanel::pacer_released);
    updateButtons();
}

void ReplayPanel::setSessionId(const QString &sessionId)
{
    if (sessionId == m_sessionId)
        return;
    stopReplay();
    ++m_generation;
    m_sessionId = sessionId;
    m_pacer->clear();
    m_model->clear();
    m_hasVerdict = false;
    m_verdictLabel->clear();
    m_status->setText(sessionId.isEmpty() ? tr("Select a session to replay it.")
                                          : tr("Ready to replay %1.").arg(sessionId));
    updateButtons();
}

void ReplayPanel::startButton_clicked()
{
    startReplay();
}

void ReplayPanel::startReplay()
{
    if (m_sessionId.isEmpty() || !m_admin)
        return;
    ++m_generation;
    m_pacer->clear();
    m_pacer->setSpeed(m_pace->currentData().toDouble());
    m_model->clear();
    m_hasVerdict = false;
    m_verdictLabel->clear();
    m_verdictLabel->setStyleSheet(QString());
    ReplaySession::Options options;
    options.lastEventId = m_fromId->isChecked() ? m_lastEventId->value() : 0;
    options.delayMs = m_delay->value();
    options.fromNow = m_fromNow->isChecked();
    options.tail = m_fromTail->isChecked() ? m_tail->value() : 0;
    m_replay->start(m_admin->endpoint(), m_sessionId, options);
}

void ReplayPanel::stopReplay()
{
    m_replay->stop();
}

void ReplayPanel::paceCombo_currentIndexChanged()
{
    m_pacer->setSpeed(m_pace->currentData().toDouble());
}

void ReplayPanel::replay_stateChanged()
{
    switch (m_replay->state()) {
    case ReplaySession::State::Waiting:
        m_status->setText(tr("Waiting %1 ms before connecting…").arg(m_replay->options().delayMs));
        break;
    case ReplaySession::State::Connecting:
        m_status->setText(
            tr("Connecting to %1…")
                .arg(m_admin ? m_admin->endpoint().sessionStreamUrl(m_sessionId).toString()
                             : QString()));
        break;
    case ReplaySession::State::Streaming:
        m_status->setText(tr("Streaming…"));
        break;
    case ReplaySession::State::Finished:
    case ReplaySession::State::Failed:
    case ReplaySession::State::Idle:
        break;
    }
    updateButtons();
}

void ReplayPanel::replay_eventReceived(const ReplayEvent &event)
{
    m_pacer->push(event);
    m_status->setText(tr("Streaming… %1 received").arg(m_replay->received().size()));
}

void ReplayPanel::pacer_released(const ReplayEvent &event)
{
    const bool atBottom
        = m_table->verticalScrollBar()->value() == m_table->verticalScrollBar()->maximum();
    m_model->append(event);
    if (atBottom)
        m_table->scrollToBottom();
}

void ReplayPanel::replay_finished()
{
    updateButtons();
    if (m_replay->state() == ReplaySession::State::Failed) {
        ReplayVerdict verdict;
        verdict.level = ReplayVerdict::Level::Fail;
        verdict.text = tr("Replay failed: %1").arg(m_replay->errorText());
        m_status->setText(verdict.text);
        showVerdict(verdict);
        return;
    }
    const int received = int(m_replay->received().size());
    m_status->setText(m_replay->stoppedEarly()
                          ? tr("Stopped after %1 messages; verifying…").arg(received)
                          : tr("Stream ended after %1 messages (HTTP %2); verifying…")
                                .arg(received)
                                .arg(m_replay->httpStatus()));
    if (!m_admin)
        return;
    const int generation = m_generation;
    const QString sessionId = m_sessionId;
    m_admin->fetchSessionPage(
        sessionId, 0, 1, this, [this, generation](const SessionPage &page, const QString &error) {
            if (generation != m_generation)
                return;
            if (!error.isEmpty()) {
                ReplayVerdict verdict;
                verdict.level = ReplayVerdict::Level::Fail;
                verdict.text = tr("Cannot verify: %1").arg(error);
                showVerdict(verdict);
                return;
            }
            showVerdict(ReplayVerifier::verify(m_replay->received(), replayedAfter(),
                                               page.summary.firstSeq, page.summary.lastSeq,
                                               m_replay->stoppedEarly()));
        });
}

qint64 ReplayPanel::replayedAfter() const
{
    const ReplaySession::Options options = m_replay->options();
    if (!options.fromNow && options.tail == 0)
        return options.lastEventId;
    // From now or the last N: the service chose where to start; what came must be
    // contiguous from the first event received.
    for (const ReplayEvent &event : m_replay->received()) {
        if (event.seq > 0)
            return event.seq - 1;
    }
    return options.lastEventId;
}

void ReplayPanel::showVerdict(const ReplayVerdict &verdict)
{
    m_verdict = verdict;
    m_hasVerdict = true;
    QString color;
    QString mark;
    switch (verdict.level) {
    case ReplayVerdict::Level::Pass:
        color = QStringLiteral("#2e7d32");
        mark = QStringLiteral("✔");
        break;
    case ReplayVerdict::Level::Warning:
        color = QStringLiteral("#b26a00");
        mark = QStringLiteral("⚠");
        break;
    case ReplayVerdict::Level::Fail:
        color = QStringLiteral("#c62828");
        mark = QStringLiteral("✖");
        break;
    }
    m_verdictLabel->setStyleSheet(
        QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(color));
    m_verdictLabel->setText(QStringLiteral("%1 %2").arg(mark, verdict.text));
    if (m_replay->state() == ReplaySession::State::Finished)
        m_status->setText(tr("Replay of %1 finished.").arg(m_sessionId));
    Q_EMIT verdictReady(verdict);
}

void ReplayPanel::updateButtons()
{
    const bool active = m_replay->isActive();
    m_startButton->setEnabled(!active && !m_sessionId.isEmpty());
    m_stopButton->setEnabled(active);
}

} // namespace ssebuf
