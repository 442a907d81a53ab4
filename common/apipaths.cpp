#include "apipaths.h"

#include <QUrl>

namespace ssebuf {

QString ApiPaths::segment(const QString &value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

} // namespace ssebuf
