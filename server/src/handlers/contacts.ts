// grants, revoke, presence_sub / presence_unsub, privacy: what a connected identity says about
// who may reach it and who it watches.
import { checkRevocation, checkUnblock, ProtocolError, type ClientFrames, type ErrorCode } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { authorize, GRANTS_PER_SLICE, revokeUpTo, verifyGrant, yieldToLoop } from '../auth/grants.ts';
import { limitText, takeLimit, takeSocketLimit } from '../limits/limits.ts';
import { okText, presenceText } from '../transport/wire.ts';
import { REVOCATION_TTL_MS } from './auth.ts';

/**
 * New or renewed grants: each bad one gets its own error (ref = its granter), then ok. Metered
 * before any signature is checked (issue 11, finding 3): frames per connection, and grants per
 * identity and per address, since verifying them is the CPU this frame costs. Every forged grant
 * counts towards TOO_MANY_ERRORS, so a frame of forgeries costs ten verifications, not a thousand.
 */
export async function handleGrants(conn: Conn, f: ClientFrames['grants']): Promise<void> {
  const { ctx } = conn;
  const max = ctx.config.maxGrants;
  if (f.grants.length > max) throw new ProtocolError('TOO_MANY_GRANTS', `at most ${max} per frame`);
  const now = ctx.clock();
  const frameWait = takeSocketLimit(conn, 'grants_frames', ctx.config.grantFramesPerMin, now);
  if (frameWait > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'grants'), frameWait);
  if (f.grants.length > 0) {
    const waitMs = await takeLimit(ctx, 'grants', conn.sid, conn.address, f.grants.length);
    if (!conn.open) return;
    if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'grants'), waitMs);
  }
  for (let i = 0; i < f.grants.length; i++) {
    if (i % GRANTS_PER_SLICE === GRANTS_PER_SLICE - 1) await yieldToLoop();
    if (!conn.open) return;
    const g = f.grants[i]!;
    if (!conn.grants.has(g.from) && conn.grants.size >= max) {
      conn.reject(new ProtocolError('TOO_MANY_GRANTS', `a socket holds at most ${max} grants`), g.from, false);
      continue;
    }
    const code = await verifyGrant(g, conn.sid, now, ctx.verify, ctx.store, ctx.config.grantMaxSkewMs);
    if (!conn.open) return;
    if (code === null) {
      conn.grants.hold(g);
      continue;
    }
    // Authentic but lapsed or revoked: remembered, so a send along it says why it fails.
    if (code === 'GRANT_EXPIRED' || code === 'GRANT_REVOKED') conn.grants.hold(g, code === 'GRANT_REVOKED');
    // A blocked person is not told: their grant is taken like any other.
    if (code === 'GRANT_REVOKED') continue;
    conn.reject(new ProtocolError(code), g.from, code === 'GRANT_INVALID');
    if (!conn.open) return;
  }
  conn.send('ok', okText('grants', 'grants'));
}

/**
 * A block, signed by this identity: stored (so it voids re-presented grants) and pushed to the
 * grantee. Rate-limited, and the store holds at most MAX_REVOCATIONS per identity (issue 11,
 * finding 2): a socket cannot fill the store with revocations for random IDs.
 */
export async function handleRevoke(conn: Conn, f: ClientFrames['revoke']): Promise<void> {
  const { ctx } = conn;
  const r = f.revocation;
  if (r.from !== conn.sid) throw new ProtocolError('GRANT_INVALID', 'a revocation must be signed by the revoking identity');
  // Re-presenting a block the server holds (the SDK sends the ones that did not fit in auth as
  // revoke frames at every connect) costs no token; only a new one does.
  const held = await ctx.store.revokedAt(r.from, r.to);
  if (held === undefined || held < r.iat) {
    const waitMs = await takeLimit(ctx, 'revoke', conn.sid, conn.address);
    if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'revoke'), waitMs);
  }
  const code = checkRevocation(r, ctx.verify);
  if (code) throw new ProtocolError(code);
  const max = ctx.config.maxRevocations;
  if (!(await ctx.store.putRevocation(r.from, r.to, r.iat, REVOCATION_TTL_MS, max)))
    throw new ProtocolError('REVOCATION_LIMIT', `at most ${max}`);
  const upTo = revokeUpTo(await ctx.store.blockState(r.from, r.to));
  if (upTo !== undefined) ctx.bus.toIdentity(r.to, { kind: 'revoke', from: r.from, iat: upTo });
  conn.send('ok', okText('revoke', 'revoke'));
}

/** A signed unblock by this identity: grants issued after the block count again. */
export async function handleUnblock(conn: Conn, f: ClientFrames['unblock']): Promise<void> {
  const { ctx } = conn;
  const u = f.unblock;
  if (u.from !== conn.sid) throw new ProtocolError('GRANT_INVALID', 'an unblock must be signed by the unblocking identity');
  const code = checkUnblock(u, ctx.verify);
  if (code) throw new ProtocolError(code);
  await ctx.store.putUnblock(u.from, u.to, u.iat, REVOCATION_TTL_MS);
  conn.send('ok', okText('unblock', 'unblock'));
}

/** Refused ids of one presence_sub, by code: answered in one error frame per code. */
interface Refusal {
  readonly err: ProtocolError;
  readonly ids: string[];
}

/**
 * Answers each id at once with its presence; the refused ones together, in one error frame per
 * code with ref "presence_sub" and the ids (issue 11, finding 12: a thousand strangers used to
 * cost a thousand error frames).
 */
export async function handlePresenceSub(conn: Conn, f: ClientFrames['presence_sub']): Promise<void> {
  const { ctx } = conn;
  const now = ctx.clock();
  const refused = new Map<ErrorCode, Refusal>();
  const refuse = (err: ProtocolError, id: string): void => {
    let r = refused.get(err.code);
    if (r === undefined) refused.set(err.code, (r = { err, ids: [] }));
    r.ids.push(id);
  };
  let waitMs = 0;
  for (const id of f.ids) {
    if (!conn.subscribed(id) && conn.subCount >= ctx.config.maxPresenceSubs) {
      refuse(new ProtocolError('TOO_MANY_SUBSCRIPTIONS', `at most ${ctx.config.maxPresenceSubs}`), id);
      continue;
    }
    // One token per id (each costs a grant check); once refused, the rest of the frame is refused
    // with the same wait without asking the store again.
    if (waitMs === 0) waitMs = await takeLimit(ctx, 'presence', conn.sid, conn.address);
    if (!conn.open) return;
    if (waitMs > 0) {
      refuse(new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'presence'), waitMs), id);
      continue;
    }
    const denied = await authorize(conn.grants, conn.sid, id, now, ctx.store);
    if (!conn.open) return;
    if (denied === 'GRANT_REVOKED') {
      // Blocked: shown offline, as a contact who never comes online; no watch, no hint.
      conn.send('presence', presenceText(id, false, now));
      continue;
    }
    if (denied) {
      refuse(new ProtocolError(denied), id);
      continue;
    }
    // The held grant's string, not the frame's: one copy of the id per contact on this socket.
    ctx.hub.watch(conn, conn.grants.keyOf(id) ?? id);
    // With Redis this asks the shared directory (after subscribing, so no change slips between).
    const online = await ctx.presence.isOnline(id);
    if (!conn.open) return;
    conn.send('presence', presenceText(id, online, now));
  }
  // Misbehaviour (TOO_MANY_SUBSCRIPTIONS) counts once per frame, like one bad frame.
  for (const { err, ids } of refused.values()) {
    conn.reject(err, 'presence_sub', undefined, ids);
    if (!conn.open) return;
  }
}

export function handlePresenceUnsub(conn: Conn, f: ClientFrames['presence_unsub']): void {
  for (const id of f.ids) conn.ctx.hub.unwatch(conn, id);
  conn.send('ok', okText('presence_unsub', 'presence_unsub'));
}

/**
 * Hiding is never refused (a privacy choice must not wait); showing again is rate-limited per
 * identity (PRIVACY_RATE), and a toggle that changes nothing tells nobody: each real change reaches
 * every watcher, so a socket toggling in a loop was a storm it could raise at will (issue 11,
 * finding 12). A refused un-hide leaves the identity hidden, the safe side.
 */
export async function handlePrivacy(conn: Conn, f: ClientFrames['privacy']): Promise<void> {
  const { ctx } = conn;
  if (f.hidePresence !== conn.hidden) {
    if (!f.hidePresence) {
      const waitMs = await takeLimit(ctx, 'privacy', conn.sid, conn.address);
      if (!conn.open) return;
      if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'privacy'), waitMs);
    }
    conn.hidden = f.hidePresence;
    // Hiding shows offline at once; un-hiding shows online at once if a socket is connected.
    ctx.presence.update(conn.sid, true);
  }
  conn.send('ok', okText('privacy', 'privacy'));
}
