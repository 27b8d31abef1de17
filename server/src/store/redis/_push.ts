// Web Push subscriptions in Redis: one hash per identity, field = deviceId, value =
// "<expiresAt>|<JSON>". Expired fields are pruned by the scripts that read or write the hash, and
// the key itself lives as long as its longest-lived subscription.
import type { KeyHasher } from './_keys.ts';
import { Script, type CommandSender } from './_script.ts';
import type { PushSubscriptionRecord, PutPushResult } from '../types.ts';

export type { PushSubscriptionRecord, PutPushResult };

/**
 * The one place the Redis key of an identity's push state is named. (At merge: switch the Session
 * ID in it for the keyed hash the rest of the store uses — docs/security.md "At rest".)
 */
export function pushKey(prefix: string, kind: 'ps' | 'pl', keys: KeyHasher, sid: string): string {
  return `${prefix}${kind}:{${keys.idKey(sid)}}`;
}

const PRUNE = `
local function prune(K, now)
  local all = redis.call('HGETALL', K)
  local n = 0
  for i = 1, #all, 2 do
    local exp = tonumber(string.match(all[i + 1], '^(%d+)|'))
    if exp == nil or exp <= now then redis.call('HDEL', K, all[i]) else n = n + 1 end
  end
  return n
end
local function extend(K, ttl)
  local cur = redis.call('PTTL', K)
  if cur < ttl then redis.call('PEXPIRE', K, ttl) end
end
`;

/** KEYS ps:{sid}. ARGV deviceId, value, ttl, now, max. 1 = stored, 0 = at the cap. */
const PUT = new Script(`${PRUNE}
local K, d, now = KEYS[1], ARGV[1], tonumber(ARGV[4])
local n = prune(K, now)
if redis.call('HEXISTS', K, d) == 0 and n >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', K, d, ARGV[2])
extend(K, tonumber(ARGV[3]))
return 1
`);

/** KEYS ps:{sid}. ARGV deviceId, ttl, now, expiresAt (a string: Lua's tostring would write 1.7e+12). */
const TOUCH = new Script(`${PRUNE}
local K, d, ttl, now = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HGET', K, d)
if not v then return 0 end
local body = string.match(v, '^%d+|(.*)$')
if body == nil or tonumber(string.match(v, '^(%d+)|')) <= now then redis.call('HDEL', K, d) return 0 end
redis.call('HSET', K, d, ARGV[4] .. '|' .. body)
extend(K, ttl)
return 1
`);

/** KEYS ps:{sid}. ARGV now. The live values. */
const LIST = new Script(`${PRUNE}
local K, now = KEYS[1], tonumber(ARGV[1])
if redis.call('EXISTS', K) == 0 then return {} end
prune(K, now)
return redis.call('HVALS', K)
`);

export class RedisPushSubscriptions {
  constructor(
    private readonly redis: CommandSender,
    private readonly prefix: string,
    private readonly keys: KeyHasher,
  ) {}

  async put(sid: string, sub: PushSubscriptionRecord, ttlMs: number, now: number, max: number): Promise<PutPushResult> {
    const value = `${now + ttlMs}|${JSON.stringify({ deviceId: sub.deviceId, endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth })}`;
    const r = await PUT.run<number>(
      this.redis,
      [pushKey(this.prefix, 'ps', this.keys, sid)],
      [sub.deviceId, value, Math.max(1, ttlMs), now, max],
    );
    return r === 1 ? 'ok' : 'PUSH_LIMIT';
  }

  async delete(sid: string, deviceId: string): Promise<boolean> {
    return (await this.redis.sendCommand<number>(['HDEL', pushKey(this.prefix, 'ps', this.keys, sid), deviceId])) === 1;
  }

  async touch(sid: string, deviceId: string, ttlMs: number, now: number): Promise<void> {
    await TOUCH.run(this.redis, [pushKey(this.prefix, 'ps', this.keys, sid)], [deviceId, Math.max(1, ttlMs), now, String(now + ttlMs)]);
  }

  async list(sid: string, now: number): Promise<PushSubscriptionRecord[]> {
    const values = await LIST.run<string[]>(this.redis, [pushKey(this.prefix, 'ps', this.keys, sid)], [now]);
    const out: PushSubscriptionRecord[] = [];
    for (const v of values) {
      const bar = v.indexOf('|');
      try {
        out.push(JSON.parse(v.slice(bar + 1)) as PushSubscriptionRecord);
      } catch {
        // Not ours: written by a different version. Skipped; it expires with its TTL.
      }
    }
    return out;
  }
}
