// Revocations, token buckets and first-seen times in Redis: what limits.ts and quotas.ts count,
// each change one script. Key names carry key fragments (KeyHasher), never a Session ID or address:
//   r:{<from>}:<to>  string the latest revocation iat from → to (TTL: the revocation's)
//   rc:{<from>}      zset   <to> → expiry: the revocations from holds, for MAX_REVOCATIONS
//   b:<kind>:<hash>  hash   a token bucket (tokens, at); gone once it would be full again
//   fs:<f>           string when the server first saw the identity (TTL refreshed at each connect)
import type { KeyHasher } from './_keys.ts';
import { Script, type CommandSender } from './_script.ts';
import { ms } from './_util.ts';

/**
 * KEYS: r:{from}:to, rc:{from} (key fragments). ARGV: iat, ttlMs, maxHeld (-1: none), to's fragment
 * → 1 stored, 0 refused (from would hold more than maxHeld). Keeps the latest iat and the longest
 * life. rc:{from} is a ZSET fragment → expiry (Redis time): the revocations from holds, for the cap.
 */
const PUT_REVOCATION = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, member = tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local prev = redis.call('GET', KEYS[1])
if max >= 0 and not prev and not redis.call('ZSCORE', KEYS[2], member) and redis.call('ZCARD', KEYS[2]) >= max then return 0 end
local value, ttl = ARGV[1], tonumber(ARGV[2])
if prev then
  if tonumber(prev) >= tonumber(ARGV[1]) then value = prev end
  ttl = math.max(ttl, redis.call('PTTL', KEYS[1]))
end
redis.call('SET', KEYS[1], value, 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, member)
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;

/** KEYS: b:key. ARGV: ratePerSec, burst, now, cost → 0 when `cost` tokens were taken, else ms to wait. */
const TAKE_TOKEN = `
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4] or '1')
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if b[1] then tokens = math.min(burst, tonumber(b[1]) + (math.max(0, now - tonumber(b[2])) * rate) / 1000) end
local wait = 0
-- Refill arithmetic in floating point lands a hair under a whole token exactly at the wait.
if tokens >= cost - 1e-9 then tokens = math.max(0, tokens - cost) else wait = math.max(1, math.ceil(((cost - tokens) * 1000) / rate)) end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', ARGV[3])
-- A bucket that has refilled is the same as no bucket.
redis.call('PEXPIRE', KEYS[1], math.ceil(((burst - tokens) * 1000) / rate) + 1000)
return wait
`;

/** KEYS: fs:<f>. ARGV: now, ttlMs → when first seen (set to now the first time); the TTL refreshed. */
const FIRST_SEEN = `
local at = redis.call('GET', KEYS[1])
if not at then at = ARGV[1] end
redis.call('SET', KEYS[1], at, 'PX', ARGV[2])
return tonumber(at)
`;

const SCRIPTS = {
  putRevocation: new Script(PUT_REVOCATION),
  takeToken: new Script(TAKE_TOKEN),
  firstSeen: new Script(FIRST_SEEN),
};

export class RedisQuotas {
  constructor(
    private readonly client: CommandSender,
    private readonly prefix: string,
    private readonly keys: KeyHasher,
  ) {}

  async putRevocation(from: string, to: string, iat: number, ttlMs: number, maxHeld = Infinity): Promise<boolean> {
    const held = `${this.prefix}rc:{${this.keys.idKey(from)}}`;
    const max = Number.isFinite(maxHeld) ? Math.floor(maxHeld) : -1;
    return (
      (await SCRIPTS.putRevocation.run<number>(
        this.client,
        [this.revocationKey(from, to), held],
        [iat, ms(ttlMs), max, this.keys.idKey(to)],
      )) === 1
    );
  }

  async revokedAt(from: string, to: string): Promise<number | undefined> {
    const v = await this.client.sendCommand<string | null>(['GET', this.revocationKey(from, to)]);
    return v === null ? undefined : Number(v);
  }

  async takeToken(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Promise<number> {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec))
      throw new RangeError(`ratePerSec: expected a positive number, got ${ratePerSec}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst: expected a number >= 1, got ${burst}`);
    if (!(cost >= 1 && cost <= burst)) throw new RangeError(`cost: expected a number from 1 to burst (${burst}), got ${cost}`);
    return SCRIPTS.takeToken.run<number>(this.client, [this.prefix + 'b:' + this.keys.bucketKey(key)], [ratePerSec, burst, now, cost]);
  }

  async firstSeen(sid: string, now: number, ttlMs: number): Promise<number> {
    return SCRIPTS.firstSeen.run<number>(this.client, [`${this.prefix}fs:${this.keys.idKey(sid)}`], [Math.floor(now), ms(ttlMs)]);
  }

  /** r:{from}:to; shares its slot with the unblock key u:{from}:to (blockState reads both at once). */
  revocationKey(from: string, to: string): string {
    return `${this.prefix}r:{${this.keys.idKey(from)}}:${this.keys.idKey(to)}`;
  }
}
