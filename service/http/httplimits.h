#ifndef SSEBUF_HTTPLIMITS_H
#define SSEBUF_HTTPLIMITS_H

#include <QtGlobal>

namespace ssebuf {

// Limits the service enforces itself: QtHttpServer 6.4 has none.
struct HttpLimits
{
    qint64 maxBodyBytes = 1048576; // larger bodies get 413
    int maxHeaderBytes = 16384; // request line plus headers; larger gets 431
    int headerTimeoutMs = 10000; // a started request head must complete within this (408)
    int idleTimeoutMs = 75000; // a keep-alive connection with no request is closed
    qint64 maxStreamInputBytes = 65536; // bytes a client may send on an open SSE stream
    int listenBacklog = 4096;
    int requestTimeoutMs = 30000; // a request's head and body from its first byte (408)
    int maxConnections = 20000; // open connections, streams included; more are closed at once
    int maxConnectionsPerIp = 2000; // from one peer address (trusted proxies not counted)
};

} // namespace ssebuf

#endif
