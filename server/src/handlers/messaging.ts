// send and ack: envelopes into the recipient's stream (or, ephemeral, to its online sockets only),
// and delivered notices back into the sender's stream when a recipient device acknowledges them.
// Each step takes the store's answer as it comes (Awaitable): with the memory store a send and an
// ack run to the end in the frame's own callback, with no promise (issue 14); with Redis each step
// waits for its round trip. The steps are the same functions either way.
import { ProtocolError, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { authorize } from '../auth/grants.ts';
import { limitKeys, limitText, takeLimit } from '../limits/limits.ts';
import type { AppendResult, StoredEntry } from '../store/types.ts';
import { deliveredEntry, envelopeEntry, envelopeText, sentText } from '../transport/wire.ts';

type Send = ClientFrames['send'];

export function handleSend(conn: Conn, f: Send): Promise<void> | void {
  const { ctx } = conn;
  // First, so a flood of refused sends costs its sender tokens too.
  const waitMs = takeLimit(ctx, 'send', conn.sid, conn.address, 1, (conn.sendKeys ??= limitKeys('send', conn.sid, conn.address)));
  return waitMs instanceof Promise ? waitMs.then((w) => sendAllowed(conn, f, w)) : sendAllowed(conn, f, waitMs);
}

function sendAllowed(conn: Conn, f: Send, waitMs: number): Promise<void> | void {
  const { ctx } = conn;
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(ctx.config, 'send'), waitMs);
  const now = ctx.clock();
  const denied = authorize(conn.grants, conn.sid, f.to, now, ctx.store);
  return denied instanceof Promise ? denied.then((d) => sendAuthorized(conn, f, now, d)) : sendAuthorized(conn, f, now, denied);
}

function sendAuthorized(conn: Conn, f: Send, now: number, denied: Awaited<ReturnType<typeof authorize>>): Promise<void> | void {
  const { ctx } = conn;
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

  const { frame, body } = envelopeEntry(f.id, conn.sid, f.ct, now);
  const res = ctx.store.append(f.to, { kind: 'envelope', id: f.id, from: conn.sid, frame, body }, now, ctx.limits);
  if (res instanceof Promise) return res.then((r) => sendStored(conn, f, r));
  sendStored(conn, f, res);
}

function sendStored(conn: Conn, f: Send, res: AppendResult): void {
  const { ctx } = conn;
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

type Notice = StoredEntry & { from: string };
/** A notice's append: its result, or why it failed. */
type NoticeOutcome = AppendResult | { readonly failed: unknown };

export function handleAck(conn: Conn, f: ClientFrames['ack']): Promise<void> | void {
  const { ctx } = conn;
  const now = ctx.clock();
  const delivered = ctx.store.ack(conn.sid, conn.deviceId, f.offset, now, ctx.limits);
  return delivered instanceof Promise ? delivered.then((d) => notify(conn, d, now)) : notify(conn, delivered, now);
}

function notify(conn: Conn, delivered: readonly StoredEntry[], now: number): Promise<void> | void {
  const { ctx } = conn;
  const notices = delivered.filter((e): e is Notice => e.from !== undefined);
  if (notices.length === 0) return;
  // All appends issued at once (one round trip with Redis, nothing awaited in memory): a store
  // applies them in call order, so each sender's stream gets its notices in ack order.
  const results: (AppendResult | Promise<AppendResult>)[] = new Array(notices.length);
  let pending = false;
  for (let i = 0; i < notices.length; i++) {
    const e = notices[i]!;
    const { frame, body } = deliveredEntry(e.id, conn.sid, now);
    const r = ctx.store.append(e.from, { kind: 'delivered', id: e.id, frame, body }, now, ctx.noticeLimits);
    results[i] = r;
    if (r instanceof Promise) pending = true;
  }
  if (!pending) return dispatchNotices(conn, notices, results as AppendResult[]);
  return Promise.allSettled(results).then((rs) =>
    dispatchNotices(
      conn,
      notices,
      rs.map((r) => (r.status === 'fulfilled' ? r.value : { failed: r.reason })),
    ),
  );
}

function dispatchNotices(conn: Conn, notices: readonly Notice[], outcomes: readonly NoticeOutcome[]): void {
  const { ctx } = conn;
  let failure: unknown;
  for (let i = 0; i < outcomes.length; i++) {
    const res = outcomes[i]!;
    if ('failed' in res) {
      failure ??= res.failed;
      continue;
    }
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
