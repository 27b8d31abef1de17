// The embedded default Store: one process, nothing on disk. Every map is bounded by a TTL or by
// emptiness, and no hot path scans all users: streams are tidied lazily when touched and by an
// incremental sweeper, deadlines live in heaps, aggregates are counters.
import { randomId } from '../../../../protocol/index.ts';
import { TokenBuckets } from '../_bucket.ts';
import { ExpiringMap } from '../_expiring.ts';
import { Invitations } from './_invitations.ts';
import { PushSubscriptions } from './_pushSubs.ts';
import { RoundRobin } from '../_roundRobin.ts';
import { Stream, type Totals } from './_stream.ts';
import type {
  AccountBlob,
  AppendResult,
  Awaitable,
  BlockState,
  PutAccountResult,
  Invitation,
  InvitationQuota,
  MailboxLimits,
  NewEntry,
  PushSubscriptionRecord,
  PutInvitationResult,
  PutPushResult,
  Store,
  StoreCounts,
  StoredEntry,
} from '../types.ts';

export interface MemoryStoreOptions {
  /** Epoch generator; 128 random bits as hex by default. */
  readonly random?: () => string;
  /**
   * Time for the methods the Store interface gives no `now` (nonces, revocations), because Redis
   * keeps their TTLs on its own clock. Date.now by default; tests pass a fake one.
   */
  readonly clock?: () => number;
  /** How long a settled invitation stays known after expiresAt (default 1 h). */
  readonly invitationGraceMs?: number;
}

export interface MemoryStoreSizes {
  readonly streams: number;
  readonly devices: number;
  readonly entries: number;
  readonly envelopeIds: number;
  readonly invitations: number;
  readonly pendingRecipients: number;
  readonly pendingPairs: number;
  readonly expiringHeap: number;
  readonly forgettingHeap: number;
  readonly nonces: number;
  readonly revocations: number;
  readonly revokers: number;
  readonly buckets: number;
}

const HOUR = 3_600_000;
/** How long a held frame may share a pooled slab before the sweeper gives it its own (Stream.compact). */
export const HELD_POOLED_MS = 2000;
/** Per sweep call, for the maps that prune from the front (nonces, revocations, buckets). */
const SWEEP_PRUNE = 1024;
const FRAME_START = '{"type":';
const NOT_BLOCKED: BlockState = Object.freeze({});

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly epoch: string;
  private readonly clock: () => number;
  private readonly streams = new Map<string, Stream>();
  private readonly totals: Totals = { streams: 0, entries: 0, bytes: 0 };
  /**
   * A stream is forgotten once it holds nothing and no device was seen within the TTL; only then,
   * because a device that is still around may resume from {epoch, head}. A device that comes back
   * later still carries an old offset, and if a fresh stream restarted at 1 it would skip offsets
   * up to that one. So a fresh stream starts after the highest head ever forgotten: offsets never
   * go back within an epoch, for the price of one number instead of a record per Session ID ever seen.
   */
  private offsetFloor = 0;
  private readonly sweepScan = new RoundRobin(this.streams);
  private readonly invitations: Invitations;
  private readonly nonces = new ExpiringMap<string, true>();
  /** from|to → latest revocation iat. */
  private readonly revocations = new ExpiringMap<string, number>();
  /** from → the `to`s it holds revocations for (same expiries as above), for the per-identity cap. */
  private readonly revokedBy = new Map<string, ExpiringMap<string, true>>();
  private readonly revokedByScan = new RoundRobin(this.revokedBy);
  private readonly buckets = new TokenBuckets();
  /** sid → when first seen (for InvitationQuota.fromNew). */
  private readonly seen = new ExpiringMap<string, number>();
  /** from|to → latest unblock iat. */
  private readonly unblocks = new ExpiringMap<string, number>();
  private readonly accounts = new ExpiringMap<string, AccountBlob>();

  constructor(opts: MemoryStoreOptions = {}) {
    this.epoch = (opts.random ?? randomId)();
    this.clock = opts.clock ?? Date.now;
    this.invitations = new Invitations(opts.invitationGraceMs ?? HOUR);
  }

  async close(): Promise<void> {}

  async consumeNonce(nonce: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    if (this.nonces.get(nonce, now) !== undefined) return false;
    this.nonces.set(nonce, true, now + ttlMs, now);
    return true;
  }

  // ---- streams ----------------------------------------------------------------------------------

  async touchDevice(sid: string, deviceId: string, now: number, limits: MailboxLimits): Promise<void> {
    this.open(sid, now, limits).touch(deviceId, now);
  }

  // append, ack, blockState and takeToken answer at once (Awaitable): the message path then runs
  // without a promise per step. A bad argument is still a rejected promise, as from any store.
  append(sid: string, entry: NewEntry, now: number, limits: MailboxLimits): Awaitable<AppendResult> {
    // A body comes from wire.ts's builders (EntryBody); checking its frame would copy it (flatten).
    if (entry.body === undefined && !entry.frame.startsWith(FRAME_START)) {
      return Promise.reject(
        new TypeError(`entry.frame: expected JSON text starting with ${FRAME_START}, got ${JSON.stringify(entry.frame.slice(0, 16))}`),
      );
    }
    const s = this.open(sid, now, limits);
    if (entry.kind === 'envelope') {
      const held = s.envelope(entry.id);
      if (held !== undefined) return { ok: true, offset: held.offset, duplicate: true, text: held.text };
    }
    const text = s.nextText(entry);
    if (s.length + 1 > limits.maxEntries || s.bytes + text.length > limits.maxBytes) {
      this.forgetIfIdle(sid, s);
      return { ok: false, code: 'MAILBOX_FULL' };
    }
    if (entry.kind === 'envelope' && entry.from !== undefined && entry.from !== sid && limits.maxSenderEntries !== undefined) {
      const use = s.senderUse(entry.from);
      if (use.entries + 1 > limits.maxSenderEntries || use.bytes + text.length > (limits.maxSenderBytes ?? Infinity)) {
        this.forgetIfIdle(sid, s);
        return { ok: false, code: 'MAILBOX_FULL', senderShare: true };
      }
    }
    const stored = s.push(entry, text, now);
    return { ok: true, offset: stored.offset, duplicate: false, text: stored.text };
  }

  async readAfter(sid: string, after: number, max: number, now: number, limits: MailboxLimits): Promise<StoredEntry[]> {
    return this.existing(sid, now, limits)?.after(after, max) ?? [];
  }

  async head(sid: string): Promise<number> {
    return this.streams.get(sid)?.head ?? this.offsetFloor;
  }

  ack(sid: string, deviceId: string, offset: number, now: number, limits: MailboxLimits): Awaitable<readonly StoredEntry[]> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      return Promise.reject(new RangeError(`offset: expected a non-negative integer, got ${offset}`));
    }
    // Tidied before the ack so an entry that expired is not reported delivered, and after it so
    // what every live device has now acked is removed.
    const s = this.open(sid, now, limits);
    const delivered = s.ack(sid, deviceId, offset, now);
    s.maintain(now, limits.ttlMs);
    return delivered;
  }

  /**
   * Tidies at most `budget` streams, continuing where the previous call stopped, and prunes the
   * other maps a little. Meant for a timer: the cost of one call does not grow with the user count.
   * Returns how many streams it visited.
   */
  sweep(now: number, limits: MailboxLimits, budget: number): number {
    const visited = this.sweepScan.visit(budget, (sid) => this.existing(sid, now, limits)?.compact(now - HELD_POOLED_MS));
    this.invitations.prune(now);
    // Buckets are pruned as they are created too; a sixteenth per sweep bounds how long a full one lingers.
    this.buckets.prune(now, Math.max(SWEEP_PRUNE, this.buckets.size >> 4));
    const clockNow = this.clock();
    this.nonces.prune(clockNow, SWEEP_PRUNE);
    this.seen.prune(now, SWEEP_PRUNE);
    this.revocations.prune(clockNow, SWEEP_PRUNE);
    this.revokedByScan.visit(SWEEP_PRUNE, (from, held) => {
      held.prune(clockNow, SWEEP_PRUNE);
      if (held.size === 0) this.revokedBy.delete(from);
    });
    this.unblocks.prune(clockNow, SWEEP_PRUNE);
    this.accounts.prune(now, SWEEP_PRUNE);
    return visited;
  }

  /** The stream, tidied; created when absent. */
  private open(sid: string, now: number, limits: MailboxLimits): Stream {
    let s = this.streams.get(sid);
    if (s === undefined) {
      s = new Stream(this.offsetFloor, this.totals);
      this.streams.set(sid, s);
    } else {
      s.maintain(now, limits.ttlMs);
    }
    return s;
  }

  /** The stream, tidied, or undefined when absent or forgotten just now. */
  private existing(sid: string, now: number, limits: MailboxLimits): Stream | undefined {
    const s = this.streams.get(sid);
    if (s === undefined) return undefined;
    s.maintain(now, limits.ttlMs);
    return this.forgetIfIdle(sid, s) ? undefined : s;
  }

  private forgetIfIdle(sid: string, s: Stream): boolean {
    if (!s.idle) return false;
    this.offsetFloor = Math.max(this.offsetFloor, s.head);
    this.streams.delete(sid);
    return true;
  }

  // ---- invitations ------------------------------------------------------------------------------

  async putInvitation(inv: Invitation, maxPendingPerRecipient: number, quota?: InvitationQuota): Promise<PutInvitationResult> {
    return this.invitations.put(inv, maxPendingPerRecipient, quota);
  }

  async firstSeen(sid: string, now: number, ttlMs: number): Promise<number> {
    const at = this.seen.get(sid, now) ?? now;
    this.seen.set(sid, at, now + ttlMs, now);
    return at;
  }

  async getInvitation(id: string, now: number): Promise<Invitation | undefined> {
    return this.invitations.get(id, now);
  }

  async transitionInvitation(id: string, status: Exclude<Invitation['status'], 'pending'>, now: number): Promise<Invitation | undefined> {
    return this.invitations.transition(id, status, now);
  }

  async takeExpiredInvitations(now: number, max: number): Promise<Invitation[]> {
    return this.invitations.takeExpired(now, max);
  }

  // ---- revocations, rate limits, counts ---------------------------------------------------------

  async putRevocation(from: string, to: string, iat: number, ttlMs: number, maxHeld = Infinity): Promise<boolean> {
    const now = this.clock();
    const key = from + '|' + to;
    const prev = this.revocations.slot(key, now);
    let held = this.revokedBy.get(from);
    if (held === undefined) this.revokedBy.set(from, (held = new ExpiringMap()));
    if (prev === undefined && held.slot(to, now) === undefined && held.size >= maxHeld) {
      // At the cap only counting live ones is exact; that costs a pass over at most maxHeld entries.
      held.prune(now, held.size);
      if (held.size >= maxHeld) return false;
    }
    // Re-presenting an older revocation must neither lower the iat nor shorten the block.
    const latest = prev === undefined ? iat : Math.max(prev.value, iat);
    const expiresAt = Math.max(now + ttlMs, prev?.expiresAt ?? 0);
    this.revocations.set(key, latest, expiresAt, now);
    held.set(to, true, expiresAt, now);
    return true;
  }

  async revokedAt(from: string, to: string): Promise<number | undefined> {
    return this.revocations.get(from + '|' + to, this.clock());
  }

  async putUnblock(from: string, to: string, iat: number, ttlMs: number): Promise<void> {
    const now = this.clock();
    const key = from + '|' + to;
    const prev = this.unblocks.slot(key, now);
    this.unblocks.set(key, prev === undefined ? iat : Math.max(prev.value, iat), Math.max(now + ttlMs, prev?.expiresAt ?? 0), now);
  }

  blockState(from: string, to: string): Awaitable<BlockState> {
    // Every send and every grant at every connect asks, and the common answer is "never blocked":
    // a granter who revoked nobody is one lookup of a string whose hash is already known, instead
    // of a new key built and hashed twice (a storm's 50 grants per device; issue 14).
    const revoker = this.revokedBy.has(from);
    if (!revoker && this.unblocks.size === 0) return NOT_BLOCKED;
    const now = this.clock();
    const key = from + '|' + to;
    const revokedAt = revoker ? this.revocations.get(key, now) : undefined;
    const unblockedAt = this.unblocks.get(key, now);
    // The common answer is one shared object.
    if (revokedAt === undefined && unblockedAt === undefined) return NOT_BLOCKED;
    return { ...(revokedAt !== undefined && { revokedAt }), ...(unblockedAt !== undefined && { unblockedAt }) };
  }

  // ---- account documents ------------------------------------------------------------------------

  async getAccount(sid: string, now: number): Promise<AccountBlob | undefined> {
    return this.accounts.get(sid, now);
  }

  async putAccount(sid: string, expected: number, blob: string, now: number, ttlMs: number): Promise<PutAccountResult> {
    const cur = this.accounts.get(sid, now);
    if ((cur?.version ?? 0) !== expected) return { ok: false, current: cur };
    const version = expected + 1;
    this.accounts.set(sid, { version, blob }, now + ttlMs, now);
    return { ok: true, version };
  }

  async touchAccount(sid: string, now: number, ttlMs: number): Promise<void> {
    const cur = this.accounts.get(sid, now);
    if (cur !== undefined) this.accounts.set(sid, cur, now + ttlMs, now);
  }

  takeToken(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Awaitable<number> {
    try {
      return this.buckets.take(key, ratePerSec, burst, now, cost);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---- Web Push subscriptions ----
  private readonly push = new PushSubscriptions();

  async putPushSubscription(sid: string, sub: PushSubscriptionRecord, ttlMs: number, now: number, max: number): Promise<PutPushResult> {
    return this.push.put(sid, sub, ttlMs, now, max);
  }

  async deletePushSubscription(sid: string, deviceId: string): Promise<boolean> {
    return this.push.delete(sid, deviceId);
  }

  async touchPushSubscription(sid: string, deviceId: string, ttlMs: number, now: number): Promise<void> {
    this.push.touch(sid, deviceId, ttlMs, now);
  }

  async pushSubscriptions(sid: string, now: number): Promise<PushSubscriptionRecord[]> {
    return this.push.list(sid, now);
  }

  async counts(): Promise<StoreCounts> {
    const { streams, entries, bytes } = this.totals;
    return { streams, entries, bytes, invitationsPending: this.invitations.pending };
  }

  /** Internal map sizes, for tests that prove memory stays bounded. O(streams): not for hot paths. */
  debugSizes(): MemoryStoreSizes {
    let devices = 0;
    let envelopeIds = 0;
    for (const s of this.streams.values()) {
      devices += s.deviceCount;
      envelopeIds += s.idCount;
    }
    return {
      streams: this.streams.size,
      devices,
      entries: this.totals.entries,
      envelopeIds,
      ...this.invitations.sizes(),
      nonces: this.nonces.size,
      revocations: this.revocations.size,
      revokers: this.revokedBy.size,
      buckets: this.buckets.size,
    };
  }
}
