// Rate limits: token buckets in the store (so every instance shares them), one per identity and one
// per client address for each costly action (docs/security.md "Limits"). Each bucket holds one
// period's worth of tokens (burst = rate) and refills evenly; a rate of 0 turns the bucket off.
// A refused request is answered with an error carrying retryAfterMs: never a silent drop.
// Quotas that are not rates (revocations held, a sender's share of a mailbox, invitation slots) are
// in quotas.ts; docs/protocol.md "Limits" lists both.
import type { Config } from '../config.ts';
import type { ServerContext } from '../context.ts';
import { TokenBuckets } from '../store/_bucket.ts';
import type { Awaitable } from '../store/types.ts';

/**
 * `grants` is metered in grants, not frames: verifying a signature is the expensive part
 * (docs/security.md "Limits"), so a frame costs as many tokens as it carries grants.
 */
export type LimitedAction = 'send' | 'invite' | 'presence' | 'auth' | 'revoke' | 'grants' | 'privacy' | 'account' | 'regrant';

interface BucketSpec {
  readonly perIdentity: number;
  readonly perAddress: number;
  readonly periodMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

function spec(config: Config, action: LimitedAction): BucketSpec {
  switch (action) {
    case 'send':
      return { perIdentity: config.sendRatePerMin, perAddress: config.sendRateIpPerMin, periodMs: MINUTE };
    case 'invite':
      return { perIdentity: config.inviteRatePerHour, perAddress: config.inviteRateIpPerHour, periodMs: HOUR };
    case 'regrant':
      // Its own bucket: a restored identity asks every lapsed contact at once, and only former
      // contacts can ask at all (each needs the invitee's signature), so INVITE_RATE is the wrong owner.
      return { perIdentity: config.regrantRatePerHour, perAddress: 0, periodMs: HOUR };
    case 'presence':
      return { perIdentity: config.presenceRatePerMin, perAddress: config.presenceRateIpPerMin, periodMs: MINUTE };
    case 'account':
      return { perIdentity: config.accountRatePerMin, perAddress: 0, periodMs: MINUTE };
    case 'auth':
      // Before authentication there is no identity to count against.
      return { perIdentity: 0, perAddress: config.authRateIpPerMin, periodMs: MINUTE };
    case 'revoke':
      return { perIdentity: config.revokeRatePerMin, perAddress: config.revokeRateIpPerMin, periodMs: MINUTE };
    case 'grants':
      return { perIdentity: config.grantRatePerMin, perAddress: config.grantRateIpPerMin, periodMs: MINUTE };
    case 'privacy':
      // Each toggle reaches every watcher of the identity: what matters is the identity's rate.
      return { perIdentity: config.privacyRatePerMin, perAddress: 0, periodMs: MINUTE };
  }
}

/** Bucket specs with their refill rates, per config: takeLimit runs twice per message. */
interface Rates extends BucketSpec {
  readonly idPerSec: number;
  readonly addrPerSec: number;
}

const ratesByConfig = new WeakMap<Config, Map<LimitedAction, Rates>>();

function rates(config: Config, action: LimitedAction): Rates {
  let byAction = ratesByConfig.get(config);
  if (byAction === undefined) ratesByConfig.set(config, (byAction = new Map()));
  let r = byAction.get(action);
  if (r === undefined) {
    const s = spec(config, action);
    r = { ...s, idPerSec: (s.perIdentity * 1000) / s.periodMs, addrPerSec: (s.perAddress * 1000) / s.periodMs };
    byAction.set(action, r);
  }
  return r;
}

/**
 * Takes `cost` tokens (default one) from the identity's and the address's bucket for `action`.
 * Returns 0 when the action may go ahead, else the milliseconds until it may be tried again. A cost
 * above a bucket's burst is taken as the whole burst, so a large request waits, never forever.
 * Answers at once when the store does (the memory store): the send path awaits nothing then.
 */
export function takeLimit(
  ctx: ServerContext,
  action: LimitedAction,
  sid: string | undefined,
  address: string,
  cost = 1,
  keys: LimitKeys = limitKeys(action, sid, address),
): Awaitable<number> {
  const r = rates(ctx.config, action);
  const now = ctx.clock();
  const { store } = ctx;
  const n = Math.max(1, cost);
  // Both asked before either is awaited: one round trip with Redis.
  const byId =
    keys.byId !== undefined && r.perIdentity > 0
      ? store.takeToken(keys.byId, r.idPerSec, r.perIdentity, now, Math.min(n, r.perIdentity))
      : 0;
  const byAddr = r.perAddress > 0 ? store.takeToken(keys.byAddress, r.addrPerSec, r.perAddress, now, Math.min(n, r.perAddress)) : 0;
  if (byId instanceof Promise || byAddr instanceof Promise) {
    return Promise.all([byId, byAddr]).then(([i, a]) => limited(ctx, action, i, a));
  }
  return limited(ctx, action, byId, byAddr);
}

/** The bucket keys of one action for one identity and address. */
export interface LimitKeys {
  readonly byId: string | undefined;
  readonly byAddress: string;
}

/**
 * Made once and kept by a socket for its hot action (Conn.sendKeys): a key built per call is a new
 * string that the bucket map must flatten and hash again on every send.
 */
export function limitKeys(action: LimitedAction, sid: string | undefined, address: string): LimitKeys {
  return { byId: sid === undefined ? undefined : `${action}:${sid}`, byAddress: `${action}-ip:${address}` };
}

function limited(ctx: ServerContext, action: LimitedAction, byId: number, byAddr: number): number {
  if (byId > 0) ctx.metrics.inc('rate_limited_total', action);
  if (byAddr > 0) ctx.metrics.inc('rate_limited_total', `${action}_ip`);
  return Math.max(byId, byAddr);
}

/** Human text for a refusal: which limit, so an operator reading a client's report knows which knob. */
export function limitText(config: Config, action: LimitedAction): string {
  const { perIdentity, perAddress, periodMs } = spec(config, action);
  const per = periodMs === HOUR ? 'hour' : 'minute';
  const unit = action === 'grants' ? ' grants' : '';
  const parts: string[] = [];
  if (perIdentity > 0) parts.push(`${perIdentity}${unit} per Session ID`);
  if (perAddress > 0) parts.push(`${perAddress}${unit} per address`);
  if (action === 'grants') parts.push(`${config.grantFramesPerMin} frames per connection`);
  return `${action} is limited to ${parts.join(' and ')} per ${per}`;
}

/**
 * Buckets that belong to one socket (grants frames per connection): in this process's memory,
 * since a socket lives on one instance, and gone with the socket.
 */
const socketBuckets = new WeakMap<object, TokenBuckets>();

/** Takes one token from the socket's own bucket for `what`; 0 or the milliseconds to wait. */
export function takeSocketLimit(socket: object, what: 'grants_frames', perMinute: number, now: number): number {
  if (perMinute <= 0) return 0;
  let b = socketBuckets.get(socket);
  if (b === undefined) socketBuckets.set(socket, (b = new TokenBuckets()));
  return b.take(what, perMinute / 60, perMinute, now);
}
