#include "isotime.h"

namespace ssebuf {

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString isoUtcFromMs(qint64 msSinceEpoch)
{
    return isoUtc(QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC));
}

qint64 msFromIso(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace ssebuf
