// The grants one socket holds: "from accepts envelopes and presence queries from me". They are
// verified before they are held (signature, parties, expiry, stored revocations) and checked again
// at use (expiry against the clock, revocation in the store), because a block can arrive from
// another socket, or another instance, at any moment.
import { hash } from 'node:crypto';
import { checkGrant, isRevokedBy, type ErrorCode, type Grant, type VerifyFn } from '../../../protocol/index.ts';
import type { Awaitable, BlockState, Store } from '../store/types.ts';
import type { VerifyPool } from './verifyPool.ts';
import { nativeVerify, verifyPool } from './verify.ts';
import { AUTHENTIC, GRANT_KNOWN, GRANT_PEEK, HASH_BYTES, UNKNOWN } from './verifyWorker.ts';
import { grantJson } from '../transport/wire.ts';

/** Grants proven authentic on this thread (VERIFY_THREADS=0, or a test's verifier), by a hash of every field. */
const AUTHENTIC_MAX = 50_000;
const authentic = new Map<string, true>();

/**
 * checkGrant's signature and party checks, remembered for grants that passed. Only successes are
 * kept (forgeries cannot fill the cache), and the key covers every field, so a valid signature
 * reused with another exp or party is a different grant and checked in full. With the worker pool
 * the whole check and its cache live in the worker (verifyWorker.ts); this is the path without it.
 */
function checkAuthentic(g: Grant, holder: string, verify: VerifyFn): boolean {
  if (g.to !== holder) return false;
  // One-shot hash: half the CPU of a Hash object (2.3 vs 5.1 µs), run for each grant at every connect.
  const key = hash('sha256', grantJson(g), 'base64');
  if (authentic.has(key)) return true;
  // now = 0: only authenticity is decided here; expiry is the caller's, against its clock.
  if (checkGrant(g, holder, 0, verify) !== null) return false;
  authentic.set(key, true);
  if (authentic.size > AUTHENTIC_MAX) authentic.delete(authentic.keys().next().value!);
  return true;
}

/**
 * Whether each grant is authentic for `holder` (AUTHENTIC) or GRANT_INVALID: checkGrant at now = 0.
 * With the worker pool, the main thread writes the grants' fields into the turn's batch and waits
 * on one promise for the whole list (issue 14: the per-grant promises, buffers and closures of a
 * cold storm were most of its main-thread CPU and, promoted to old space, of its idle RSS). With a
 * shared cache (Redis), grants the workers do not know are looked up there before any signature is
 * verified, and those verified are recorded there: a storm after a restart is a warm one.
 */
export async function authenticGrants(grants: readonly Grant[], holder: string, verify: VerifyFn, store?: Store): Promise<Uint8Array> {
  const pool = verify === nativeVerify ? verifyPool() : null;
  if (pool === null) {
    const out = new Uint8Array(grants.length);
    for (let i = 0; i < grants.length; i++) out[i] = checkAuthentic(grants[i]!, holder, verify) ? AUTHENTIC : 0;
    return out;
  }
  const shared = store?.grantCache;
  if (shared === undefined) return pool.checkGrants(grants, holder);
  const hashes = new Uint8Array(grants.length * HASH_BYTES);
  const verdicts = await pool.checkGrants(grants, holder, GRANT_PEEK, hashes);
  const unknown: number[] = [];
  for (let i = 0; i < grants.length; i++) if (verdicts[i] === UNKNOWN) unknown.push(i);
  if (unknown.length === 0) return verdicts;
  const hashOf = (i: number) => Buffer.from(hashes.buffer, i * HASH_BYTES, HASH_BYTES).toString('base64');
  // Unreachable, the cache only costs the verifications it would have saved.
  const known = await shared.known(holder, unknown.map(hashOf)).catch(() => [] as boolean[]);
  const learnt: Grant[] = [];
  const rest: number[] = [];
  for (let k = 0; k < unknown.length; k++) {
    const i = unknown[k]!;
    if (known[k] === true) {
      verdicts[i] = AUTHENTIC;
      learnt.push(grants[i]!);
    } else rest.push(i);
  }
  // The workers remember what the shared cache knew, so the next connect does not ask it again.
  if (learnt.length > 0) void pool.checkGrants(learnt, holder, GRANT_KNOWN);
  if (rest.length === 0) return verdicts;
  const checked = await pool.checkGrants(
    rest.map((i) => grants[i]!),
    holder,
  );
  const fresh = rest.filter((i, k) => (verdicts[i] = checked[k]!) === AUTHENTIC);
  if (fresh.length > 0) {
    shared
      .remember(
        holder,
        fresh.map(hashOf),
        fresh.map((i) => grants[i]!.exp),
      )
      .catch(() => {});
  }
  return verdicts;
}

/** What a grant means once it is known authentic: its granter and its terms. */
export type GrantTerms = Pick<Grant, 'from' | 'iat' | 'exp'>;

/** A frame's grants as the auth handler keeps them while it waits: their terms, and their check to start. */
export interface PresentedGrants {
  readonly length: number;
  /** The i-th grant's terms (a fresh object when staged: read it once). */
  terms(i: number): GrantTerms;
  /** authenticGrants for the list; started once the frame's signature has been verified. */
  authentic(): Promise<Uint8Array>;
}

/**
 * Takes a frame's grants in the turn that parsed it. With the worker pool and no shared cache, the
 * grants are written as the worker's records now and only their terms are kept (the granters and
 * one array of numbers), so the parsed grants (~25 KB for 50: objects, keys, signatures) die young
 * rather than wait out the worker's queue and be copied into the old generation (issue 14: that
 * copying was most of a cold storm's main-thread GC). Otherwise (the Redis cache reads the grants
 * again, a test's verifier) they are kept whole.
 */
export function presentGrants(grants: readonly Grant[], holder: string, verify: VerifyFn, store?: Store): PresentedGrants {
  const pool = verify === nativeVerify && store?.grantCache === undefined ? verifyPool() : null;
  return pool === null ? wholeGrants(grants, holder, verify, store) : stagedGrants(pool, grants, holder);
}

function wholeGrants(grants: readonly Grant[], holder: string, verify: VerifyFn, store?: Store): PresentedGrants {
  return { length: grants.length, terms: (i) => grants[i]!, authentic: () => authenticGrants(grants, holder, verify, store) };
}

// A function of its own: a closure made beside wholeGrants' would share its scope, and hold `grants`.
function stagedGrants(pool: VerifyPool, grants: readonly Grant[], holder: string): PresentedGrants {
  const staged = pool.stage(grants, holder);
  const from = new Array<string>(grants.length);
  const times = new Float64Array(2 * grants.length);
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i]!;
    from[i] = g.from;
    times[2 * i] = g.iat;
    times[2 * i + 1] = g.exp;
  }
  return {
    length: grants.length,
    terms: (i) => ({ from: from[i]!, iat: times[2 * i]!, exp: times[2 * i + 1]! }),
    authentic: () => pool.submit(staged),
  };
}

/**
 * What authorisation needs of a verified grant, and nothing else: the signature, the granter's key
 * and the holder's own Session ID are not read again after verification, and holding the parsed
 * grant kept four strings and two objects per contact (~420 B; issue 14, idle-contacts).
 */
export class HeldGrant {
  constructor(
    /** The granter: the same string as the table's key, so a subscription can share it (subs). */
    readonly from: string,
    readonly iat: number,
    readonly exp: number,
    /** Set when a revocation covering this grant reached the socket. */
    public revoked: boolean,
  ) {}
}

export class GrantSet {
  /** Made at the first grant: a socket with no contacts yet (a new identity) holds no table. */
  private byGranter: Map<string, HeldGrant> | undefined;

  get size(): number {
    return this.byGranter?.size ?? 0;
  }

  has(from: string): boolean {
    return this.byGranter?.has(from) ?? false;
  }

  /** The held grant's copy of a granter's Session ID, if any (one string per contact, not two). */
  keyOf(from: string): string | undefined {
    return this.byGranter?.get(from)?.from;
  }

  /** Keeps the newest grant per granter (a renewal has a later iat; an older copy changes nothing). */
  hold(grant: Pick<Grant, 'from' | 'iat' | 'exp'>, revoked = false): void {
    const map = (this.byGranter ??= new Map());
    const cur = map.get(grant.from);
    if (cur && (cur.iat > grant.iat || (cur.iat === grant.iat && cur.exp >= grant.exp))) return;
    // A renewal keeps the string already held (subscriptions may share it).
    const from = cur?.from ?? grant.from;
    map.set(from, new HeldGrant(from, grant.iat, grant.exp, revoked));
  }

  /** Marks grants from `from` issued at or before iat; returns whether one was held. */
  revoke(from: string, iat: number): boolean {
    const cur = this.byGranter?.get(from);
    if (!cur || !isRevokedBy(cur, iat)) return false;
    cur.revoked = true;
    return true;
  }

  /** Synchronous part of the check: what the socket itself knows. */
  localCheck(from: string, now: number): { code: ErrorCode } | { grant: HeldGrant } {
    const held = this.byGranter?.get(from);
    if (!held) return { code: 'NO_GRANT' };
    if (held.revoked) return { code: 'GRANT_REVOKED' };
    if (held.exp <= now) return { code: 'GRANT_EXPIRED' };
    return { grant: held };
  }
}

/** Marks every held grant from a blocker as revoked, whatever its iat (see voids). */
export const WHOLE_BLOCK = Number.MAX_SAFE_INTEGER;

/**
 * Whether a block voids grant g. Blocks are monotonic: while the latest statement is a block, every
 * grant is void, a newer one too (a sibling device that missed the block, or a clock running ahead,
 * cannot lift it). After a signed unblock later than the block, grants issued after the block count.
 */
export function voids(g: Pick<Grant, 'iat'>, st: BlockState): boolean {
  if (st.revokedAt === undefined) return false;
  if (st.unblockedAt === undefined || st.unblockedAt <= st.revokedAt) return true;
  return isRevokedBy(g, st.revokedAt);
}

/** The iat to revoke held grants up to, for a block state: everything while blocked. */
export function revokeUpTo(st: BlockState): number | undefined {
  if (st.revokedAt === undefined) return undefined;
  return st.unblockedAt === undefined || st.unblockedAt <= st.revokedAt ? WHOLE_BLOCK : st.revokedAt;
}

/**
 * Whether `holder` may address `to` (send, typing, presence): always its own Session ID, otherwise
 * along a held grant from `to` that has not expired and was not revoked.
 */
export function authorize(grants: GrantSet, holder: string, to: string, now: number, store: Store): Awaitable<ErrorCode | null> {
  if (to === holder) return null;
  const local = grants.localCheck(to, now);
  if ('code' in local) return local.code;
  const st = store.blockState(to, holder);
  // The memory store answers at once: no promise on the send path.
  return st instanceof Promise ? st.then((s) => blocked(grants, to, local.grant, s)) : blocked(grants, to, local.grant, st);
}

function blocked(grants: GrantSet, to: string, grant: HeldGrant, st: BlockState): ErrorCode | null {
  if (!voids(grant, st)) return null;
  grants.revoke(to, revokeUpTo(st)!);
  return 'GRANT_REVOKED';
}

/**
 * What an authentic grant means now: null when valid; expired, not yet valid or revoked with that
 * code (the caller may still remember it, so a later send says why it fails). At once when the
 * store answers at once (memory): no promise per grant at every connect.
 */
export function grantStanding(
  g: GrantTerms,
  isAuthentic: boolean,
  holder: string,
  now: number,
  store: Store,
  maxSkewMs: number,
): Awaitable<ErrorCode | null> {
  if (!isAuthentic) return 'GRANT_INVALID';
  if (g.exp <= now) return 'GRANT_EXPIRED';
  // A grant from the future would outlive its renewal schedule (and, before blocks were monotonic,
  // outranked a revocation): a granter's clock may run ahead a little, not weeks.
  if (g.iat > now + maxSkewMs) return 'GRANT_NOT_YET_VALID';
  const st = store.blockState(g.from, holder);
  return st instanceof Promise ? st.then((s) => revokedCode(g, s)) : revokedCode(g, st);
}

const revokedCode = (g: GrantTerms, st: BlockState): ErrorCode | null => (voids(g, st) ? 'GRANT_REVOKED' : null);

/** Full verification of one grant presented for `holder`: authenticity, then its standing now. */
export async function verifyGrant(
  g: Grant,
  holder: string,
  now: number,
  verify: VerifyFn,
  store: Store,
  maxSkewMs: number,
): Promise<ErrorCode | null> {
  const [ok] = await authenticGrants([g], holder, verify, store);
  return grantStanding(g, ok === AUTHENTIC, holder, now, store, maxSkewMs);
}

/** Lets other sockets and timers run during a long list of signature checks. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How many grants are checked between yields. */
export const GRANTS_PER_SLICE = 64;
