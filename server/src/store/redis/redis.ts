// The Store for several relay instances behind a load balancer: everything lives in one Redis
// (a primary, optionally with replicas/Sentinel), every multi-key change is one Lua script, every
// key carries a TTL, and no path scans all users (the sweeper follows a ZSET agenda).
//
// Epoch. The epoch is a key (`<prefix>epoch`) that every instance on the same prefix shares: SET NX
// with a random token at start-up, then read. If Redis loses its data (restart without
// persistence, FLUSHALL, failover to an empty replica) the key disappears with the mailboxes.
// Every stream script checks the epoch before it numbers or reads anything and refuses with
// SM_EPOCH when it differs; the instance then creates or adopts the new epoch, fires
// onEpochChange, and retries. A timer (and every reconnect) checks too, so an idle instance
// notices within epochCheckMs. The server tells its clients through onEpochChange: they see the
// new epoch, fetch everything held and re-send what they have not seen delivered.
import { createClient } from 'redis';
import { randomId } from '../../../../protocol/index.ts';
import { entryError, KIND_CODE, parseEntry } from './_entry.ts';
import { RedisAccounts } from './_accounts.ts';
import { RedisGrantCache } from './_grants.ts';
import type { RedisStoreOptions } from './_options.ts';
import { createStoreClient, errorMessage, ms, positive, redactUrl } from './_util.ts';
import { RedisInvitations } from './_invitations.ts';
import { RedisPushSubscriptions, type PushSubscriptionRecord, type PutPushResult } from './_push.ts';
import { KeyHasher } from './_keys.ts';
import { RedisQuotas } from './_quotas.ts';
import { SCRIPTS } from './_scripts.ts';
import type { Script } from './_script.ts';
import type {
  AccountBlob,
  AppendResult,
  BlockState,
  PutAccountResult,
  Invitation,
  InvitationQuota,
  MailboxLimits,
  NewEntry,
  PutInvitationResult,
  Store,
  StoreCounts,
  StoredEntry,
} from '../types.ts';

export type { RedisStoreOptions } from './_options.ts';

/** Called with the new epoch and the one it replaces. */
export type EpochListener = (epoch: string, previous: string) => void;

type Client = ReturnType<typeof createClient>;

const HOUR = 3_600_000;
const SWEEP_LOCK_MS = 30_000;

export async function createRedisStore(opts: RedisStoreOptions): Promise<RedisStore> {
  return RedisStore.connect(opts);
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly keyPrefix: string;
  /** Session IDs and bucket subjects → key fragments (see idKey). */
  readonly keys: KeyHasher;
  /** The command connection. Pub/sub needs its own: `redis.duplicate()`. */
  readonly redis: Client;
  private current = '';
  private started = false;
  private closed = false;
  private up = false;
  private sweeping = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<EpochListener>();
  private readonly clock: () => number;
  private readonly log: (event: string, fields: Record<string, unknown>) => void;
  private readonly random: () => string;
  private readonly keyGraceMs: number;
  private readonly invitations: RedisInvitations;
  private readonly push: RedisPushSubscriptions;
  private readonly quotas: RedisQuotas;
  private readonly accounts: RedisAccounts;
  readonly grantCache: RedisGrantCache;
  private readonly epochCheckMs: number;
  private readonly safeUrl: string;

  private constructor(opts: RedisStoreOptions) {
    this.keyPrefix = opts.keyPrefix ?? 'sm:';
    this.keys = new KeyHasher(opts.idSecret);
    this.clock = opts.clock ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.random = opts.random ?? randomId;
    this.keyGraceMs = positive('keyGraceMs', opts.keyGraceMs ?? 24 * HOUR);
    this.epochCheckMs = opts.epochCheckMs ?? 5000;
    this.safeUrl = redactUrl(opts.url);
    const connectTimeoutMs = positive('connectTimeoutMs', opts.connectTimeoutMs ?? 5000);
    this.redis = createStoreClient(opts.url, connectTimeoutMs, () => this.started);
    this.push = new RedisPushSubscriptions(this.redis, this.keyPrefix, this.keys);
    this.invitations = new RedisInvitations(
      this.redis,
      this.keyPrefix,
      this.keys,
      positive('invitationGraceMs', opts.invitationGraceMs ?? HOUR),
      this.keyGraceMs,
    );
    this.quotas = new RedisQuotas(this.redis, this.keyPrefix, this.keys);
    this.accounts = new RedisAccounts(this.redis, this.keyPrefix, this.keys);
    this.grantCache = new RedisGrantCache(this.redis, this.keyPrefix, this.keys);
    this.redis.on('error', (err: unknown) => {
      if (!this.up) return;
      this.up = false;
      this.log('store_redis_down', { url: this.safeUrl, error: errorMessage(err) });
    });
    this.redis.on('ready', () => {
      if (this.up || !this.started) return;
      this.up = true;
      this.log('store_redis_up', { url: this.safeUrl });
      // The Redis that came back may be an empty one.
      this.checkEpoch().catch((err: unknown) => this.log('store_epoch_check_failed', { error: errorMessage(err) }));
    });
  }

  /** Connects, then creates or reads the shared epoch. Fails with a clear message when Redis is not reachable. */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    try {
      await store.redis.connect();
      await store.checkEpoch();
    } catch (err) {
      store.redis.destroy();
      const cause = (err as { originalError?: unknown }).originalError ?? err;
      throw new Error(`Redis at ${store.safeUrl} is not reachable: ${errorMessage(cause)}`, { cause });
    }
    store.started = true;
    store.up = true;
    if (store.epochCheckMs > 0) {
      store.timer = setInterval(() => {
        if (!store.redis.isReady) return;
        store.checkEpoch().catch((err: unknown) => store.log('store_epoch_check_failed', { error: errorMessage(err) }));
      }, store.epochCheckMs);
      store.timer.unref();
    }
    return store;
  }

  /** The current epoch; changes when Redis lost its data (see onEpochChange). */
  get epoch(): string {
    return this.current;
  }

  /** The key fragment of a Session ID: the only form an identity may take in a Redis key or channel name. */
  idKey(sid: string): string {
    return this.keys.idKey(sid);
  }

  /** False while the connection to Redis is down (every call then fails fast); for /health. */
  get connected(): boolean {
    return this.redis.isReady;
  }

  /** Registers a listener for epoch changes; returns the function that removes it. */
  onEpochChange(cb: EpochListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Reads the shared epoch, creating a new one if Redis lost it, and refreshes the global TTLs. */
  async checkEpoch(): Promise<string> {
    const p = this.keyPrefix;
    const epoch = await SCRIPTS.ensureEpoch.run<string>(
      this.redis,
      [p + 'epoch', p + 'g', p + 'due', p + 'iexp'],
      [this.random(), this.keyGraceMs],
    );
    this.setEpoch(epoch);
    return epoch;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
    try {
      await this.redis.close();
    } catch {
      this.redis.destroy();
    }
  }

  async consumeNonce(nonce: string, ttlMs: number): Promise<boolean> {
    const reply = await this.redis.sendCommand(['SET', this.keyPrefix + 'n:' + nonce, '1', 'NX', 'PX', String(ms(ttlMs))]);
    return reply !== null;
  }

  // ---- streams ----------------------------------------------------------------------------------

  async touchDevice(sid: string, deviceId: string, now: number, limits: MailboxLimits): Promise<void> {
    await this.stream(SCRIPTS.touch, this.idKey(sid), now, limits, [deviceId]);
  }

  append(sid: string, entry: NewEntry, now: number, limits: MailboxLimits): Promise<AppendResult> {
    const bad = entryError(entry);
    if (bad !== undefined) return Promise.reject(new TypeError(bad));
    const args = [
      KIND_CODE[entry.kind],
      entry.id,
      entry.from ?? '',
      entry.frame,
      limits.maxEntries,
      limits.maxBytes,
      limits.maxSenderEntries ?? -1,
      limits.maxSenderBytes ?? Number.MAX_SAFE_INTEGER,
      sid,
    ];
    return this.stream<[number, number?, string?]>(SCRIPTS.append, this.idKey(sid), now, limits, args).then((r): AppendResult => {
      if (r[0] === 2) return { ok: false, code: 'MAILBOX_FULL' };
      if (r[0] === 3) return { ok: false, code: 'MAILBOX_FULL', senderShare: true };
      const offset = r[1]!;
      if (r[0] === 1) return { ok: true, offset, duplicate: true, text: r[2]! };
      return { ok: true, offset, duplicate: false, text: '{"offset":' + offset + ',' + entry.frame.slice(1) };
    });
  }

  async readAfter(sid: string, after: number, max: number, now: number, limits: MailboxLimits): Promise<StoredEntry[]> {
    // Whole offsets only: "after 2.5" is "after 2", as slicing does in MemoryStore.
    const r = await this.stream<[number, ...string[]]>(SCRIPTS.readAfter, this.idKey(sid), now, limits, [
      Math.floor(after),
      Math.floor(max),
    ]);
    const out: StoredEntry[] = [];
    for (let i = 1; i < r.length; i++) out.push(parseEntry(r[0] + i - 1, r[i] as string));
    return out;
  }

  async head(sid: string): Promise<number> {
    // The limits do not matter to HEAD; any will do for the common ARGV.
    return this.stream<number>(SCRIPTS.head, this.idKey(sid), 0, { maxEntries: 0, maxBytes: 0, ttlMs: 0 }, []);
  }

  ack(sid: string, deviceId: string, offset: number, now: number, limits: MailboxLimits): Promise<StoredEntry[]> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      return Promise.reject(new RangeError(`offset: expected a non-negative integer, got ${offset}`));
    return this.stream<(number | string)[]>(SCRIPTS.ack, this.idKey(sid), now, limits, [deviceId, offset, sid]).then((r) => {
      const out: StoredEntry[] = [];
      for (let i = 0; i + 1 < r.length; i += 2) out.push(parseEntry(r[i] as number, r[i + 1] as string));
      return out;
    });
  }

  /**
   * Tidies up to `budget` streams whose next deadline has passed (entries or devices outliving the
   * TTL), forgetting the idle ones, so the aggregates stay true and keys go before their TTL runs
   * out. One instance at a time (a lock key); never rejects, failures are logged. For the
   * maintenance timer. Returns how many streams it visited.
   */
  async sweep(now: number = this.clock(), limits: MailboxLimits, budget: number): Promise<number> {
    if (this.sweeping || this.closed) return 0;
    this.sweeping = true;
    const lock = this.keyPrefix + 'sweep';
    const token = randomId();
    try {
      if ((await this.redis.sendCommand(['SET', lock, token, 'NX', 'PX', String(SWEEP_LOCK_MS)])) === null) return 0;
      try {
        // The agenda holds key fragments, not Session IDs: tidying needs nothing else.
        const frags = await this.redis.sendCommand<string[]>([
          'ZRANGEBYSCORE',
          this.keyPrefix + 'due',
          '-inf',
          String(now),
          'LIMIT',
          '0',
          String(Math.max(0, Math.floor(budget))),
        ]);
        const visited = await Promise.all(frags.map((frag) => this.stream<number>(SCRIPTS.tidy, frag, now, limits, [])));
        return visited.reduce((n, v) => n + v, 0);
      } finally {
        await SCRIPTS.releaseLock.run(this.redis, [lock], [token]);
      }
    } catch (err) {
      this.log('store_sweep_failed', { error: errorMessage(err) });
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Runs a stream script on the stream whose key fragment is `frag` (idKey); when the epoch moved
   * under it, adopts (or creates) the new one and retries.
   */
  private stream<T>(
    script: Script,
    frag: string,
    now: number,
    limits: MailboxLimits,
    extra: readonly (string | number)[],
    attempt = 0,
  ): Promise<T> {
    const p = this.keyPrefix;
    const s = `${p}s:{${frag}}:`;
    const keys = [p + 'epoch', p + 'g', p + 'due', s + 'm', s + 'e', s + 'i'];
    const args = [this.current, frag, now, limits.ttlMs, ms(limits.ttlMs + this.keyGraceMs), this.keyGraceMs, ...extra];
    // Chained, not async: this runs for every append and ack, and each async layer is a promise more.
    return script.run<T>(this.redis, keys, args).catch(async (err: unknown) => {
      const seen = /^SM_EPOCH ?(.*)$/.exec(err instanceof Error ? err.message : '')?.[1];
      if (seen === undefined || attempt >= 2) throw err;
      if (seen === '') await this.checkEpoch();
      else this.setEpoch(seen);
      return this.stream<T>(script, frag, now, limits, extra, attempt + 1);
    });
  }

  private setEpoch(next: string): void {
    const previous = this.current;
    if (next === previous) return;
    this.current = next;
    if (previous === '') return;
    this.log('store_epoch_changed', { epoch: next, previous });
    for (const cb of this.listeners) {
      try {
        cb(next, previous);
      } catch (err) {
        this.log('store_epoch_listener_failed', { error: errorMessage(err) });
      }
    }
  }

  // ---- invitations ------------------------------------------------------------------------------

  putInvitation(inv: Invitation, maxPendingPerRecipient: number, quota?: InvitationQuota): Promise<PutInvitationResult> {
    return this.invitations.put(inv, maxPendingPerRecipient, quota);
  }

  getInvitation(id: string, now: number): Promise<Invitation | undefined> {
    return this.invitations.get(id, now);
  }

  transitionInvitation(id: string, status: Exclude<Invitation['status'], 'pending'>, now: number): Promise<Invitation | undefined> {
    return this.invitations.transition(id, status, now);
  }

  takeExpiredInvitations(now: number, max: number): Promise<Invitation[]> {
    return this.invitations.takeExpired(now, max);
  }

  // ---- revocations, rate limits, counts ---------------------------------------------------------

  putRevocation(from: string, to: string, iat: number, ttlMs: number, maxHeld?: number): Promise<boolean> {
    return this.quotas.putRevocation(from, to, iat, ttlMs, maxHeld);
  }

  revokedAt(from: string, to: string): Promise<number | undefined> {
    return this.quotas.revokedAt(from, to);
  }

  putUnblock(from: string, to: string, iat: number, ttlMs: number): Promise<void> {
    return this.accounts.putUnblock(from, to, iat, ttlMs);
  }

  blockState(from: string, to: string): Promise<BlockState> {
    return this.accounts.blockState(this.quotas.revocationKey(from, to), from, to);
  }

  getAccount(sid: string): Promise<AccountBlob | undefined> {
    return this.accounts.get(sid);
  }

  putAccount(sid: string, expected: number, blob: string, _now: number, ttlMs: number): Promise<PutAccountResult> {
    return this.accounts.put(sid, expected, blob, ttlMs);
  }

  touchAccount(sid: string, _now: number, ttlMs: number): Promise<void> {
    return this.accounts.touch(sid, ttlMs);
  }

  takeToken(key: string, ratePerSec: number, burst: number, now: number, cost?: number): Promise<number> {
    return this.quotas.takeToken(key, ratePerSec, burst, now, cost);
  }

  firstSeen(sid: string, now: number, ttlMs: number): Promise<number> {
    return this.quotas.firstSeen(sid, now, ttlMs);
  }

  putPushSubscription(sid: string, sub: PushSubscriptionRecord, ttlMs: number, now: number, max: number): Promise<PutPushResult> {
    return this.push.put(sid, sub, ttlMs, now, max);
  }
  deletePushSubscription(sid: string, deviceId: string): Promise<boolean> {
    return this.push.delete(sid, deviceId);
  }
  touchPushSubscription(sid: string, deviceId: string, ttlMs: number, now: number): Promise<void> {
    return this.push.touch(sid, deviceId, ttlMs, now);
  }
  pushSubscriptions(sid: string, now: number): Promise<PushSubscriptionRecord[]> {
    return this.push.list(sid, now);
  }

  async counts(): Promise<StoreCounts> {
    const r = await this.redis.sendCommand<(string | null)[]>(['HMGET', this.keyPrefix + 'g', 'streams', 'entries', 'bytes', 'inv']);
    const [streams, entries, bytes, invitationsPending] = r.map((v) => Number(v ?? 0));
    return { streams: streams!, entries: entries!, bytes: bytes!, invitationsPending: invitationsPending! };
  }
}
