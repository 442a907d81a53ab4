#include "sessioncommands.h"

#include "client/adminclient.h"
#include "inspector/curlcommand.h"
#include "inspector/ndjsonexport.h"
#include "replay/lateconnectiondialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QMessageBox>

namespace ssebuf {

SessionCommands::SessionCommands(AdminClient *admin, QNetworkAccessManager *network,
                                 QWidget *window)
    : QObject(window)
    , m_admin(admin)
    , m_network(network)
    , m_window(window)
{
    m_confirm = [window](const QString &title, const QString &question) {
        return QMessageBox::question(window, title, question,
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    m_savePath = [window](const QString &suggestedName) {
        return QFileDialog::getSaveFileName(window, tr("Export events as NDJSON"),
                                            QDir::home().filePath(suggestedName),
                                            tr("NDJSON (*.ndjson *.jsonl);;All files (*)"));
    };
}

void SessionCommands::deleteSession(const QString &id)
{
    if (id.isEmpty())
        return;
    if (!m_confirm(
            tr("Delete session"),
            tr("Delete session %1?\nIts buffer is dropped and its open streams end.").arg(id)))
        return;
    m_admin->deleteSession(id, this, [this, id](const QString &error) {
        Q_EMIT status(error.isEmpty() ? tr("Deleted %1").arg(id)
                                      : tr("Could not delete %1: %2").arg(id, error));
        Q_EMIT sessionDeleted(id, error);
    });
}

void SessionCommands::cancelSession(const QString &id)
{
    if (id.isEmpty())
        return;
    if (!m_confirm(tr("Cancel session"),
                   tr("Cancel session %1?\nIts producer is stopped and its streams end with a "
                      "\"cancelled\" event.")
                       .arg(id)))
        return;
    m_admin->cancelSession(
        id, tr("cancelled from the console"), this, [this, id](const QString &error) {
            Q_EMIT status(error.isEmpty() ? tr("Cancelled %1").arg(id)
                                          : tr("Could not cancel %1: %2").arg(id, error));
            Q_EMIT sessionCancelled(id, error);
        });
}

void SessionCommands::exportSession(const QString &id)
{
    if (id.isEmpty())
        return;
    const QString path = m_savePath(NdjsonExport::suggestedFileName(id));
    if (path.isEmpty())
        return;
    m_admin->fetchSession(
        id, 0, this, [this, path](const SessionPage &page, const QString &fetchError) {
            QString error = fetchError;
            if (error.isEmpty() && !NdjsonExport::writeFile(path, page.events, &error)) {
                // error filled by writeFile
            }
            Q_EMIT status(error.isEmpty()
                              ? tr("Exported %1 events to %2").arg(page.events.size()).arg(path)
                              : tr("Export failed: %1").arg(error));
            Q_EMIT exportFinished(path, error);
        });
}

void SessionCommands::copyCurlCommand(const QString &id)
{
    if (id.isEmpty())
        return;
    const QString command = CurlCommand::forStream(m_admin->endpoint().sessionStreamUrl(id));
    QApplication::clipboard()->setText(command);
    Q_EMIT status(tr("Copied: %1").arg(command));
}

LateConnectionDialog *SessionCommands::lateConnectionDialog() const
{
    return m_lateDialog.data();
}

void SessionCommands::showLateConnectionCheck()
{
    if (!m_lateDialog)
        m_lateDialog = new LateConnectionDialog(m_admin, m_network, m_window);
    m_lateDialog->show();
    m_lateDialog->raise();
    m_lateDialog->activateWindow();
}

} // namespace ssebuf
