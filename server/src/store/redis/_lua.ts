// The Lua scripts of the Redis store (the invitation ones live in _redisInvitations.ts). Each runs
// atomically inside Redis, so several relay instances may touch the same stream or bucket at once.
// They mirror the reference semantics of memory.ts/_stream.ts/_bucket.ts boundary for boundary.
//
// Stream keys (one Session ID; `{f}` is its key fragment, store.idKey(sid), never the ID itself,
// and a hash tag so they would share a cluster slot):
//   s:{f}:m  hash   h = head, b = bytes held, v = delivered watermark, t = last entry ts, and
//                     one field per device: "d:<deviceId>" → "lastSeen:acked"
//   s:{f}:e    list   held entries, oldest first: "ts|k|id|from|text" (k: e d i u). Offsets are
//                     contiguous and end at h, so offset = h - LLEN + 1 + index.
//   s:{f}:i    hash   envelope id → offset, only for held envelopes (idempotent appends)
// Globals (per key prefix):
//   epoch      string the epoch token; its disappearance means Redis lost its data
//   g          hash   streams, entries, bytes, inv (pending invitations), floor (highest head of
//                     a forgotten stream: a fresh stream starts after it)
//   due        zset   key fragment → when something in the stream next expires (the sweeper's agenda)
//   iexp       zset   pending invitation id → expiresAt (see _redisInvitations.ts)
// Every stream script reads with a handful of calls and writes back only what changed: a call
// inside a script costs a few microseconds, and these run for every envelope and ack.

/** Every stream script starts here: KEYS and the common ARGV, the epoch check, the helpers. */
const STREAM_LIB = `
local KEPOCH, KG, KDUE, KM, KL, KI = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local cur = redis.call('GET', KEPOCH)
-- A stream never outlives its epoch: after a data loss the caller must learn the new epoch before
-- it may number anything, or a device resuming from an old offset would skip the new entries.
if cur ~= ARGV[1] then return redis.error_reply('SM_EPOCH ' .. (cur or '')) end
-- SID: the stream's key fragment (its member in the sweeper's agenda), not the Session ID.
local SID, NOW, TTL, KEYTTL, GLOBALTTL = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6]

-- S: the stream (len = entries held, firstTs = ts of the first one when known, dirty = something
-- to write back); D: its devices.
local S, D
local dEntries, dBytes, dStreams = 0, 0, 0

local function num(x) return string.format('%.17g', x) end

local function tsOf(raw) return tonumber(string.sub(raw, 1, string.find(raw, '|', 1, true) - 1)) end

local function header(raw)
  local a = string.find(raw, '|', 1, true)
  local b = string.find(raw, '|', a + 1, true)
  local c = string.find(raw, '|', b + 1, true)
  local d = string.find(raw, '|', c + 1, true)
  return tonumber(string.sub(raw, 1, a - 1)), string.sub(raw, a + 1, b - 1), string.sub(raw, b + 1, c - 1), string.sub(raw, c + 1, d - 1), d
end

local function firstOffset() return S.h - S.len + 1 end

local function load(create)
  local all = redis.call('HGETALL', KM)
  D = {}
  if #all > 0 then
    S = { len = redis.call('LLEN', KL), ndev = 0 }
    for i = 1, #all, 2 do
      local f, v = all[i], all[i + 1]
      if string.sub(f, 1, 1) == 'f' then
        -- fn:/fb: sender shares, read only by APPEND
      elseif string.sub(f, 1, 2) == 'd:' then
        local p = string.find(v, ':', 1, true)
        D[string.sub(f, 3)] = { seen = tonumber(string.sub(v, 1, p - 1)), acked = tonumber(string.sub(v, p + 1)) }
        S.ndev = S.ndev + 1
      else
        S[f] = tonumber(v)
      end
    end
    return true
  end
  if not create then return false end
  local floor = tonumber(redis.call('HGET', KG, 'floor') or '0')
  S = { h = floor, b = 0, v = floor, len = 0, ndev = 0 }
  return true
end

local function shift(n)
  if n <= 0 then return end
  local popped = redis.call('LPOP', KL, n)
  local ids = {}
  local shares = {}
  for _, raw in ipairs(popped) do
    local _, kind, id, from, d = header(raw)
    local size = #raw - d
    S.b = S.b - size
    dBytes = dBytes - size
    -- An envelope id maps to its one held entry (a held id is never appended twice).
    if kind == 'e' then ids[#ids + 1] = id end
    if kind == 'e' and from ~= '' then
      local sh = shares[from] or { 0, 0 }
      sh[1] = sh[1] + 1
      sh[2] = sh[2] + size
      shares[from] = sh
    end
  end
  if #ids > 0 then redis.call('HDEL', KI, unpack(ids)) end
  for from, sh in pairs(shares) do
    local h = redis.sha1hex(from)
    if redis.call('HINCRBY', KM, 'fn:' .. h, -sh[1]) <= 0 then redis.call('HDEL', KM, 'fn:' .. h, 'fb:' .. h)
    else redis.call('HINCRBY', KM, 'fb:' .. h, -sh[2]) end
  end
  S.len = S.len - #popped
  S.firstTs = nil
  S.dirty = true
  dEntries = dEntries - #popped
  if S.len == 0 then dStreams = dStreams - 1 end
end

-- Stream.maintain: the TTL on entries (a prefix, ts being clamped monotonic) and devices, then drop
-- what every device seen within the TTL has acked.
local function maintain()
  local cutoff = NOW - TTL
  local n, chunk, firstTs = 0, 1, nil
  while n < S.len and firstTs == nil do
    local raws = redis.call('LRANGE', KL, n, n + chunk - 1)
    if #raws == 0 then break end
    for _, raw in ipairs(raws) do
      local ts = tsOf(raw)
      if ts > cutoff then
        firstTs = ts
        break
      end
      n = n + 1
    end
    chunk = chunk * 2
  end
  shift(n)
  S.firstTs = firstTs
  local floor = nil
  for id, d in pairs(D) do
    if d.seen <= cutoff then
      D[id] = nil
      S.ndev = S.ndev - 1
      S.dirty = true
      redis.call('HDEL', KM, 'd:' .. id)
    elseif floor == nil or d.acked < floor then
      floor = d.acked
    end
  end
  if floor ~= nil and S.len > 0 and floor >= firstOffset() then shift(math.min(S.len, floor - firstOffset() + 1)) end
end

local function touch(id)
  local d = D[id]
  if d == nil then
    d = { seen = NOW, acked = 0 }
    D[id] = d
    S.ndev = S.ndev + 1
  elseif NOW > d.seen then
    d.seen = NOW
  end
  d.dirty = true
  S.dirty = true
  return d
end

local function forgetIfIdle()
  if S.len > 0 or S.ndev > 0 then return false end
  redis.call('DEL', KM, KL, KI)
  redis.call('ZREM', KDUE, SID)
  local floor = tonumber(redis.call('HGET', KG, 'floor') or '0')
  if S.h > floor then redis.call('HSET', KG, 'floor', num(S.h)) end
  S.gone = true
  return true
end

local function ensureTtl(k)
  if redis.call('PTTL', k) == -1 then redis.call('PEXPIRE', k, GLOBALTTL) end
end

-- Aggregates, the stream record, the sweeper's agenda and the TTL of what was written. The list
-- and the id hash only get their TTL refreshed when they grow: shrinking needs no longer life.
local function finish()
  if dEntries ~= 0 then redis.call('HINCRBY', KG, 'entries', dEntries) end
  if dBytes ~= 0 then redis.call('HINCRBY', KG, 'bytes', dBytes) end
  if dStreams ~= 0 then
    redis.call('HINCRBY', KG, 'streams', dStreams)
    ensureTtl(KG)
  end
  if S.gone or not S.dirty then return end
  local m = { 'h', num(S.h), 'b', num(S.b), 'v', num(S.v) }
  if S.t then m[#m + 1] = 't'; m[#m + 1] = num(S.t) end
  local due = nil
  for id, d in pairs(D) do
    if d.dirty then m[#m + 1] = 'd:' .. id; m[#m + 1] = num(d.seen) .. ':' .. num(d.acked) end
    if due == nil or d.seen < due then due = d.seen end
  end
  redis.call('HSET', KM, unpack(m))
  redis.call('PEXPIRE', KM, KEYTTL)
  if S.len > 0 then
    local ft = S.firstTs or tsOf(redis.call('LINDEX', KL, 0))
    if due == nil or ft < due then due = ft end
  end
  -- Nothing held and nobody seen cannot happen here (idle streams were forgotten), but if it did
  -- the sweeper should look now.
  if redis.call('ZADD', KDUE, num(due and due + TTL or NOW), SID) == 1 then ensureTtl(KDUE) end
  if S.grew then
    redis.call('PEXPIRE', KL, KEYTTL)
    redis.call('PEXPIRE', KI, KEYTTL)
  end
end
`;

/**
 * ARGV[7..]: kind, id, from, frame, maxEntries, maxBytes, maxSenderEntries (-1: none),
 * maxSenderBytes, owner (the stream's Session ID: its own copies have no share limit)
 * → {0, offset} | {1, offset, text} | {2} (full) | {3} (the sender's share is full).
 */
export const APPEND =
  STREAM_LIB +
  `
local KIND, ID, FROM, FRAME, MAXE, MAXB = ARGV[7], ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12])
local MAXSE, MAXSB, OWNER = tonumber(ARGV[13]), tonumber(ARGV[14]), ARGV[15]
load(true)
maintain()
if KIND == 'e' then
  local held = tonumber(redis.call('HGET', KI, ID) or '')
  if held and held >= firstOffset() and held <= S.h then
    local raw = redis.call('LINDEX', KL, held - firstOffset())
    local _, _, _, _, d = header(raw)
    finish()
    return { 1, held, string.sub(raw, d + 1) }
  end
end
local off = S.h + 1
local text = '{"offset":' .. num(off) .. ',' .. string.sub(FRAME, 2)
if S.len + 1 > MAXE or S.b + #text > MAXB then
  forgetIfIdle()
  finish()
  return { 2 }
end
local share = nil
if KIND == 'e' and FROM ~= '' then share = redis.sha1hex(FROM) end
if share and MAXSE >= 0 and FROM ~= OWNER then
  local sn = tonumber(redis.call('HGET', KM, 'fn:' .. share) or '0')
  local sb = tonumber(redis.call('HGET', KM, 'fb:' .. share) or '0')
  if sn + 1 > MAXSE or sb + #text > MAXSB then
    forgetIfIdle()
    finish()
    return { 3 }
  end
end
-- Clamped so entries stay in time order if a clock steps back: the TTL drops a prefix.
local ts = NOW
if S.t and S.t > ts then ts = S.t end
S.t = ts
if S.len == 0 then S.firstTs = ts end
S.dirty = true
S.grew = true
redis.call('RPUSH', KL, num(ts) .. '|' .. KIND .. '|' .. ID .. '|' .. FROM .. '|' .. text)
if S.len == 0 then dStreams = dStreams + 1 end
S.len = S.len + 1
S.b = S.b + #text
dEntries = dEntries + 1
dBytes = dBytes + #text
if KIND == 'e' then redis.call('HSET', KI, ID, num(off)) end
if share then
  redis.call('HINCRBY', KM, 'fn:' .. share, 1)
  redis.call('HINCRBY', KM, 'fb:' .. share, #text)
end
S.h = off
finish()
return { 0, off }
`;

/** ARGV[7..]: after, max → {offset of the first returned, raw...} */
export const READ_AFTER =
  STREAM_LIB +
  `
local AFTER, MAX = tonumber(ARGV[7]), tonumber(ARGV[8])
if not load(false) then return { 0 } end
maintain()
if forgetIfIdle() then
  finish()
  return { 0 }
end
local i = math.max(0, AFTER + 1 - firstOffset())
local out = { firstOffset() + i }
if MAX > 0 and i < S.len then
  for _, raw in ipairs(redis.call('LRANGE', KL, i, i + MAX - 1)) do out[#out + 1] = raw end
end
finish()
return out
`;

/** No extra ARGV → head. */
export const HEAD =
  STREAM_LIB +
  `
local h = redis.call('HGET', KM, 'h')
if h then return tonumber(h) end
return tonumber(redis.call('HGET', KG, 'floor') or '0')
`;

/** ARGV[7]: deviceId. */
export const TOUCH =
  STREAM_LIB +
  `
load(true)
maintain()
touch(ARGV[7])
finish()
return 1
`;

/** ARGV[7..]: deviceId, offset, Session ID → {offset, raw, offset, raw, ...} newly delivered envelopes from others. */
export const ACK =
  STREAM_LIB +
  `
local OFFSET, OWNER = tonumber(ARGV[8]), ARGV[9]
load(true)
maintain()
-- An ack proves the device is alive, and offsets past head were never sent to it.
local d = touch(ARGV[7])
d.acked = math.max(d.acked, math.min(OFFSET, S.h))
local out = {}
if d.acked > S.v then
  local first = firstOffset()
  local from = math.max(S.v + 1, first)
  if S.len > 0 and from <= d.acked then
    for i, raw in ipairs(redis.call('LRANGE', KL, from - first, d.acked - first)) do
      local _, kind, _, sender = header(raw)
      -- Copies a device sends to its own identity need no delivered notice.
      if kind == 'e' and sender ~= OWNER then
        out[#out + 1] = from + i - 1
        out[#out + 1] = raw
      end
    end
  end
  S.v = d.acked
end
maintain()
finish()
return out
`;

/** The sweeper's visit: no extra ARGV → 1 when the stream existed. */
export const TIDY =
  STREAM_LIB +
  `
if not load(false) then
  redis.call('ZREM', KDUE, SID)
  return 0
end
maintain()
forgetIfIdle()
finish()
return 1
`;

/**
 * KEYS: epoch, g, due, iexp. ARGV: candidate token, global TTL → the current epoch.
 * SET NX then read, and the TTL of the globals refreshed: they outlive the last running instance
 * by the global TTL, and go together with the data when Redis loses it.
 */
export const ENSURE_EPOCH = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  cur = ARGV[1]
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return cur
`;

/** KEYS: lock. ARGV: token. Releases the sweep lock only if this instance still holds it. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS: a:key. ARGV: expected version, blob, ttl ms → {1, version} stored, or {0, version, blob?}. */
export const PUT_ACCOUNT = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'b')
local v = tonumber(cur[1] or '0')
if v ~= tonumber(ARGV[1]) then
  if cur[2] then return {0, v, cur[2]} end
  return {0, v}
end
v = v + 1
redis.call('HSET', KEYS[1], 'v', v, 'b', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, v}
`;
