// push_subscribe / push_unsubscribe: a device registers or removes its Web Push subscription over
// its authenticated socket. Every field is checked here (sizes by the schema, the keys as P-256
// material, the endpoint against SSRF) before anything is stored.
import { ECDH } from 'node:crypto';
import { ProtocolError, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { okText } from '../transport/wire.ts';
import { checkEndpoint } from './endpoint.ts';

/** A correct client subscribes once per connect; each attempt may cost a DNS lookup. */
const SUBSCRIBES_PER_SOCKET = 8;
const attempts = new WeakMap<Conn, number>();

function checkKeys(p256dh: string, auth: string): void {
  const pub = Buffer.from(p256dh.replace(/=+$/, ''), 'base64url');
  const secret = Buffer.from(auth.replace(/=+$/, ''), 'base64url');
  if (pub.length !== 65 || pub[0] !== 4 || secret.length !== 16) throw new ProtocolError('PUSH_BAD_KEYS');
  try {
    // Throws unless the point is on the curve: a bad key would only fail later, at every push.
    ECDH.convertKey(pub, 'prime256v1');
  } catch {
    throw new ProtocolError('PUSH_BAD_KEYS', 'p256dh is not a point on P-256');
  }
}

export async function handlePushSubscribe(conn: Conn, f: ClientFrames['push_subscribe']): Promise<void> {
  const { ctx } = conn;
  const push = ctx.push;
  if (push === undefined) throw new ProtocolError('PUSH_UNAVAILABLE');
  const n = (attempts.get(conn) ?? 0) + 1;
  attempts.set(conn, n);
  if (n > SUBSCRIBES_PER_SOCKET)
    throw new ProtocolError('RATE_LIMITED', `at most ${SUBSCRIBES_PER_SOCKET} push_subscribe per connection`, 60_000);
  checkKeys(f.p256dh, f.auth);
  try {
    await checkEndpoint(f.endpoint, ctx.config.pushAllowPrivate);
  } catch (err) {
    ctx.metrics.inc('push_subscriptions_total', 'refused');
    throw err;
  }
  if (!conn.open) return;
  const now = ctx.clock();
  const res = await ctx.store.putPushSubscription(
    conn.sid,
    { deviceId: conn.deviceId, endpoint: f.endpoint, p256dh: f.p256dh, auth: f.auth },
    ctx.lifetimes.pushSubscriptionTtlMs,
    now,
    push.maxSubscriptions,
  );
  if (res !== 'ok') throw new ProtocolError(res);
  ctx.metrics.inc('push_subscriptions_total', 'subscribe');
  conn.send('ok', okText('push_subscribe', 'push_subscribe'));
}

export async function handlePushUnsubscribe(conn: Conn): Promise<void> {
  const { ctx } = conn;
  // Allowed without push configured: removing nothing is not an error.
  if (await ctx.store.deletePushSubscription(conn.sid, conn.deviceId)) ctx.metrics.inc('push_subscriptions_total', 'unsubscribe');
  conn.send('ok', okText('push_unsubscribe', 'push_unsubscribe'));
}
