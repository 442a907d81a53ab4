#ifndef SSEBUF_REDISCLUSTERSCRIPT_H
#define SSEBUF_REDISCLUSTERSCRIPT_H

#include "redisscript.h"

namespace ssebuf {

// The scripts of the cluster store (RedisClusterStore) beside the single-node ones it shares
// (RedisScript::append and read). A script may touch the keys of one slot only, so each
// one works on one session (KEYS ssebuf:{id}:...) or on the session index
// (ssebuf:{ssebuf}:sessions), never on both: the index is kept by the instance beside the
// session's own script (docs/redis.md, "Redis Cluster").
struct RedisClusterScript
{
    static RedisScript reserve(); // KEYS index
    static RedisScript create(); // KEYS meta
    static RedisScript expire(); // KEYS meta, stream, keys, key order
};

} // namespace ssebuf

#endif
