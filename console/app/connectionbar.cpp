#include "connectionbar.h"

#include "app/consolesettings.h"
#include "client/adminstreamclient.h"
#include "sessions/sessiontablemodel.h"

#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>

namespace ssebuf {

ConnectionBar::ConnectionBar(ConsoleSettings *settings, const AdminStreamClient *stream,
                             const SessionTableModel *sessions, QWidget *parent)
    : QToolBar(tr("Connection"), parent)
    , m_settings(settings)
    , m_stream(stream)
    , m_sessions(sessions)
{
    setObjectName(QStringLiteral("connectionToolBar"));
    setMovable(false);
    m_urlCombo = new QComboBox(this);
    m_urlCombo->setObjectName(QStringLiteral("urlCombo"));
    m_urlCombo->setEditable(true);
    m_urlCombo->setInsertPolicy(QComboBox::NoInsert);
    m_urlCombo->setMinimumContentsLength(26);
    m_urlCombo->lineEdit()->setPlaceholderText(QStringLiteral("http://127.0.0.1:8000"));
    m_urlCombo->setToolTip(tr("Service URL (Ctrl+L)"));
    m_urlCombo->addItems(m_settings->recentUrls());
    connect(m_urlCombo, &QComboBox::activated, this, &ConnectionBar::urlCombo_activated);
    connect(m_urlCombo->lineEdit(), &QLineEdit::returnPressed, this,
            &ConnectionBar::connectRequested);
    m_tokenEdit = new QLineEdit(this);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(tr("admin token"));
    m_tokenEdit->setMaximumWidth(200);
    connect(m_tokenEdit, &QLineEdit::returnPressed, this, &ConnectionBar::connectRequested);
    m_connectButton = new QPushButton(tr("Connect"), this);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    connect(m_connectButton, &QPushButton::clicked, this, &ConnectionBar::connectButton_clicked);
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("connectionState"));
    m_stateLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    addWidget(new QLabel(tr(" Service "), this));
    addWidget(m_urlCombo);
    addWidget(m_tokenEdit);
    addWidget(m_connectButton);
    addSeparator();
    addWidget(m_stateLabel);
    if (!m_settings->recentUrls().isEmpty())
        m_tokenEdit->setText(
            QString::fromUtf8(m_settings->token(m_settings->recentUrls().constFirst())));
}

QString ConnectionBar::urlText() const
{
    return m_urlCombo->currentText();
}

QByteArray ConnectionBar::token() const
{
    return m_tokenEdit->text().trimmed().toUtf8();
}

void ConnectionBar::showEndpoint(const QString &url, const QByteArray &token)
{
    if (m_urlCombo->currentText() != url)
        m_urlCombo->setEditText(url);
    if (m_tokenEdit->text().toUtf8() != token)
        m_tokenEdit->setText(QString::fromUtf8(token));
}

void ConnectionBar::addRecentUrl(const QString &url)
{
    if (m_urlCombo->findText(url) < 0)
        m_urlCombo->insertItem(0, url);
}

void ConnectionBar::showError(const QString &error)
{
    m_stateLabel->setStyleSheet(QStringLiteral("QLabel { color: #c62828; }"));
    m_stateLabel->setText(QStringLiteral("✖ %1").arg(error));
}

void ConnectionBar::focusUrl()
{
    m_urlCombo->setFocus(Qt::ShortcutFocusReason);
    m_urlCombo->lineEdit()->selectAll();
}

QString ConnectionBar::stateText() const
{
    return m_stateLabel->text();
}

void ConnectionBar::urlCombo_activated()
{
    m_tokenEdit->setText(QString::fromUtf8(m_settings->token(m_urlCombo->currentText().trimmed())));
}

void ConnectionBar::connectButton_clicked()
{
    const AdminStreamClient::State state = m_stream->state();
    if (state == AdminStreamClient::State::Connected
        || state == AdminStreamClient::State::Connecting
        || state == AdminStreamClient::State::Reconnecting)
        Q_EMIT disconnectRequested();
    else
        Q_EMIT connectRequested();
}

void ConnectionBar::updateState()
{
    const QLocale locale;
    QString text;
    QString color;
    switch (m_stream->state()) {
    case AdminStreamClient::State::Disconnected:
        text = tr("○ disconnected");
        color = QStringLiteral("#616161");
        break;
    case AdminStreamClient::State::Connecting:
        text = tr("◌ connecting to %1…").arg(m_stream->endpoint().baseUrl().toString());
        color = QStringLiteral("#616161");
        break;
    case AdminStreamClient::State::Connected: {
        const ServiceInfo info = m_stream->serviceInfo();
        QStringList parts {tr("● connected")};
        if (!info.version.isEmpty())
            parts << QStringLiteral("v%1").arg(info.version);
        if (info.startedAtMs > 0)
            parts << tr("up %1").arg(SessionTableModel::formatDuration(
                QDateTime::currentMSecsSinceEpoch() - info.startedAtMs));
        if (!info.store.isEmpty())
            parts << info.store;
        parts << tr("%1 sessions").arg(locale.toString(m_sessions->rowCount()));
        text = parts.join(QStringLiteral(" · "));
        color = QStringLiteral("#2e7d32");
        break;
    }
    case AdminStreamClient::State::Reconnecting:
        text = tr("◌ reconnecting in %1 s (attempt %2): %3")
                   .arg(m_stream->retryDelayMs() / 1000.0, 0, 'f', 1)
                   .arg(m_stream->failedAttempts())
                   .arg(m_stream->errorText());
        color = QStringLiteral("#b26a00");
        break;
    case AdminStreamClient::State::Failed:
        text = QStringLiteral("✖ %1").arg(m_stream->errorText());
        color = QStringLiteral("#c62828");
        break;
    }
    m_stateLabel->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(color));
    m_stateLabel->setText(text);
    const AdminStreamClient::State state = m_stream->state();
    m_connectButton->setText(state == AdminStreamClient::State::Disconnected
                                     || state == AdminStreamClient::State::Failed
                                 ? tr("Connect")
                                 : tr("Disconnect"));
}

} // namespace ssebuf
