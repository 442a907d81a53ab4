#ifndef SSEBUF_LOGSINK_H
#define SSEBUF_LOGSINK_H

#include <QString>

namespace ssebuf {

// Routes Qt logging to standard error as text or JSON lines, filtered by level. Qt's
// message handler is process-wide, so only main() installs it.
class LogSink
{
public:
    static void install(const QString &level, const QString &format);
};

} // namespace ssebuf

#endif
