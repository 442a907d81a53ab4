#ifndef SSEBUF_REDISCLUSTERSCRIPT_H
#define SSEBUF_REDISCLUSTERSCRIPT_H

#include "redisscript.h"

namespace ssebuf {

// The scripts of the cluster store (RedisClusterStore). A script may touch the keys of one
// slot only, so each one works on one session (KEYS ssebuf:{id}:s, ssebuf:{id}:e) or on the
// session index (ssebuf:{ssebuf}:sessions), never on both: the index is kept by the
// instance beside the session's own script (docs/redis.md, "Redis Cluster").
struct RedisClusterScript
{
    static RedisScript reserve(); // KEYS index
    static RedisScript create(); // KEYS meta
    static RedisScript append(); // KEYS meta, stream
    static RedisScript expire(); // KEYS meta, stream
};

} // namespace ssebuf

#endif
