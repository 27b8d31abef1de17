// Invitations: the one thing a stranger may send (rate-limited), carrying the inviter's grant. Every
// transition, expiry included, is appended to both parties' streams, so each side learns it now
// or on its next connect (docs/protocol.md "Invitations").
import { checkGrant, ProtocolError, type ClientFrames, type Grant, type InvitationStatus } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import type { ServerContext } from '../context.ts';
import { authenticGrants } from '../auth/grants.ts';
import { AUTHENTIC } from '../auth/verifyWorker.ts';
import { limitText, takeLimit } from '../limits/limits.ts';
import { invitationQuota } from '../limits/quotas.ts';
import type { Invitation } from '../store/types.ts';
import { grantJson, invitationText, invitationUpdateText, okText } from '../transport/wire.ts';

type Settled = Exclude<InvitationStatus, 'pending'>;

export async function handleInvite(conn: Conn, f: ClientFrames['invite']): Promise<void> {
  const { ctx } = conn;
  if (f.to === conn.sid) throw new ProtocolError('INVITE_SELF');
  // Before the signature check, so a flood of junk invitations costs its sender tokens too.
  const waitMs = await takeLimit(ctx, 'invite', conn.sid, conn.address);
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'invite'), waitMs);
  checkInviterGrant(conn, f);
  await createInvitation(conn, f, false);
}

/**
 * A re-invitation (docs/protocol.md "Re-invitations"): an invitation that carries, as proof, the
 * invitee's own earlier grant to the inviter. Only a former contact holds one, so it has its own
 * bucket (REGRANT_RATE) instead of INVITE_RATE, and the invitee's client may accept it by itself
 * when its account document still calls the inviter an accepted contact. The proof may have
 * expired (that is the point: a phrase restored after every grant lapsed) but not longer ago than
 * an account document lives, and it gives nothing by itself: the inviter still holds no grant.
 */
export async function handleRegrant(conn: Conn, f: ClientFrames['regrant']): Promise<void> {
  const { ctx } = conn;
  const sid = conn.sid;
  if (f.to === sid) throw new ProtocolError('INVITE_SELF');
  const waitMs = await takeLimit(ctx, 'regrant', sid, conn.address);
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'regrant'), waitMs);
  checkInviterGrant(conn, f);
  const p = f.proof;
  if (p.from !== f.to) throw new ProtocolError('GRANT_INVALID', 'the proof must be a grant signed by the invitee');
  // Signature and parties (to = me) through the verify pool; its expiry is judged below, not here.
  const [verdict] = await authenticGrants([p], sid, ctx.verify, ctx.store);
  if (verdict !== AUTHENTIC) throw new ProtocolError('GRANT_INVALID', 'the proof is not a grant from the invitee to the inviter');
  if (!conn.open) return;
  if (p.exp <= ctx.clock() - ctx.config.accountTtlMs) throw new ProtocolError('GRANT_EXPIRED', 'the proof is older than ACCOUNT_TTL');
  await createInvitation(conn, f, true);
}

/** The inviter's own grant to the invitee, held with the invitation until the invitee accepts. */
function checkInviterGrant(conn: Conn, f: ClientFrames['invite' | 'regrant']): void {
  if (f.grant.from !== conn.sid) throw new ProtocolError('GRANT_INVALID', 'the grant must be signed by the inviter');
  const bad = checkGrant(f.grant, f.to, conn.ctx.clock(), conn.ctx.verify);
  if (bad) throw new ProtocolError(bad);
}

async function createInvitation(conn: Conn, f: ClientFrames['invite' | 'regrant'], renew: boolean): Promise<void> {
  const { ctx } = conn;
  const { config, store } = ctx;
  const sid = conn.sid;
  const now = ctx.clock();
  // A block covers invitations too, or a blocked person could keep knocking; and like their sends,
  // their invitation is answered as usual and goes nowhere (they are not told). An unblock lifts it.
  const st = await store.blockState(f.to, sid);
  if (st.revokedAt !== undefined && (st.unblockedAt === undefined || st.unblockedAt <= st.revokedAt)) {
    conn.send('ok', okText(f.id, f.type));
    return;
  }

  const grant = grantJson(f.grant);
  const inv: Invitation = {
    id: f.id,
    from: sid,
    to: f.to,
    ct: f.ct,
    grant,
    createdAt: now,
    expiresAt: now + config.invitationTtlMs,
    status: 'pending',
  };
  // One address, or a burst of new IDs, cannot take all of the recipient's slots (quotas.ts).
  const put = await store.putInvitation(inv, config.maxPendingInvites, await invitationQuota(ctx, sid, conn.address, now));
  if (put !== 'ok') throw new ProtocolError(put);

  const text = invitationText(inv, now, renew);
  const toInvitee = await store.append(inv.to, { kind: 'invitation', id: inv.id, frame: text }, now, ctx.controlLimits);
  const toInviter = await store.append(sid, { kind: 'invitation', id: inv.id, frame: text }, now, ctx.controlLimits);
  ctx.metrics.inc('invitations_total', 'pending');
  conn.send('ok', okText(f.id, f.type));
  if (toInvitee.ok) ctx.bus.toIdentity(inv.to, { kind: 'entry', type: 'invitation', offset: toInvitee.offset, text: toInvitee.text });
  else ctx.log.warn('invitation_entry_dropped', { reason: toInvitee.code });
  if (toInviter.ok) ctx.bus.toIdentity(sid, { kind: 'entry', type: 'invitation', offset: toInviter.offset, text: toInviter.text }, conn.id);
}

export async function handleAccept(conn: Conn, f: ClientFrames['invite_accept']): Promise<void> {
  const { ctx } = conn;
  const now = ctx.clock();
  const inv = await findFor(conn, f.id, 'to', now);
  if (f.grant.from !== conn.sid) throw new ProtocolError('GRANT_INVALID', 'the grant must be signed by the accepter');
  const bad = checkGrant(f.grant, inv.from, now, ctx.verify);
  if (bad) throw new ProtocolError(bad);
  const done = await settle(ctx, inv.id, 'accepted', now);
  conn.send('ok', okText(f.id, 'invite_accept'));
  // Each side's update carries the other side's grant: the inviter's reaches the invitee only now.
  // The accepting socket gets its update live too: it carries the grant it needs.
  const inviterGrant = JSON.parse(done.grant) as Grant;
  // Both can message at once without reconnecting: each socket holds the other's grant before the
  // update that tells its client it may (the same channel keeps the order).
  ctx.bus.toIdentity(done.from, { kind: 'grant', grant: f.grant });
  ctx.bus.toIdentity(done.to, { kind: 'grant', grant: inviterGrant });
  await announceTo(ctx, done.from, done, 'accepted', now, undefined, f.grant);
  await announceTo(ctx, done.to, done, 'accepted', now, undefined, inviterGrant);
}

export async function handleDecline(conn: Conn, f: ClientFrames['invite_decline']): Promise<void> {
  const now = conn.ctx.clock();
  const inv = await findFor(conn, f.id, 'to', now);
  const done = await settle(conn.ctx, inv.id, 'declined', now);
  conn.send('ok', okText(f.id, 'invite_decline'));
  await announce(conn.ctx, done, 'declined', now, conn.id);
}

export async function handleCancel(conn: Conn, f: ClientFrames['invite_cancel']): Promise<void> {
  const now = conn.ctx.clock();
  const inv = await findFor(conn, f.id, 'from', now);
  const done = await settle(conn.ctx, inv.id, 'cancelled', now);
  conn.send('ok', okText(f.id, 'invite_cancel'));
  await announce(conn.ctx, done, 'cancelled', now, conn.id);
}

/** Settles invitations past their expiresAt; run by a timer. Returns how many it settled. */
export async function expireInvitations(ctx: ServerContext, max: number): Promise<number> {
  const now = ctx.clock();
  const expired = await ctx.store.takeExpiredInvitations(now, max);
  for (const inv of expired) await announce(ctx, inv, 'expired', now);
  return expired.length;
}

/** The invitation, if `conn` is its invitee (side 'to') or inviter (side 'from'); else NOT_FOUND. */
async function findFor(conn: Conn, id: string, side: 'from' | 'to', now: number): Promise<Invitation> {
  const inv = await conn.ctx.store.getInvitation(id, now);
  // Someone else's invitation is reported exactly like a missing one: ids reveal nothing.
  if (inv === undefined || inv[side] !== conn.sid) throw new ProtocolError('INVITE_NOT_FOUND');
  if (inv.status !== 'pending' || now >= inv.expiresAt) throw new ProtocolError('INVITE_NOT_PENDING');
  return inv;
}

async function settle(ctx: ServerContext, id: string, status: Settled, now: number): Promise<Invitation> {
  const done = await ctx.store.transitionInvitation(id, status, now);
  // Lost a race with the other party or the expiry timer.
  if (done === undefined) throw new ProtocolError('INVITE_NOT_PENDING');
  ctx.metrics.inc('invitations_total', status);
  return done;
}

/** Appends invitation_update to both streams and delivers it (the acting socket gets it on replay). */
async function announce(ctx: ServerContext, inv: Invitation, status: Settled, now: number, exceptConn?: number): Promise<void> {
  for (const party of [inv.to, inv.from]) await announceTo(ctx, party, inv, status, now, exceptConn);
}

async function announceTo(
  ctx: ServerContext,
  party: string,
  inv: Invitation,
  status: Settled,
  now: number,
  exceptConn?: number,
  grant?: Grant,
): Promise<void> {
  const text = invitationUpdateText(inv, status, now, grant === undefined ? undefined : grantJson(grant));
  const res = await ctx.store.append(party, { kind: 'invitation_update', id: inv.id, frame: text }, now, ctx.controlLimits);
  if (res.ok) ctx.bus.toIdentity(party, { kind: 'entry', type: 'invitation_update', offset: res.offset, text: res.text }, exceptConn);
  else ctx.log.warn('invitation_update_dropped', { reason: res.code });
}
