#ifndef SSEBUF_REDISSCRIPT_H
#define SSEBUF_REDISSCRIPT_H

#include <QByteArray>

namespace ssebuf {

// A Lua script the Redis store runs server-side (EVALSHA, falling back to EVAL after a
// Redis restart forgot it). Each one is atomic: that is what keeps seq contiguous and the
// buffer limits exact while several instances write to the same session.
struct RedisScript
{
    QByteArray source;
    QByteArray sha1; // hex, as EVALSHA wants it

    static RedisScript create(); // KEYS meta, index
    static RedisScript append(); // KEYS meta, stream, index, keys, key order (a batch)
    static RedisScript read(); // KEYS meta, stream
    static RedisScript list(); // KEYS index
    static RedisScript remove(); // KEYS meta, stream, index, keys, key order
    static RedisScript sweep(); // KEYS index

    // The script of body behind the prelude every script shares (its helper functions).
    static RedisScript fromSource(const QByteArray &body);
};

} // namespace ssebuf

#endif
