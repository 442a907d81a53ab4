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

// ARGV: id, json head, json tail, now_ms, ttl_ms, max_events, max_bytes, wire overhead,
//       final status ('' unless final), session channel ('' when the instance publishes
//       the event itself, after WAIT), lifecycle channel.
// Answers {'ok', seq, evicted, header} (the notification's header line) or {reason}.
// Seq, eviction and the byte count work exactly as in the single-node append script.
RedisScript RedisClusterScript::append()
{
    return fromSource(R"lua(
local meta, stream = KEYS[1], KEYS[2]
local state = redis.call('HGET', meta, 'state')
if not state then
    return {'not_found'}
end
if state ~= 'running' then
    return {'ended'}
end
local seq = tonumber(redis.call('HGET', meta, 'last_seq')) + 1
local seqText = string.format('%d', seq)
local json = ARGV[2] .. seqText .. ARGV[3]
local overhead = tonumber(ARGV[8])
local size = #json + overhead + #seqText
local maxEvents = tonumber(ARGV[6])
local maxBytes = tonumber(ARGV[7])
if size > maxBytes then
    return {'too_large'}
end
local count = tonumber(redis.call('HGET', meta, 'count'))
local bytes = tonumber(redis.call('HGET', meta, 'bytes'))
local evicted = 0
while count > 0 and (count + 1 > maxEvents or bytes + size > maxBytes) do
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if not oldest then
        count = 0
        bytes = 0
        break
    end
    local oldSeq = string.match(oldest[1], '^(%d+)')
    bytes = bytes - (#oldest[2][2] + overhead + #oldSeq)
    redis.call('XDEL', stream, oldest[1])
    count = count - 1
    evicted = evicted + 1
end
redis.call('XADD', stream, 'MAXLEN', maxEvents, seqText .. '-0', 'j', json)
redis.call('HSET', meta, 'last_seq', seqText, 'first_seq', string.format('%d', seq - count),
    'count', count + 1, 'bytes', string.format('%d', bytes + size), 'updated_at', ARGV[4])
if evicted > 0 then
    redis.call('HINCRBY', meta, 'dropped', evicted)
end
if ARGV[9] ~= '' then
    redis.call('HSET', meta, 'state', ARGV[9])
end
local ttl = tonumber(ARGV[5])
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', stream, ttl)
local header = cjson.encode({k = 'appended', id = ARGV[1], m = fields(meta), x = evicted})
if ARGV[10] ~= '' then
    redis.call('SPUBLISH', ARGV[10], header .. '\n' .. json)
end
if ARGV[9] ~= '' then
    redis.call('PUBLISH', ARGV[11], cjson.encode({k = 'ended', id = ARGV[1], m = fields(meta)}))
end
return {'ok', seq, evicted, header}
)lua");
}

// ARGV: id, lifecycle channel, reason ('deleted' or 'expired'). Answers 1 when the
// session existed. An expired session's keys are normally gone already (PEXPIRE): the
// sweep announces it all the same, since it took it out of the index.
RedisScript RedisClusterScript::expire()
{
    return fromSource(R"lua(
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
if existed == 1 or ARGV[3] == 'expired' then
    redis.call('PUBLISH', ARGV[2], cjson.encode({k = 'removed', id = ARGV[1], r = ARGV[3]}))
end
return existed
)lua");
}

} // namespace ssebuf
