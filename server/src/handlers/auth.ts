// auth: the first frame. Proves the key behind the Session ID, then takes the identity's grants and
// blocks, registers the socket, says ready and replays the stream (docs/protocol.md "Connection
// lifecycle"). Any failure here closes the socket with the error's close code.
import {
  checkRevocation,
  encodeFrame,
  GRANT_LIFETIME_MS,
  ProtocolError,
  verifyAuthFrame,
  type ClientFrames,
  type ErrorCode,
  type Revocation,
} from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { GRANTS_PER_SLICE, grantStanding, presentGrants, revokeUpTo, yieldToLoop, type PresentedGrants } from '../auth/grants.ts';
import { limitText, takeLimit } from '../limits/limits.ts';
import { noteIdentitySeen } from '../limits/quotas.ts';
import { deferVerify } from '../auth/verify.ts';
import { AUTHENTIC } from '../auth/verifyWorker.ts';
import { authFieldsSha256 } from '../auth/authFields.ts';

/** A block is re-presented at every connect; kept this long it outlives any grant it voids. */
export const REVOCATION_TTL_MS = 2 * GRANT_LIFETIME_MS;

/** What authentication reads of the frame after its first turn: the parsed frame itself is let go. */
interface Claims {
  readonly sessionId: string;
  readonly deviceId: string;
  readonly nonce: string;
  readonly hidePresence: boolean;
  readonly resume: ClientFrames['auth']['resume'];
  readonly revocations: readonly Revocation[];
  readonly grants: PresentedGrants;
}

export async function handleAuth(conn: Conn, f: ClientFrames['auth']): Promise<void> {
  const { ctx } = conn;
  const { config } = ctx;
  conn.setState('authenticating');

  // Per address, before the signature: a flood of junk auth frames costs a token each, not a verify.
  const waitMs = await takeLimit(ctx, 'auth', undefined, conn.address);
  if (!conn.open) return;
  if (waitMs > 0) return conn.reject(new ProtocolError('AUTH_RATE_LIMITED', limitText(config, 'auth'), waitMs));
  // Cheap checks before the signature, the signature before any store write.
  // The auth key is seen once, so it bypasses ctx.verify's key cache; grants and revocations, whose
  // keys recur, go through ctx.verify. Signatures are verified on the worker pool (verify.ts).
  const signed = deferVerify(
    (v) => verifyAuthFrame(f, { nonce: conn.nonce, epoch: conn.helloEpoch, origins: ctx.publicOrigins, fieldsHash: authFieldsSha256 }, v),
    'AUTH_BAD_SIGNATURE',
  );
  // Nothing below holds the frame: a storm's frames wait ~2 s for the worker, and kept whole they
  // were copied twice by the young generation's GC (presentGrants). The grants are only staged
  // here; the worker is not asked about them before the frame's signature has been verified.
  const claims: Claims = {
    sessionId: f.sessionId,
    deviceId: f.deviceId,
    nonce: f.nonce,
    hidePresence: f.hidePresence === true,
    resume: f.resume,
    revocations: f.revocations,
    grants: presentGrants(f.grants, f.sessionId, ctx.verify, ctx.store),
  };
  return authenticate(conn, claims, signed);
}

async function authenticate(conn: Conn, f: Claims, signed: Promise<ErrorCode | null>): Promise<void> {
  const { ctx } = conn;
  const { config, store } = ctx;
  const bad = await signed;
  if (bad) return conn.reject(new ProtocolError(bad));
  if (!(await store.consumeNonce(f.nonce, config.authTimeoutMs + 60_000))) return conn.reject(new ProtocolError('AUTH_NONCE_REPLAYED'));
  const grants = f.grants;
  if (grants.length > config.maxGrants || f.revocations.length > config.maxGrants) {
    return conn.reject(new ProtocolError('TOO_MANY_GRANTS', `at most ${config.maxGrants} grants and ${config.maxGrants} revocations`));
  }
  const sid = f.sessionId;
  if (ctx.hub.count(sid) >= config.maxDevicesPerId) return conn.reject(new ProtocolError('TOO_MANY_DEVICES'));

  const now = ctx.clock();
  // The account document lives as long as its identity keeps coming back.
  await Promise.all([
    store.touchDevice(sid, f.deviceId, now, ctx.limits),
    noteIdentitySeen(ctx, sid, now),
    store.touchAccount(sid, now, config.accountTtlMs),
  ]);
  const rejected: { from: string; code: ErrorCode }[] = [];
  // Started before the revocations are stored, awaited after: the worker checks the list while
  // this thread stores blocks, and a block in this frame still voids a grant in it (grantStanding).
  const authentic = f.grants.authentic();

  for (let i = 0; i < f.revocations.length; i++) {
    if (i % GRANTS_PER_SLICE === GRANTS_PER_SLICE - 1) await yieldToLoop();
    if (!conn.open) return;
    const r = f.revocations[i]!;
    // Only the connecting identity's own blocks: nobody can revoke on someone else's behalf.
    const code = r.from !== sid ? 'GRANT_INVALID' : checkRevocation(r, ctx.verify);
    if (code !== null) {
      rejected.push({ from: r.from, code });
      continue;
    }
    // Past MAX_REVOCATIONS new ones are not stored (re-presented ones always refresh).
    if (!(await store.putRevocation(r.from, r.to, r.iat, REVOCATION_TTL_MS, config.maxRevocations))) {
      rejected.push({ from: r.to, code: 'REVOCATION_LIMIT' });
      continue;
    }
    // An old block re-presented after its unblock voids nothing new.
    const upTo = revokeUpTo(await store.blockState(r.from, r.to));
    if (upTo !== undefined) ctx.bus.toIdentity(r.to, { kind: 'revoke', from: sid, iat: upTo });
  }

  const isAuthentic = await authentic;
  for (let i = 0; i < grants.length; i++) {
    if (i % GRANTS_PER_SLICE === GRANTS_PER_SLICE - 1) await yieldToLoop();
    if (!conn.open) return;
    const g = grants.terms(i);
    let code = grantStanding(g, isAuthentic[i] === AUTHENTIC, sid, now, store, config.grantMaxSkewMs);
    if (code instanceof Promise) code = await code;
    if (code === null) {
      conn.grants.hold(g);
      continue;
    }
    // A blocked person is not told (docs/security.md "Blocking"): their grant looks accepted.
    if (code !== 'GRANT_REVOKED') rejected.push({ from: g.from, code });
    // Authentic but lapsed or blocked: remembered, so a send along it says why it fails.
    if (code === 'GRANT_EXPIRED' || code === 'GRANT_REVOKED') conn.grants.hold(g, code === 'GRANT_REVOKED');
  }

  const head = await store.head(sid);
  if (!conn.open) return; // timed out or gone while the store answered
  // Checked again with no await before add, so two sockets racing cannot both pass the limit.
  if (ctx.hub.count(sid) >= config.maxDevicesPerId) return conn.reject(new ProtocolError('TOO_MANY_DEVICES'));

  conn.becomeReady(sid, f.deviceId, f.hidePresence);
  ctx.hub.add(conn);
  ctx.presence.update(sid, conn.hidden);
  ctx.push?.deviceOnline(sid, f.deviceId);
  ctx.metrics.inc('auth_success_total');
  // Counts only: even a prefix of the ID, with the contact count, singles a person out in a log.
  ctx.log.info('auth_ok', { conn: conn.id, grants: conn.grants.size, rejected: rejected.length });

  const resumed = f.resume !== undefined && f.resume.epoch === store.epoch;
  conn.send(
    'ready',
    encodeFrame({ type: 'ready', sessionId: sid, deviceId: f.deviceId, epoch: store.epoch, head, resumed, grantsRejected: rejected }),
  );
  // Entries appended since head was read are > head and come with the replay or live.
  conn.feed.start(resumed ? f.resume!.offset : 0);
}
