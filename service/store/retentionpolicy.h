#ifndef SSEBUF_RETENTIONPOLICY_H
#define SSEBUF_RETENTIONPOLICY_H

#include <QtGlobal>

namespace ssebuf {

// Contract section 6: how long and how much a store keeps.
struct RetentionPolicy
{
    int sessionTtlSeconds = 300; // after the session's last event (or its creation)
    int maxEvents = 1000; // per session
    qint64 maxBufferBytes = 1048576; // per session, encoded SSE bytes
    int maxSessions = 10000; // held at once, running or finished
    int sweepIntervalSeconds = 60;
    int maxIdempotencyKeys = 10000; // per session, header and per-event keys together
};

} // namespace ssebuf

#endif
