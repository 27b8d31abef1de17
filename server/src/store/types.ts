// The Store: everything the server keeps, behind one interface so the in-memory default and the
// Redis implementation (several instances) pass one test suite. It holds only ciphertext,
// routing metadata (who-to-whom, sizes, times) and counters: never content, never display names.
import type { InvitationStatus } from '../../../protocol/index.ts';

/**
 * A value now, or later. The message path's calls (append, ack, blockState, takeToken) use it: a
 * store in this process's memory answers them at once, so a send costs no promise and no microtask
 * turn (issue 14); Redis answers with a promise. An invalid argument still rejects, never throws.
 */
export type Awaitable<T> = T | Promise<T>;

export type EntryKind = 'envelope' | 'delivered' | 'invitation' | 'invitation_update';

export interface NewEntry {
  readonly kind: EntryKind;
  /** Envelope id (idempotency key within a stream), delivered envelope id, or invitation id. */
  readonly id: string;
  /** Sender of an envelope, so the first recipient ack can notify it. Absent for other kinds. */
  readonly from?: string;
  /**
   * The complete server frame as JSON text *without* the offset field, starting with `{"type":`.
   * The store splices the assigned offset in, so replay never re-serialises ciphertext.
   */
  readonly frame: string;
  /**
   * `frame` without its leading `{` (frame === '{' + body), when the caller built it that way: the
   * memory store then splices the offset in front of it without looking at the frame at all, since
   * reading even one character of a freshly concatenated string (slice, startsWith) flattens it,
   * a copy of the whole ciphertext per message (issue 14).
   */
  readonly body?: EntryBody;
}

/**
 * A frame ready to send: its text, or its bytes when a store keeps it off the JS heap (the memory
 * store does for the frames it holds, so the garbage collector does not copy every message in
 * flight at each scavenge: docs/performance.md "Held frames off the heap"). Frames are ASCII.
 */
export type FrameText = string | Buffer;

/** A frame as a string (Redis bus, push payloads: the paths that read a frame rather than send it). */
export function frameString(text: FrameText): string {
  return typeof text === 'string' ? text : text.toString('utf8');
}

declare const entryBody: unique symbol;
/**
 * A stream entry's frame without its leading `{`. Made only by transport/wire.ts's entry builders
 * (tested against protocol's schema), which is why the memory store may skip checking the frame.
 */
export type EntryBody = string & { readonly [entryBody]: true };

export interface StoredEntry {
  readonly offset: number;
  readonly kind: EntryKind;
  readonly id: string;
  readonly from?: string;
  /** The frame with `"offset":N` spliced in; ready to send. */
  readonly text: FrameText;
  readonly ts: number;
}

export interface MailboxLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /**
   * What one sender's envelopes may hold of a recipient's mailbox (MAILBOX_SENDER_SHARE), so one
   * contact cannot fill it for everyone else. Copies to one's own Session ID are not counted
   * against it. Absent: no per-sender limit.
   */
  readonly maxSenderEntries?: number;
  readonly maxSenderBytes?: number;
  /** An entry appended (a device seen) at t counts while now - t < ttlMs. */
  readonly ttlMs: number;
}

export type AppendResult =
  | { readonly ok: true; readonly offset: number; readonly duplicate: boolean; readonly text: FrameText }
  | {
      readonly ok: false;
      readonly code: 'MAILBOX_FULL' /** The sender's share was full, not the mailbox. */;
      readonly senderShare?: boolean;
    };

export interface Invitation {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly ct: string;
  /** The inviter's grant (JSON as received), handed to the invitee on accept. */
  readonly grant: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly status: InvitationStatus;
}

export type PutInvitationResult = 'ok' | 'INVITE_LIMIT' | 'INVITE_DUPLICATE';

/**
 * Who may hold a recipient's pending-invitation slots (issue 11, finding 8): besides the cap per
 * recipient, at most maxPerAddress from one client address and at most maxFromNew from Session
 * IDs the server first saw recently, so neither one address nor a burst of new IDs takes them all.
 */
export interface InvitationQuota {
  /** The inviter's client address (a store that keeps it at rest keeps only a keyed hash). */
  readonly address: string;
  readonly maxPerAddress: number;
  /** The inviter was first seen less than NEW_IDENTITY_AGE ago. */
  readonly fromNew: boolean;
  readonly maxFromNew: number;
}

/** An identity's encrypted account document (opaque to the server) and its CAS version. */
export interface AccountBlob {
  /** Rises by one with every stored upload; 0 means "none stored". */
  readonly version: number;
  /** Base64 of the sealed blob, as the client sent it. */
  readonly blob: string;
}

export type PutAccountResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly current: AccountBlob | undefined };

/** What a granter said about a grantee: the latest block and the latest unblock, by their iat. */
export interface BlockState {
  readonly revokedAt?: number;
  readonly unblockedAt?: number;
}

export interface StoreCounts {
  /** Streams holding at least one entry. */
  readonly streams: number;
  readonly entries: number;
  readonly bytes: number;
  readonly invitationsPending: number;
}

/** One device's Web Push subscription (docs/protocol.md "Push"). Kept with the device, with a TTL. */
export interface PushSubscriptionRecord {
  readonly deviceId: string;
  readonly endpoint: string;
  /** base64url, as the browser gave them. */
  readonly p256dh: string;
  readonly auth: string;
}

export type PutPushResult = 'ok' | 'PUSH_LIMIT';

/** Hashes of grant records (verifyWorker.ts) that a server verified for a holder. */
export interface SharedGrantCache {
  /** Which of these hashes are known authentic for holder. */
  known(holder: string, hashes: readonly string[]): Promise<boolean[]>;
  /** Records hashes of grants just verified for holder, each until its grant's exp. */
  remember(holder: string, hashes: readonly string[], exps: readonly number[]): Promise<void>;
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  /** Random per store lifetime: a new epoch tells clients the server forgot its mailboxes. */
  readonly epoch: string;
  close(): Promise<void>;

  /** True the first time a nonce is seen within ttlMs, false on every reuse. */
  consumeNonce(nonce: string, ttlMs: number): Promise<boolean>;

  /** Records that a device of sid was seen now; devices unseen for mailbox TTL stop holding entries. */
  touchDevice(sid: string, deviceId: string, now: number, limits: MailboxLimits): Promise<void>;
  /** Appends to sid's stream. Idempotent by (kind 'envelope', id) while the entry is held. */
  append(sid: string, entry: NewEntry, now: number, limits: MailboxLimits): Awaitable<AppendResult>;
  /** Held entries with offset > after, ascending, at most `max`. */
  readAfter(sid: string, after: number, max: number, now: number, limits: MailboxLimits): Promise<StoredEntry[]>;
  /**
   * Highest offset assigned in sid's stream so far (0 on a fresh store); the next append gets
   * head + 1. A store may forget an idle stream (nothing held, no device seen within the TTL) and
   * then report a higher head for it, never a lower one: offsets never go back within an epoch,
   * so a device resuming from an old offset cannot skip new entries.
   */
  head(sid: string): Promise<number>;
  /**
   * Cumulative ack by one device. Returns the envelope entries that this ack made "delivered" for
   * the first time (any device of sid acked them), so the caller can notify their senders.
   * Removes entries every live device has acked.
   */
  ack(sid: string, deviceId: string, offset: number, now: number, limits: MailboxLimits): Awaitable<readonly StoredEntry[]>;

  putInvitation(inv: Invitation, maxPendingPerRecipient: number, quota?: InvitationQuota): Promise<PutInvitationResult>;
  getInvitation(id: string, now: number): Promise<Invitation | undefined>;
  /** pending → status, atomically. Undefined when missing or no longer pending. */
  transitionInvitation(id: string, status: Exclude<InvitationStatus, 'pending'>, now: number): Promise<Invitation | undefined>;
  /** Marks up to max pending invitations with expiresAt <= now as expired and returns them. */
  takeExpiredInvitations(now: number, max: number): Promise<Invitation[]>;

  /**
   * Remembers that `from` revoked `to` at iat (keeps the latest), for ttlMs. Returns false, storing
   * nothing, when that would make `from` hold more than maxHeld live revocations (a refresh of one
   * already held always succeeds): one identity cannot fill the store with blocks.
   */
  putRevocation(from: string, to: string, iat: number, ttlMs: number, maxHeld?: number): Promise<boolean>;
  revokedAt(from: string, to: string): Promise<number | undefined>;
  /** Remembers that `from` lifted its block of `to` at iat (keeps the latest), for ttlMs. */
  putUnblock(from: string, to: string, iat: number, ttlMs: number): Promise<void>;
  /** The latest revocation and unblock from → to, in one read. */
  blockState(from: string, to: string): Awaitable<BlockState>;

  /**
   * Grants proven authentic, shared by the instances on this store (issue 14). Optional: without it
   * each process keeps its own cache, in its verification workers, lost at restart.
   */
  readonly grantCache?: SharedGrantCache;

  // ---- account document (one opaque blob per Session ID) ----
  getAccount(sid: string, now: number): Promise<AccountBlob | undefined>;
  /** Stores blob if the stored version is still `expected` (0: none stored); else the current one. */
  putAccount(sid: string, expected: number, blob: string, now: number, ttlMs: number): Promise<PutAccountResult>;
  /** Keeps the stored document for another ttlMs (each auth). */
  touchAccount(sid: string, now: number, ttlMs: number): Promise<void>;

  /**
   * Token bucket shared by every instance using this store: `ratePerSec` refill, `burst` capacity.
   * Takes `cost` tokens (default 1, at most burst: work metered by its size, such as grants to
   * verify). Returns 0 when they were taken, else milliseconds until they are available.
   */
  takeToken(key: string, ratePerSec: number, burst: number, now: number, cost?: number): Awaitable<number>;

  /**
   * When the server first saw sid (recording now the first time), kept for ttlMs after the last
   * call: how new an identity is, for InvitationQuota.fromNew.
   */
  firstSeen(sid: string, now: number, ttlMs: number): Promise<number>;

  counts(): Promise<StoreCounts>;

  // ---- Web Push subscriptions (server/src/push/) ----
  /** Sets the device's subscription (replacing its old one) until now + ttlMs; at most `max` devices per sid. */
  putPushSubscription(sid: string, sub: PushSubscriptionRecord, ttlMs: number, now: number, max: number): Promise<PutPushResult>;
  /** False when the device had none. */
  deletePushSubscription(sid: string, deviceId: string): Promise<boolean>;
  /** Extends the device's subscription to now + ttlMs (its device authenticated); no-op without one. */
  touchPushSubscription(sid: string, deviceId: string, ttlMs: number, now: number): Promise<void>;
  /** The live subscriptions of sid's devices. */
  pushSubscriptions(sid: string, now: number): Promise<PushSubscriptionRecord[]>;
}
