#include "redisscript.h"

#include <QCryptographicHash>

namespace ssebuf {

namespace {

// Shared by every script. A session is two keys plus its entry in the index:
//   meta   hash    user_id mode state created_at updated_at last_seq first_seq count bytes dropped
//   stream stream  one entry per buffered event, id "<seq>-0", field j = the event JSON
//   index  zset    session id -> expiry (ms since the epoch), for max-sessions and the sweep
// Notifications go to one pub/sub channel: a JSON header line {k, id, m (the meta hash),
// x (evicted), r (removal reason)}, then, for k = appended, a newline and the event JSON.
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

} // namespace

RedisScript RedisScript::fromSource(const QByteArray &body)
{
    RedisScript script;
    script.source = QByteArray(prelude) + body;
    script.sha1 = QCryptographicHash::hash(script.source, QCryptographicHash::Sha1).toHex();
    return script;
}

// ARGV: id, user_id, mode, created_at, ttl_ms, max_sessions, channel
RedisScript RedisScript::create()
{
    return fromSource(R"lua(
local meta, index = KEYS[1], KEYS[2]
local now = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
-- Index scores are expiry times: everything above now is held, running or finished.
if redis.call('ZCOUNT', index, '(' .. ARGV[4], '+inf') >= tonumber(ARGV[6]) then
    return 'full'
end
if redis.call('EXISTS', meta) == 1 then
    return 'exists'
end
redis.call('HSET', meta, 'user_id', ARGV[2], 'mode', ARGV[3], 'state', 'running',
    'created_at', ARGV[4], 'updated_at', ARGV[4], 'last_seq', 0, 'first_seq', 0,
    'count', 0, 'bytes', 0, 'dropped', 0)
redis.call('PEXPIRE', meta, ttl)
redis.call('ZADD', index, now + ttl, ARGV[1])
redis.call('PUBLISH', ARGV[7], cjson.encode({k = 'created', id = ARGV[1], m = fields(meta)}))
return 'ok'
)lua");
}

// ARGV: id, json head, json tail, now_ms, ttl_ms, max_events, max_bytes, wire overhead,
//       final status ('' unless final), channel
// The event JSON is head .. seq .. tail: only the script knows seq, and it decides it
// under Redis' single-threaded execution, so two instances appending at once get
// consecutive numbers and the stream order is the seq order.
RedisScript RedisScript::append()
{
    return fromSource(R"lua(
local meta, stream, index = KEYS[1], KEYS[2], KEYS[3]
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
-- Make room, oldest first, exactly as the memory store does.
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
redis.call('ZADD', index, tonumber(ARGV[4]) + ttl, ARGV[1])
-- The event JSON follows the header line as it is: receivers parse it once, not unescape it.
redis.call('PUBLISH', ARGV[10], cjson.encode({k = 'appended', id = ARGV[1], m = fields(meta),
    x = evicted}) .. '\n' .. json)
return {'ok', seq, evicted}
)lua");
}

// ARGV: first seq wanted, limit. Answers {} for an unknown session, else {meta, entries}.
RedisScript RedisScript::read()
{
    return fromSource(R"lua(
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then
    return {}
end
local entries = redis.call('XRANGE', KEYS[2], ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
return {flat, entries}
)lua");
}

// ARGV: now_ms, meta key prefix. Answers {{id, meta}, ...} for every session held.
RedisScript RedisScript::list()
{
    return fromSource(R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local out = {}
for _, id in ipairs(ids) do
    local flat = redis.call('HGETALL', ARGV[2] .. id)
    if #flat > 0 then
        out[#out + 1] = {id, flat}
    end
end
return out
)lua");
}

// ARGV: id, channel. Answers 1 when the session existed.
RedisScript RedisScript::remove()
{
    return fromSource(R"lua(
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
if existed == 1 then
    redis.call('PUBLISH', ARGV[2], cjson.encode({k = 'removed', id = ARGV[1], r = 'deleted'}))
end
return existed
)lua");
}

// ARGV: now_ms, meta key prefix, stream key prefix, channel, batch size.
// Every instance runs it; ZREM inside the script makes exactly one of them announce
// each expiry. The keys expire on their own (PEXPIRE); deleting them here only settles a
// clock difference between this instance and Redis in favour of the index.
RedisScript RedisScript::sweep()
{
    return fromSource(R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(ids) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('DEL', ARGV[2] .. id, ARGV[3] .. id)
    redis.call('PUBLISH', ARGV[4], cjson.encode({k = 'removed', id = id, r = 'expired'}))
end
return #ids
)lua");
}

} // namespace ssebuf
