#include "redisclusterscript.h"

#include <QCryptographicHash>

namespace ssebuf {

namespace {

// As in redisscript.cpp. Notifications: the header line {k, id, m (the meta hash),
// x (evicted), r (removal reason)}, for k = appended a newline and the event JSON.
// Lifecycle changes (created, ended, removed) go to the cluster-wide channel with
// PUBLISH; events to the session's own shard channel with SPUBLISH, which reaches only
// the instances that stream the session (contract section 17).
const char prelude[] = R"lua(
local function fields(key)
    local flat = redis.call('HGETALL', key)
    local map = {}
    for i = 1, #flat, 2 do
        map[flat[i]] = flat[i + 1]
    end
    return map
end
)lua";

RedisScript fromSource(const QByteArray &body)
{
    RedisScript script;
    script.source = QByteArray(prelude) + body;
    script.sha1 = QCryptographicHash::hash(script.source, QCryptographicHash::Sha1).toHex();
    return script;
}

} // namespace

// ARGV: id, expiry_ms, max_sessions. The index holds every session until the sweep takes
// it out, so ZCARD is the number held (running, finished, or expired but not yet swept).
RedisScript RedisClusterScript::reserve()
{
    return fromSource(R"lua(
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
    return fromSource(R"lua(
local meta = KEYS[1]
if redis.call('EXISTS', meta) == 1 then
    return 'exists'
end
redis.call('HSET', meta, 'user_id', ARGV[2], 'mode', ARGV[3], 'state', 'running',
    'created_at', ARGV[4], 'updated_at', ARGV[4], 'last_seq', 0, 'first_seq', 0,
    'count', 0, 'bytes', 0, 'dropped', 0)
redis.call('PEXPIRE', meta, tonumber(ARGV[5]))
redis.call('PUBLISH', ARGV[6], cjson.encode({k = 'created', id = ARGV[1], m = fields(meta)}))
return 'ok'
)lua");
}

// ARGV: id, lifecycle channel, reason ('deleted' or 'expired'). Answers 1 when the
// session existed. An expired session's keys are normally gone already (PEXPIRE): the
// sweep announces it all the same, since it took it out of the index.
RedisScript RedisClusterScript::expire()
{
    return fromSource(R"lua(
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
if existed == 1 or ARGV[3] == 'expired' then
    redis.call('PUBLISH', ARGV[2], cjson.encode({k = 'removed', id = ARGV[1], r = ARGV[3]}))
end
return existed
)lua");
}

} // namespace ssebuf
