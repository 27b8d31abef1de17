// Presence across instances, in the Redis the store uses. Each instance writes its own view of an
// identity; an identity is online when a live instance sees it visible and none sees it hiding.
// Which instances are alive is one small sorted set refreshed by a heartbeat, so a crashed
// instance's sockets stop counting after INSTANCE_TTL without a key per socket to refresh, and the
// first instance whose heartbeat sees it dead tells that instance's identities' subscribers.
//
// Keys (under the store's prefix; `{f}` is the Session ID's key fragment, store.idKey(sid), the
// hash tag the store and the bus use too; the IDs themselves are never written):
//   pr:{f}      hash    <instanceId> → "v" (visible) | "h" (hidden); "_" → "1"/"0": what the
//                       subscribers were last told. TTL PRESENCE_KEY_TTL, refreshed while held.
//   inst        zset    instanceId → deadline (Redis time, ms): alive while the deadline is ahead.
//   pi:<inst>   set     the key fragments of the identities an instance registered: what to clean up when it dies.
//   reap:<inst> string  lock: one instance cleans up a dead one at a time.
// Every change of an identity's combined state is published by the same script that makes it, on
// the identity's presence channel (redisBus.ts): all instances see the changes in Redis's order.
import { ProtocolError, randomId } from '../../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { LocalPresence, PresenceDirectory } from '../presence.ts';
import { Script } from '../store/redis/_script.ts';
import type { RedisStore } from '../store/redis/redis.ts';

/** How long a pr:{f} key and a pi:<inst> set live without a refresh. Every third of it, each instance rewrites its views. */
export const PRESENCE_KEY_TTL_MS = 3_600_000;
/** How long the instance registry outlives the last heartbeat (a fleet down longer starts clean). */
const REGISTRY_TTL_MS = 24 * 3_600_000;
const REAP_LOCK_MS = 30_000;
const REAP_BATCH = 100;

/** Redis time in ms, and settle(): combine the live views, publish when the combined state changes. */
const LIB = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- KP: pr:{f}; KI: inst. Dead instances' views are dropped on the way.
local function settle(KP, KI, now, channel, pub, msgOn, msgOff, keyTtl)
  local all = redis.call('HGETALL', KP)
  local before, vis, hid, n = false, false, false, 0
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    if f == '_' then
      before = v == '1'
    else
      local dl = redis.call('ZSCORE', KI, f)
      if dl and tonumber(dl) >= now then
        n = n + 1
        if v == 'h' then hid = true else vis = true end
      else
        redis.call('HDEL', KP, f)
      end
    end
  end
  local after = vis and not hid
  if after ~= before then
    redis.call('HSET', KP, '_', after and '1' or '0')
    redis.call(pub, channel, after and msgOn or msgOff)
  end
  if n == 0 and not after then redis.call('DEL', KP) else redis.call('PEXPIRE', KP, keyTtl) end
  return after and 1 or 0
end
`;

/**
 * KEYS pr:{f}, inst, pi:<self>. ARGV self, state (v|h|-), key fragment, channel, pub, msgOn, msgOff,
 * keyTtl, instanceTtl, registryTtl. Returns { self was alive before, online after }.
 */
const SET = new Script(`${LIB}
local KP, KI, KS = KEYS[1], KEYS[2], KEYS[3]
local self, state, frag, keyTtl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[8])
local now = nowMs()
local dl = redis.call('ZSCORE', KI, self)
local alive = dl and tonumber(dl) >= now
redis.call('ZADD', KI, now + tonumber(ARGV[9]), self)
redis.call('PEXPIRE', KI, ARGV[10])
if state == '-' then
  redis.call('HDEL', KP, self)
  redis.call('SREM', KS, frag)
else
  redis.call('HSET', KP, self, state)
  redis.call('SADD', KS, frag)
  redis.call('PEXPIRE', KS, keyTtl)
end
return { alive and 1 or 0, settle(KP, KI, now, ARGV[4], ARGV[5], ARGV[6], ARGV[7], keyTtl) }
`);

/** KEYS pr:{f}, inst. ARGV dead, channel, pub, msgOn, msgOff, keyTtl. -1: the instance is alive again. */
const REAP = new Script(`${LIB}
local KP, KI = KEYS[1], KEYS[2]
local now = nowMs()
local dl = redis.call('ZSCORE', KI, ARGV[1])
if dl and tonumber(dl) >= now then return -1 end
redis.call('HDEL', KP, ARGV[1])
return settle(KP, KI, now, ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]))
`);

/** KEYS inst, pi:<self>. ARGV self, instanceTtl, registryTtl, keyTtl. Returns { self was alive, a dead instance or "" }. */
const HEARTBEAT = new Script(`${LIB}
local KI, KS = KEYS[1], KEYS[2]
local now = nowMs()
local dl = redis.call('ZSCORE', KI, ARGV[1])
local alive = dl and tonumber(dl) >= now
redis.call('ZADD', KI, now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KI, ARGV[3])
if redis.call('EXISTS', KS) == 1 then redis.call('PEXPIRE', KS, ARGV[4]) end
local dead = redis.call('ZRANGEBYSCORE', KI, '-inf', '(' .. now, 'LIMIT', 0, 1)
return { alive and 1 or 0, dead[1] or '' }
`);

/** KEYS inst. ARGV inst. Forgets a dead instance once its identities are cleaned up (unless it came back). */
const FORGET = new Script(`${LIB}
local dl = redis.call('ZSCORE', KEYS[1], ARGV[1])
if dl and tonumber(dl) < nowMs() then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`);

/** KEYS inst. ARGV self, ms. Graceful stop: this instance counts for ms more (the debounce), then is cleaned up like a crashed one. */
const RETIRE = new Script(`${LIB}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], nowMs() + tonumber(ARGV[2]), ARGV[1]) end
return 0
`);

const STATE_CODE: Readonly<Record<LocalPresence, string>> = { visible: 'v', hidden: 'h', absent: '-' };

export interface RedisPresenceOptions {
  readonly store: RedisStore;
  readonly instanceId: string;
  /** An instance whose heartbeat stopped this long ago is dead; a third of it is the heartbeat. */
  readonly instanceTtlMs: number;
  /** The presence channel of a key fragment, and the command that publishes to it (SPUBLISH or PUBLISH). */
  readonly channel: (frag: string) => string;
  readonly publishCommand: 'SPUBLISH' | 'PUBLISH';
  /** Waits until this instance's subscription to sid's presence channel is in place (or failed). */
  readonly subscribed: (sid: string) => Promise<void>;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export class RedisPresence implements PresenceDirectory {
  private readonly p: string;
  private readonly redis: RedisStore['redis'];
  private readonly rewriteCbs: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private reaping = false;
  private lastBeatFailed = false;
  private lastRewrite = Date.now();
  private rewriteQueued = false;
  private stopped = false;
  private readonly lockToken = randomId();

  constructor(private readonly opts: RedisPresenceOptions) {
    this.p = opts.store.keyPrefix;
    this.redis = opts.store.redis;
    // Redis back after an outage (perhaps an empty one): what this instance wrote may be gone.
    this.redis.on('ready', () => this.queueRewrite());
  }

  /** Registers this instance (the first heartbeat) and starts the heartbeat. */
  async start(): Promise<void> {
    await this.beat();
    const every = Math.max(100, Math.floor(this.opts.instanceTtlMs / 3));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  onRewrite(cb: () => void): void {
    this.rewriteCbs.push(cb);
  }

  async set(sid: string, state: LocalPresence, ts: number): Promise<void> {
    const { instanceId, instanceTtlMs } = this.opts;
    const frag = this.opts.store.idKey(sid);
    const [wasAlive] = await SET.run<[number, number]>(
      this.redis,
      [this.presenceKey(frag), this.p + 'inst', this.p + 'pi:' + instanceId],
      [instanceId, STATE_CODE[state], frag, ...this.publishArgs(frag, ts), PRESENCE_KEY_TTL_MS, instanceTtlMs, REGISTRY_TTL_MS],
    );
    // Taken for dead meanwhile (a long pause, a partition): another instance may be removing
    // this one's views right now. Write them all again.
    if (wasAlive === 0) this.queueRewrite();
  }

  async isOnline(sid: string): Promise<boolean> {
    // Subscribed first, then read: a change published in between is not lost.
    await this.opts.subscribed(sid).catch(() => undefined);
    try {
      return (await this.redis.sendCommand<string | null>(['HGET', this.presenceKey(this.opts.store.idKey(sid)), '_'])) === '1';
    } catch {
      throw new ProtocolError('STORE_UNAVAILABLE');
    }
  }

  /** Graceful stop: the identities held here go offline after `graceMs` unless they reconnect elsewhere. */
  async retire(graceMs: number): Promise<void> {
    this.kill();
    if (!this.redis.isReady) return;
    await RETIRE.run(this.redis, [this.p + 'inst'], [this.opts.instanceId, Math.max(1, Math.ceil(graceMs))]).catch(() => undefined);
  }

  /** Stops the heartbeat and cleanup, writing nothing (a crash, as far as Redis can tell). */
  kill(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.rewriteCbs.length = 0;
  }

  private presenceKey(frag: string): string {
    return `${this.p}pr:{${frag}}`;
  }

  private publishArgs(frag: string, ts: number): [string, string, string, string] {
    return [this.opts.channel(frag), this.opts.publishCommand, `1:${ts}`, `0:${ts}`];
  }

  private queueRewrite(): void {
    if (this.rewriteQueued || this.stopped) return;
    this.rewriteQueued = true;
    setImmediate(() => {
      this.rewriteQueued = false;
      if (this.stopped) return;
      this.lastRewrite = Date.now();
      for (const cb of this.rewriteCbs) cb();
    });
  }

  private async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    const { instanceId, instanceTtlMs } = this.opts;
    try {
      const [wasAlive, dead] = await HEARTBEAT.run<[number, string]>(
        this.redis,
        [this.p + 'inst', this.p + 'pi:' + instanceId],
        [instanceId, instanceTtlMs, REGISTRY_TTL_MS, PRESENCE_KEY_TTL_MS],
      );
      // Refreshes the pr:{f} TTLs too, a third of their life apart.
      if (wasAlive === 0 || this.lastBeatFailed || Date.now() - this.lastRewrite > PRESENCE_KEY_TTL_MS / 3) this.queueRewrite();
      this.lastBeatFailed = false;
      // Not awaited: cleaning up after a large instance must not hold back this one's own heartbeat.
      if (dead !== '' && dead !== instanceId && !this.reaping) {
        this.reaping = true;
        void this.reap(dead)
          .catch((err: unknown) => this.opts.log.warn('presence_reap_failed', { error: err instanceof Error ? err.message : String(err) }))
          .finally(() => (this.reaping = false));
      }
    } catch (err) {
      if (!this.lastBeatFailed)
        this.opts.log.warn('presence_heartbeat_failed', { error: err instanceof Error ? err.message : String(err) });
      this.lastBeatFailed = true;
    } finally {
      this.beating = false;
    }
  }

  /** Removes a dead instance's views, telling subscribers of the identities that went offline with it. */
  private async reap(dead: string): Promise<void> {
    const lock = `${this.p}reap:${dead}`;
    if ((await this.redis.sendCommand(['SET', lock, this.lockToken, 'NX', 'PX', String(REAP_LOCK_MS)])) === null) return;
    const set = `${this.p}pi:${dead}`;
    let reaped = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        // SPOP: a reaper that dies half-way leaves the rest for the next one.
        const frags = await this.redis.sendCommand<string[]>(['SPOP', set, String(REAP_BATCH)]);
        if (frags.length === 0) break;
        const now = Date.now();
        const results = await Promise.all(
          frags.map((frag) =>
            REAP.run<number>(
              this.redis,
              [this.presenceKey(frag), this.p + 'inst'],
              [dead, ...this.publishArgs(frag, now), PRESENCE_KEY_TTL_MS],
            ),
          ),
        );
        // It came back: it writes its views again itself.
        if (results.includes(-1)) return;
        reaped += frags.length;
      }
      await FORGET.run(this.redis, [this.p + 'inst'], [dead]);
    } finally {
      this.opts.metrics.inc('presence_reaped_total', '', reaped);
      if (reaped > 0) this.opts.log.info('presence_instance_reaped', { instance: dead, identities: reaped });
      // Past REAP_LOCK_MS another instance may hold the lock; deleting it then only lets a third
      // one start early, and reaping twice is harmless (SPOP hands each identity out once).
      await this.redis.sendCommand(['DEL', lock]).catch(() => undefined);
    }
  }
}
