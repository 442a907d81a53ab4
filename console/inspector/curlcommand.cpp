#include "curlcommand.h"

#include <QStringList>

namespace ssebuf {

QString CurlCommand::shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString CurlCommand::forStream(const QUrl &streamUrl, qint64 lastEventId)
{
    QStringList parts {QStringLiteral("curl"), QStringLiteral("-N"), QStringLiteral("-H"),
                       shellQuote(QStringLiteral("Accept: text/event-stream"))};
    if (lastEventId > 0)
        parts << QStringLiteral("-H")
              << shellQuote(QStringLiteral("Last-Event-ID: %1").arg(lastEventId));
    parts << shellQuote(streamUrl.toString(QUrl::FullyEncoded));
    return parts.join(QLatin1Char(' '));
}

} // namespace ssebuf
