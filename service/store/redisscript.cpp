#include "redisscript.h"

#include <QCryptographicHash>

namespace ssebuf {

namespace {

// Shared by every script. A session is two keys plus its entry in the index:
//   meta   hash    user_id mode state created_at updated_at last_seq first_seq count bytes dropped
//                  [ended_reason] [keys: 1 once an idempotency key was recorded]
//   stream stream  one entry per buffered event, id "<seq>-0", field j = the event JSON
//   index  zset    session id -> expiry (ms since the epoch), for max-sessions and the sweep
// Notifications go to one pub/sub channel: a JSON header line {k, id, m (the meta hash),
// x (evicted), r (removal reason)}, then, for k = appended, a newline and the event JSON.
const char prelude[] = R"lua(
local function mapOf(flat)
    local map = {}
    for i = 1, #flat, 2 do
        map[flat[i]] = flat[i + 1]
    end
    return map
end
local function fields(key)
    return mapOf(redis.call('HGETALL', key))
end
-- A new session's record (ARGV: id, user_id, mode, created_at, ttl_ms), announced on
-- channel; false when the id is taken.
local function createRecord(meta, channel)
    if redis.call('EXISTS', meta) == 1 then
        return false
    end
    redis.call('HSET', meta, 'user_id', ARGV[2], 'mode', ARGV[3], 'state', 'running',
        'created_at', ARGV[4], 'updated_at', ARGV[4], 'last_seq', 0, 'first_seq', 0,
        'count', 0, 'bytes', 0, 'dropped', 0)
    redis.call('PEXPIRE', meta, tonumber(ARGV[5]))
    redis.call('PUBLISH', channel, cjson.encode({k = 'created', id = ARGV[1], m = fields(meta)}))
    return true
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
if not createRecord(meta, ARGV[7]) then
    return 'exists'
end
redis.call('ZADD', index, now + ttl, ARGV[1])
return 'ok'
)lua");
}

// KEYS: meta, stream, index (the meta key again on a cluster: no index), keys (hash:
//       idempotency key -> "fingerprint first last count duplicates"), key order (list of
//       keys by first use)
// ARGV: id, now_ms, ttl_ms, max_events, max_bytes, wire overhead, channel, max_keys,
//       request key, request fingerprint, end reason, item count, then per item: json head,
//       json tail, final status ('' unless final), key, fingerprint
// Each event's JSON is head .. seq .. tail: only the script knows seq, and it decides it
// under Redis' single-threaded execution, so two instances appending at once get
// consecutive numbers and the stream order is the seq order. A batch is all or nothing:
// everything is checked before anything is written. Keys are checked and recorded in the
// same step, so a retry is a duplicate whichever instance runs it, even while the original
// is still in flight.
RedisScript RedisScript::append()
{
    return fromSource(R"lua(
local meta, stream, index, khash, korder = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- The meta hash is read once: the checks, the new counters and the session's fields in the
-- answer and the notification all come from this table (one HGETALL, one HSET).
local m = fields(meta)
local state = m.state
if not state then
    return {'not_found'}
end
local reqKey, reqFp = ARGV[9], ARGV[10]
if reqKey ~= '' then
    local known = redis.call('HGET', khash, reqKey)
    if known then
        local fp, first, last, count, dups = string.match(known, '^(%S+) (%d+) (%d+) (%d+) (%d+)$')
        if fp ~= reqFp then
            return {'conflict', -1}
        end
        return {'duplicate_request', tonumber(first), tonumber(last), tonumber(count),
            tonumber(dups)}
    end
end
local n = tonumber(ARGV[12])
local fresh, sameAs, knownSeq, batchKeys = {}, {}, {}, {}
local dups = 0
for i = 1, n do
    local o = 12 + (i - 1) * 5
    local key, fp = ARGV[o + 4], ARGV[o + 5]
    local isDup = false
    if key ~= '' then
        if key == reqKey then
            return {'conflict', i - 1}
        end
        local earlier = batchKeys[key]
        local knownFp, knownFirst
        if earlier then
            knownFp = ARGV[12 + (earlier - 1) * 5 + 5]
        else
            local known = redis.call('HGET', khash, key)
            if known then
                knownFp, knownFirst = string.match(known, '^(%S+) (%d+)')
            end
        end
        if knownFp then
            if knownFp ~= fp then
                return {'conflict', i - 1}
            end
            dups = dups + 1
            isDup = true
            if earlier then
                sameAs[i] = earlier
            else
                knownSeq[i] = tonumber(knownFirst)
            end
        else
            batchKeys[key] = i
        end
    end
    if not isDup then
        fresh[#fresh + 1] = i
    end
end
if #fresh > 0 and state ~= 'running' then
    return {'ended', m.ended_reason or ''}
end
local lastSeq = tonumber(m.last_seq)
local overhead = tonumber(ARGV[6])
local maxEvents = tonumber(ARGV[4])
local maxBytes = tonumber(ARGV[5])
local jsons, sizes, seqOf = {}, {}, {}
for j, i in ipairs(fresh) do
    local o = 12 + (i - 1) * 5
    local seqText = string.format('%d', lastSeq + j)
    local json = ARGV[o + 1] .. seqText .. ARGV[o + 2]
    local size = #json + overhead + #seqText
    if size > maxBytes then
        return {'too_large', i - 1}
    end
    jsons[j], sizes[j], seqOf[i] = json, size, lastSeq + j
end
local count = tonumber(m.count)
local bytes = tonumber(m.bytes)
local evicted = 0
local finalStatus = ''
for j, i in ipairs(fresh) do
    local size = sizes[j]
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
    redis.call('XADD', stream, 'MAXLEN', maxEvents, string.format('%d', seqOf[i]) .. '-0', 'j',
        jsons[j])
    count = count + 1
    bytes = bytes + size
    local o = 12 + (i - 1) * 5
    if ARGV[o + 3] ~= '' then
        finalStatus = ARGV[o + 3]
    end
end
local seqs = {}
for i = 1, n do
    seqs[i] = seqOf[i] or knownSeq[i] or 0
end
for i = 1, n do
    if sameAs[i] then
        seqs[i] = seqs[sameAs[i]]
    end
end
local first = #fresh > 0 and lastSeq + 1 or 0
local last = #fresh > 0 and lastSeq + #fresh or 0
local ttl = tonumber(ARGV[3])
-- Idempotency keys: the hash and its order list exist once a key has been recorded
-- (meta field 'keys' = 1); sessions without keys never touch them.
local keysAdded = false
for _, i in ipairs(fresh) do
    local o = 12 + (i - 1) * 5
    if ARGV[o + 4] ~= '' then
        keysAdded = true
        redis.call('HSET', khash, ARGV[o + 4], ARGV[o + 5] .. ' ' .. seqs[i] .. ' ' .. seqs[i]
            .. ' 1 0')
        redis.call('RPUSH', korder, ARGV[o + 4])
    end
end
if reqKey ~= '' then
    redis.call('HSET', khash, reqKey, string.format('%s %d %d %d %d', reqFp, first, last, #fresh,
        dups))
    redis.call('RPUSH', korder, reqKey)
    keysAdded = true
end
if keysAdded then
    local excess = redis.call('LLEN', korder) - tonumber(ARGV[8])
    for _ = 1, excess do
        redis.call('HDEL', khash, redis.call('LPOP', korder))
    end
end
if keysAdded or m.keys then
    redis.call('PEXPIRE', khash, ttl)
    redis.call('PEXPIRE', korder, ttl)
end
-- The answer: 'ok', first seq, events appended, duplicates, then each item's seq.
local function answer(firstSeq, appended)
    local out = {'ok', firstSeq, appended, dups}
    for i = 1, n do
        out[#out + 1] = seqs[i]
    end
    return out
end
if #fresh == 0 then
    return answer(0, 0)
end
m.last_seq = string.format('%d', last)
m.first_seq = string.format('%d', last - count + 1)
m.count = string.format('%d', count)
m.bytes = string.format('%d', bytes)
m.updated_at = ARGV[2]
m.dropped = string.format('%d', (tonumber(m.dropped) or 0) + evicted)
local changed = {'last_seq', 'first_seq', 'count', 'bytes', 'updated_at', 'dropped'}
if keysAdded and not m.keys then
    m.keys = '1'
    changed[#changed + 1] = 'keys'
end
if finalStatus ~= '' then
    m.state = finalStatus
    changed[#changed + 1] = 'state'
    if ARGV[11] ~= '' then
        m.ended_reason = ARGV[11]
        changed[#changed + 1] = 'ended_reason'
    end
end
local update = {}
for _, name in ipairs(changed) do
    update[#update + 1] = name
    update[#update + 1] = m[name]
end
redis.call('HSET', meta, unpack(update))
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', stream, ttl)
-- A cluster keeps the index on its own master and passes the meta key in its place.
if index ~= meta then
    redis.call('ZADD', index, tonumber(ARGV[2]) + ttl, ARGV[1])
end
-- One message for the whole batch: the event JSONs follow the header line, one a line, as
-- they are (compact JSON has no raw newline), so receivers parse each once and deliver the
-- batch in one pass. The channel may name its command ('SPUBLISH <channel>', a cluster's
-- shard channel), or be empty: the instance publishes after WAIT.
local publish, channel = 'PUBLISH', ARGV[7]
local space = string.find(channel, ' ', 1, true)
if space then
    publish, channel = string.sub(channel, 1, space - 1), string.sub(channel, space + 1)
end
local flat = {}
for name, value in pairs(m) do
    flat[#flat + 1] = name
    flat[#flat + 1] = value
end
if channel ~= '' then
    redis.call(publish, channel, cjson.encode({k = 'appended', id = ARGV[1], m = mapOf(flat),
        x = evicted, n = #fresh}) .. '\n' .. table.concat(jsons, '\n'))
end
-- Then what an instance needs to announce the append itself: the number evicted and the
-- session's fields.
local out = answer(first, #fresh)
out[#out + 1] = evicted
out[#out + 1] = flat
return out
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
redis.call('DEL', KEYS[2], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[3], ARGV[1])
if existed == 1 then
    redis.call('PUBLISH', ARGV[2], cjson.encode({k = 'removed', id = ARGV[1], r = 'deleted'}))
end
return existed
)lua");
}

// ARGV: now_ms, meta key prefix, stream key prefix, channel, batch size, keys prefix,
//       key order prefix.
// Every instance runs it; ZREM inside the script makes exactly one of them announce
// each expiry. The keys expire on their own (PEXPIRE); deleting them here only settles a
// clock difference between this instance and Redis in favour of the index.
RedisScript RedisScript::sweep()
{
    return fromSource(R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(ids) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('DEL', ARGV[2] .. id, ARGV[3] .. id, ARGV[6] .. id, ARGV[7] .. id)
    redis.call('PUBLISH', ARGV[4], cjson.encode({k = 'removed', id = id, r = 'expired'}))
end
return #ids
)lua");
}

} // namespace ssebuf
