#ifndef SSEBUF_CONSOLE_CURLCOMMAND_H
#define SSEBUF_CONSOLE_CURLCOMMAND_H

#include <QString>
#include <QUrl>

namespace ssebuf {

// Builds the shell command that streams a session with curl, e.g.
// curl -N -H 'Accept: text/event-stream' 'http://127.0.0.1:8000/api/refactor/session_…/sse'
class CurlCommand
{
public:
    static QString forStream(const QUrl &streamUrl, qint64 lastEventId = 0);
    // Quotes for a POSIX shell: 'text', with embedded quotes as '\''.
    static QString shellQuote(const QString &text);
};

} // namespace ssebuf

#endif
