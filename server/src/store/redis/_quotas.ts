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

/**
 * KEYS: b:key… ARGV: ratePerSec, burst, now, cost for each key → for each, in order, 0 when `cost`
 * tokens were taken, else ms to wait. One bucket after the other, so a key twice is taken twice.
 */
const TAKE_TOKENS = `
local out = {}
for k = 1, #KEYS do
  local i = (k - 1) * 4
  local rate, burst, now, cost = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local b = redis.call('HMGET', KEYS[k], 'tokens', 'at')
  local tokens = burst
  if b[1] then tokens = math.min(burst, tonumber(b[1]) + (math.max(0, now - tonumber(b[2])) * rate) / 1000) end
  local wait = 0
  -- Refill arithmetic in floating point lands a hair under a whole token exactly at the wait.
  if tokens >= cost - 1e-9 then tokens = math.max(0, tokens - cost) else wait = math.max(1, math.ceil(((cost - tokens) * 1000) / rate)) end
  redis.call('HSET', KEYS[k], 'tokens', string.format('%.17g', tokens), 'at', ARGV[i + 3])
  -- A bucket that has refilled is the same as no bucket.
  redis.call('PEXPIRE', KEYS[k], math.ceil(((burst - tokens) * 1000) / rate) + 1000)
  out[k] = wait
end
return out
`;
/** Buckets per script call at most: a burst of asks in one turn becomes a few short scripts. */
const TOKEN_BATCH = 32;

/** KEYS: fs:<f>. ARGV: now, ttlMs → when first seen (set to now the first time); the TTL refreshed. */
const FIRST_SEEN = `
local at = redis.call('GET', KEYS[1])
if not at then at = ARGV[1] end
redis.call('SET', KEYS[1], at, 'PX', ARGV[2])
return tonumber(at)
`;

const SCRIPTS = {
  putRevocation: new Script(PUT_REVOCATION),
  takeTokens: new Script(TAKE_TOKENS),
  firstSeen: new Script(FIRST_SEEN),
};

interface TokenAsk {
  readonly bucket: string;
  readonly args: readonly [number, number, number, number];
  readonly resolve: (wait: number) => void;
  readonly reject: (err: unknown) => void;
}

export class RedisQuotas {
  /** This turn's takeToken calls, sent together at its end. */
  private asks: TokenAsk[] = [];

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

  /**
   * The asks of one turn go to Redis as one script (a send takes its identity's and its address's
   * bucket together: one command instead of two), each bucket as its own call would take it.
   */
  takeToken(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Promise<number> {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec))
      return Promise.reject(new RangeError(`ratePerSec: expected a positive number, got ${ratePerSec}`));
    if (!(burst >= 1) || !Number.isFinite(burst)) return Promise.reject(new RangeError(`burst: expected a number >= 1, got ${burst}`));
    if (!(cost >= 1 && cost <= burst))
      return Promise.reject(new RangeError(`cost: expected a number from 1 to burst (${burst}), got ${cost}`));
    const bucket = this.prefix + 'b:' + this.keys.bucketKey(key);
    return new Promise<number>((resolve, reject) => {
      if (this.asks.length === 0) queueMicrotask(this.sendAsks);
      this.asks.push({ bucket, args: [ratePerSec, burst, now, cost], resolve, reject });
    });
  }

  private readonly sendAsks = (): void => {
    const all = this.asks;
    this.asks = [];
    for (let from = 0; from < all.length; from += TOKEN_BATCH) {
      const asks = all.slice(from, from + TOKEN_BATCH);
      const keys: string[] = [];
      const args: number[] = [];
      for (const a of asks) {
        keys.push(a.bucket);
        args.push(...a.args);
      }
      SCRIPTS.takeTokens.run<number[]>(this.client, keys, args).then(
        (waits) => {
          for (let i = 0; i < asks.length; i++) asks[i]!.resolve(Number(waits[i]));
        },
        (err: unknown) => {
          for (const a of asks) a.reject(err);
        },
      );
    }
  };

  async firstSeen(sid: string, now: number, ttlMs: number): Promise<number> {
    return SCRIPTS.firstSeen.run<number>(this.client, [`${this.prefix}fs:${this.keys.idKey(sid)}`], [Math.floor(now), ms(ttlMs)]);
  }

  /** r:{from}:to; shares its slot with the unblock key u:{from}:to (blockState reads both at once). */
  revocationKey(from: string, to: string): string {
    return `${this.prefix}r:{${this.keys.idKey(from)}}:${this.keys.idKey(to)}`;
  }
}
