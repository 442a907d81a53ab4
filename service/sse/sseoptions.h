#ifndef SSEBUF_SSEOPTIONS_H
#define SSEBUF_SSEOPTIONS_H

#include <QtGlobal>

namespace ssebuf {

struct SseOptions
{
    int retryMs = 3000; // the "retry:" line every stream starts with
    int keepaliveSeconds = 15; // ": keepalive" after this long without a write
    qint64 maxUnsentBytes = 1048576; // a subscriber whose unsent output passes this is cut off
    int stallTimeoutSeconds = 60; // unsent output that does not shrink for this long: cut off
    int replayBatchEvents = 512; // events read from the store per catch-up read
};

} // namespace ssebuf

#endif
