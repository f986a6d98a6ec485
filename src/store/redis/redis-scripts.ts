/**
 * The Lua scripts of the Redis store: each runs atomically on the server, so a read sees one
 * version of the pool and a write lands only on the version it was computed from.
 *
 * Keys (after the prefix): `version` (counter, +1 per write), `accounts` (hash id → record JSON),
 * `order` (JSON array of ids), `state` (hash id → shared state JSON), `data` (hash: any other
 * top-level field of the pool → JSON, e.g. `settings`), `fence` (counter of lock tokens),
 * `lease:<name>` (the lock, `<fence>:<owner JSON>`, with an expiry), `history:<id>` (sorted set of
 * usage samples scored by time); channel `events`.
 */

/** KEYS: version accounts order state data → { version|false, accounts, order|false, state, data }. */
export const READ_POOL = `
return {
  redis.call('GET', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('GET', KEYS[3]),
  redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[5])
}`;

/**
 * KEYS: version accounts order state data, then the usage history of each account the write removes
 * (deleted with its record). ARGV: expected version ('0' = none yet), channel, writer id, order JSON
 * ('' = unchanged), then ops as triples: hash index (2, 4 or 5), field, value ('' with a leading '-'
 * op = delete). Returns { 1, new version } or { 0, current version }.
 */
export const WRITE_POOL = `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return {0, current} end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
local i = 5
while i <= #ARGV do
  local op, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = KEYS[tonumber(string.sub(op, 2))]
  if string.sub(op, 1, 1) == '-' then redis.call('HDEL', key, field) else redis.call('HSET', key, field, value) end
  i = i + 3
end
for k = 6, #KEYS do redis.call('DEL', KEYS[k]) end
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[2], 'write ' .. version .. ' ' .. ARGV[3])
return {1, tostring(version)}`;

/** KEYS: lease fence. ARGV: owner JSON, ttl ms → { 1, token } or { 0, holder token, pttl }. */
export const TAKE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}`;

/** KEYS: lease. ARGV: token, ttl ms → 1 when still ours (expiry pushed out), else 0. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: lease. ARGV: token, channel, lease name → 1 when it was ours and is gone, else 0 (fencing). */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'lease ' .. ARGV[3])
  return 1
end
return 0`;

/**
 * KEYS: history. ARGV: at, sample JSON (with its time, unique per member), min gap, keep ms, full
 * resolution ms, thinned step ms → 1 when stored, 0 when one of the last minute is there. Same rules
 * as the file store's usage_history: one per minute, a week kept, older than a day one per step.
 */
export const APPEND_SAMPLE = `
local at = tonumber(ARGV[1])
if #redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (at - tonumber(ARGV[3])), '+inf', 'LIMIT', 0, 1) > 0 then return 0 end
redis.call('ZADD', KEYS[1], at, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (at - tonumber(ARGV[4])))
local step = tonumber(ARGV[6])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (at - tonumber(ARGV[5])), 'WITHSCORES')
local bucket = nil
for i = 1, #old, 2 do
  local b = math.floor(tonumber(old[i + 1]) / step)
  if b == bucket then redis.call('ZREM', KEYS[1], old[i]) else bucket = b end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;
