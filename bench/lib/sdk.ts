// The end-to-end path through the real SDK (MessengerClient, MemoryStorage, ws): real boxes sealed
// and opened, the outbox, the sync copy to one's own ID, receipts of the stream. Runs in a worker.
// Pairs start as contacts (their grants put into storage) instead of going through invitations,
// so the bare relay can carry the same traffic; the relay never sends `delivered`.
import WebSocket from 'ws';
import { MemoryStorage, MessengerClient, type WebSocketConstructor } from '../../client/index.ts';
import type { Grant } from '../../protocol/index.ts';
import type { Device, PairFixture } from './fixtures.ts';
import { Samples } from './traffic.ts';

export interface SdkArgs {
  readonly url: string;
  readonly pairs: PairFixture[];
  /** Messages per second over all pairs of this worker. */
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly expectDelivered: boolean;
  readonly settleTimeoutMs: number;
}

export interface SdkResult {
  readonly clients: number;
  readonly sent: number;
  readonly received: number;
  readonly delivered: number;
  readonly failed: number;
  readonly errors: string[];
  readonly connectMs: Float64Array;
  /** sendMessage() called → the recipient's `message` event. */
  readonly latency: Float64Array;
  /** sendMessage() called → its promise resolved (stored, sealed, handed to the socket). */
  readonly callLatency: Float64Array;
  /** sendMessage() called → the sender's `status: delivered`. */
  readonly deliveredLatency: Float64Array;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function clientFor(url: string, me: Device, peer: Device, held: Grant, issued: Grant): Promise<MessengerClient> {
  const storage = new MemoryStorage();
  const now = Date.now();
  await storage.setIdentity({ entropy: me.identity.entropy, deviceId: me.deviceId, createdAt: now });
  const c = await MessengerClient.create({ url, storage, WebSocket: WebSocket as unknown as WebSocketConstructor, network: null });
  // Contacts live in the account document (client/contacts.ts): the accept an invitation would make.
  const contacts = (
    c as unknown as { _contacts: { accepted(b: undefined, peer: string, held: Grant, issued: Grant, name?: string): Promise<void> } }
  )._contacts;
  await contacts.accepted(undefined, peer.identity.sessionId, held, issued, 'bench');
  return c;
}

export async function runSdk(a: SdkArgs): Promise<SdkResult> {
  const errors: string[] = [];
  const note = (e: unknown): void => {
    if (errors.length < 5) errors.push(e instanceof Error ? e.message : String(e));
  };
  const clients: MessengerClient[] = [];
  const connectMs = new Samples();
  for (const p of a.pairs) {
    clients.push(await clientFor(a.url, p.a, p.b, p.grantForA, p.grantForB), await clientFor(a.url, p.b, p.a, p.grantForB, p.grantForA));
  }
  await Promise.all(
    clients.map(async (c) => {
      c.on('error', note);
      const t0 = performance.now();
      await c.connect();
      connectMs.push(performance.now() - t0);
    }),
  );

  const sentAt = new Map<string, number>();
  const latency = new Samples();
  const callLatency = new Samples();
  const deliveredLatency = new Samples();
  let received = 0;
  let delivered = 0;
  let failed = 0;
  for (const c of clients) {
    c.on('message', (m) => {
      const t0 = m.direction === 'in' ? sentAt.get(m.id) : undefined;
      if (t0 === undefined) return;
      received++;
      latency.push(performance.now() - t0);
    });
    c.on('status', (s) => {
      const t0 = sentAt.get(s.id);
      if (t0 === undefined) return;
      if (s.status === 'delivered') {
        delivered++;
        deliveredLatency.push(performance.now() - t0);
      } else if (s.status === 'failed') failed++;
    });
  }

  const total = Math.floor((a.ratePerSec * a.durationMs) / 1000);
  const n = a.pairs.length;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * a.ratePerSec) / 1000));
    for (; k < due; k++) {
      const p = k % n;
      const forward = Math.floor(k / n) % 2 === 0;
      const from = clients[2 * p + (forward ? 0 : 1)]!;
      const to = a.pairs[p]![forward ? 'b' : 'a'].identity.sessionId;
      const t0 = performance.now();
      // The id is known only when the call resolves; a receipt cannot come before the envelope
      // is written, which happens inside the call, so registering on resolve is in time.
      pending.push(
        from.sendMessage({ recipientId: to, content: `bench message ${k} `.padEnd(120, 'x') }).then((id) => {
          sentAt.set(id, t0);
          callLatency.push(performance.now() - t0);
        }, note),
      );
    }
    await sleep(2);
  }
  await Promise.all(pending);
  const deadline = performance.now() + a.settleTimeoutMs;
  while (performance.now() < deadline && (received < total || (a.expectDelivered && delivered < total))) await sleep(10);
  await Promise.all(clients.map((c) => c.disconnect().catch(note)));
  return {
    clients: clients.length,
    sent: total,
    received,
    delivered,
    failed,
    errors,
    connectMs: connectMs.take(),
    latency: latency.take(),
    callLatency: callLatency.take(),
    deliveredLatency: deliveredLatency.take(),
  };
}
