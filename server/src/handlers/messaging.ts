// send and ack: envelopes into the recipient's stream (or, ephemeral, to its online sockets only),
// and delivered notices back into the sender's stream when a recipient device acknowledges them.
import { ProtocolError, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { authorize } from '../auth/grants.ts';
import { limitText, takeLimit } from '../limits/limits.ts';
import type { StoredEntry } from '../store/types.ts';
import { deliveredText, envelopeText, sentText } from '../transport/wire.ts';

export async function handleSend(conn: Conn, f: ClientFrames['send']): Promise<void> {
  const { ctx } = conn;
  // First, so a flood of refused sends costs its sender tokens too.
  const waitMs = await takeLimit(ctx, 'send', conn.sid, conn.address);
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'send'), waitMs);
  const now = ctx.clock();
  const denied = await authorize(conn.grants, conn.sid, f.to, now, ctx.store);
  if (denied === 'GRANT_REVOKED') {
    // The blocked person is not told (docs/security.md "Blocking"): answered as usual, never kept.
    // (The offset in `sent` is a placeholder until `sent` stops carrying one: issue 11, finding 6.)
    if (f.ephemeral !== true) conn.send('sent', sentText(f.id, f.to, 1));
    return;
  }
  if (denied) throw new ProtocolError(denied);

  if (f.ephemeral === true) {
    // Typing and the like: online sockets only, never stored, no reply on success.
    ctx.metrics.inc('envelopes_routed_total', 'ephemeral');
    ctx.bus.toIdentity(f.to, { kind: 'frame', type: 'envelope', text: envelopeText(f.id, conn.sid, f.ct, now, true) }, conn.id);
    return;
  }

  const res = await ctx.store.append(
    f.to,
    { kind: 'envelope', id: f.id, from: conn.sid, frame: envelopeText(f.id, conn.sid, f.ct, now) },
    now,
    ctx.limits,
  );
  // The sender keeps the message in its outbox and retries: never a silent drop.
  if (!res.ok)
    throw new ProtocolError(
      'MAILBOX_FULL',
      res.senderShare ? "this sender's share of the recipient's mailbox is full (MAILBOX_SENDER_SHARE)" : undefined,
    );
  conn.send('sent', sentText(f.id, f.to, f.to === conn.sid ? res.offset : undefined));
  if (res.duplicate) {
    // A retry of something the stream still holds: its devices already have it.
    ctx.metrics.inc('envelopes_duplicate_total');
    return;
  }
  ctx.metrics.inc('envelopes_routed_total', 'stored');
  // A copy to the sender's own ID goes to its other devices, not back to this socket.
  ctx.bus.toIdentity(f.to, { kind: 'entry', type: 'envelope', offset: res.offset, text: res.text }, conn.id);
}

export async function handleAck(conn: Conn, f: ClientFrames['ack']): Promise<void> {
  const { ctx } = conn;
  const now = ctx.clock();
  const delivered = await ctx.store.ack(conn.sid, conn.deviceId, f.offset, now, ctx.limits);
  const notices = delivered.filter((e): e is StoredEntry & { from: string } => e.from !== undefined);
  if (notices.length === 0) return;
  // All appends issued at once (one round trip with Redis, no turn per notice in memory): a store
  // applies them in call order, so each sender's stream gets its notices in ack order.
  const results = await Promise.allSettled(
    notices.map((e) =>
      ctx.store.append(e.from, { kind: 'delivered', id: e.id, frame: deliveredText(e.id, conn.sid, now) }, now, ctx.noticeLimits),
    ),
  );
  let failure: unknown;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === 'rejected') {
      failure ??= r.reason;
      continue;
    }
    const res = r.value;
    if (!res.ok) {
      ctx.log.warn('delivered_dropped', { reason: 'MAILBOX_FULL' });
      continue;
    }
    ctx.metrics.inc('delivered_notices_total');
    ctx.bus.toIdentity(notices[i]!.from, { kind: 'entry', type: 'delivered', offset: res.offset, text: res.text });
  }
  // The notices that were stored are dispatched above; the first failure is still the ack's answer.
  if (failure !== undefined) throw failure;
}
