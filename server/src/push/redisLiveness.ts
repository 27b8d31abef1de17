// Device liveness across instances, in the Redis the store uses. One hash per identity:
//   pl:{sid}  "<deviceId>|<instanceId>" → open sockets of that device on that instance
//             "g|<deviceId>"             → the device's generation (bumped at each connect)
// A device is live while some instance that is itself alive (the `inst` registry of
// redisPresence.ts) counts a socket for it, so a crashed instance's sockets stop counting after
// INSTANCE_TTL with nothing to clean up first. The key lives as long as a mailbox entry could.
import type { Logger } from '../log.ts';
import { Script } from '../store/redis/_script.ts';
import { pushKey } from '../store/redis/_push.ts';
import type { RedisStore } from '../store/redis/redis.ts';
import type { DeviceLiveness, DeviceState } from './liveness.ts';

/** KEYS pl:{sid}. ARGV deviceId, instanceId, delta, ttl. */
const COUNT = new Script(`
local K, f = KEYS[1], ARGV[1] .. '|' .. ARGV[2]
local n = redis.call('HINCRBY', K, f, tonumber(ARGV[3]))
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', K, 'g|' .. ARGV[1], 1) end
if n <= 0 then redis.call('HDEL', K, f) end
redis.call('PEXPIRE', K, ARGV[4])
return n
`);

/** KEYS pl:{sid}, inst. Returns flat { deviceId, live (0/1), gen, ... }; dead instances' counts are dropped. */
const STATES = new Script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local live, gen = {}, {}
for i = 1, #all, 2 do
  local f, v = all[i], all[i + 1]
  local g = string.match(f, '^g|(.+)$')
  if g then
    gen[g] = v
  else
    local d, inst = string.match(f, '^(.+)|([^|]+)$')
    local dl = redis.call('ZSCORE', KEYS[2], inst)
    if dl and tonumber(dl) >= now and tonumber(v) > 0 then live[d] = 1 elseif not (dl and tonumber(dl) >= now) then redis.call('HDEL', KEYS[1], f) end
  end
end
local out = {}
for d, g in pairs(gen) do
  out[#out + 1] = d
  out[#out + 1] = live[d] or 0
  out[#out + 1] = g
end
return out
`);

export class RedisLiveness implements DeviceLiveness {
  private failing = false;

  constructor(
    private readonly store: RedisStore,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  online(sid: string, deviceId: string): void {
    this.count(sid, deviceId, 1);
  }

  offline(sid: string, deviceId: string): void {
    this.count(sid, deviceId, -1);
  }

  async states(sid: string): Promise<ReadonlyMap<string, DeviceState>> {
    const p = this.store.keyPrefix;
    const flat = await STATES.run<(string | number)[]>(this.store.redis, [pushKey(p, 'pl', this.store.keys, sid), p + 'inst'], []);
    const out = new Map<string, DeviceState>();
    for (let i = 0; i + 2 < flat.length; i += 3) out.set(String(flat[i]), { live: Number(flat[i + 1]) === 1, gen: Number(flat[i + 2]) });
    return out;
  }

  close(): void {}

  private count(sid: string, deviceId: string, delta: number): void {
    COUNT.run(
      this.store.redis,
      [pushKey(this.store.keyPrefix, 'pl', this.store.keys, sid)],
      [deviceId, this.instanceId, delta, Math.max(1, this.ttlMs)],
    ).then(
      () => {
        this.failing = false;
      },
      (err: unknown) => {
        // Best effort: a missed write means, at worst, a push to a device that is online (shown
        // once, de-duplicated by the app) or none to one that went away. Said once per outage.
        if (!this.failing) this.log.warn('push_liveness_write_failed', { error: err instanceof Error ? err.message : String(err) });
        this.failing = true;
      },
    );
  }
}
