#include "lateconnectiondialog.h"

#include "replay/lateconnectioncheck.h"
#include "replay/replayeventmodel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace ssebuf {

LateConnectionDialog::LateConnectionDialog(AdminClient *admin, QNetworkAccessManager *manager,
                                           QWidget *parent)
    : QDialog(parent)
    , m_check(new LateConnectionCheck(admin, manager, this))
    , m_model(new ReplayEventModel(this))
{
    setObjectName(QStringLiteral("lateConnectionDialog"));
    setWindowTitle(tr("Late-connection check"));
    m_prompt = new QLineEdit(QStringLiteral("hello"), this);
    m_prompt->setObjectName(QStringLiteral("latePrompt"));
    m_user = new QLineEdit(QStringLiteral("qa_console"), this);
    m_user->setObjectName(QStringLiteral("lateUser"));
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("lateMode"));
    m_mode->addItems({QStringLiteral("autonomous"), QStringLiteral("interactive")});
    m_delay = new QSpinBox(this);
    m_delay->setObjectName(QStringLiteral("lateDelay"));
    m_delay->setRange(0, 600000);
    m_delay->setSingleStep(250);
    m_delay->setValue(2000);
    m_delay->setSuffix(tr(" ms"));
    m_runButton = new QPushButton(tr("Run check"), this);
    m_runButton->setObjectName(QStringLiteral("lateRunButton"));
    m_runButton->setDefault(true);
    m_stage = new QLabel(
        tr("Starts a session, waits, then connects to its stream as a late client."), this);
    m_stage->setObjectName(QStringLiteral("lateStage"));
    m_stage->setWordWrap(true);
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("lateVerdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("lateEventTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);

    auto *form = new QFormLayout;
    form->addRow(tr("Prompt"), m_prompt);
    form->addRow(tr("User"), m_user);
    form->addRow(tr("Mode"), m_mode);
    form->addRow(tr("Connect after"), m_delay);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_runButton, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_runButton, &QPushButton::clicked, this, &LateConnectionDialog::run);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_stage);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_verdict);
    layout->addWidget(buttons);
    resize(720, 480);

    connect(m_check, &LateConnectionCheck::stageChanged, this,
            &LateConnectionDialog::check_stageChanged);
    connect(m_check, &LateConnectionCheck::finished, this, &LateConnectionDialog::check_finished);
    connect(m_check, &LateConnectionCheck::eventReceived, m_model, &ReplayEventModel::append);
}

void LateConnectionDialog::run()
{
    m_model->clear();
    m_verdict->clear();
    m_verdict->setStyleSheet(QString());
    LateConnectionCheck::Request request;
    request.prompt = m_prompt->text();
    request.userId = m_user->text();
    request.mode = m_mode->currentText();
    request.delayMs = m_delay->value();
    m_runButton->setEnabled(false);
    m_check->run(request);
}

void LateConnectionDialog::check_stageChanged()
{
    QString text = LateConnectionCheck::stageName(m_check->stage());
    if (!m_check->sessionId().isEmpty())
        text = QStringLiteral("%1 — %2").arg(m_check->sessionId(), text);
    m_stage->setText(text);
}

void LateConnectionDialog::check_finished(bool passed)
{
    m_runButton->setEnabled(true);
    const ReplayVerdict verdict = m_check->verdict();
    const QString color = !passed                        ? QStringLiteral("#c62828")
        : verdict.level == ReplayVerdict::Level::Warning ? QStringLiteral("#b26a00")
                                                         : QStringLiteral("#2e7d32");
    m_verdict->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(color));
    m_verdict->setText(QStringLiteral("%1 %2").arg(
        passed ? QStringLiteral("✔") : QStringLiteral("✖"), m_check->report()));
}

} // namespace ssebuf
