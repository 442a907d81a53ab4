#include "redisclusterscript.h"

namespace ssebuf {

// The prelude and the notification format are those of redisscript.cpp. Lifecycle changes
// (created, ended, removed) go to the cluster-wide channel with PUBLISH; events to the
// session's own shard channel with SPUBLISH, which reaches only the instances that stream
// the session (contract section 17).

// ARGV: id, expiry_ms, max_sessions. The index holds every session until the sweep takes
// it out, so ZCARD is the number held (running, finished, or expired but not yet swept).
RedisScript RedisClusterScript::reserve()
{
    return RedisScript::fromSource(R"lua(
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return 'full'
end
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then
    return 'exists'
end
return 'ok'
)lua");
}

// ARGV: id, user_id, mode, created_at, ttl_ms, lifecycle channel
RedisScript RedisClusterScript::create()
{
    return RedisScript::fromSource(R"lua(
return createRecord(KEYS[1], ARGV[6]) and 'ok' or 'exists'
)lua");
}

// ARGV: id, lifecycle channel, reason ('deleted' or 'expired'). Answers 1 when the
// session existed. An expired session's keys are normally gone already (PEXPIRE): the
// sweep announces it all the same, since it took it out of the index.
RedisScript RedisClusterScript::expire()
{
    return RedisScript::fromSource(R"lua(
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
if existed == 1 or ARGV[3] == 'expired' then
    redis.call('PUBLISH', ARGV[2], cjson.encode({k = 'removed', id = ARGV[1], r = ARGV[3]}))
end
return existed
)lua");
}

} // namespace ssebuf
