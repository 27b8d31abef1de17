// Steady traffic between pairs of real SDK clients, for the fault tests: each side of each pair
// sends a message every interval (jittered) until stopped, and the apps count what they got. After
// the network heals, settle() waits until every message sent is received and marked delivered and
// returns the losses and duplicates counted at the receiving apps, which the tests hold to zero.
import type { MessengerClient, MessengerClientOptions, StatusEvent, StoredMessage } from '../../index.ts';
import { befriend, client, collect, eventually } from '../integration.ts';

export interface Peer {
  readonly c: MessengerClient;
  readonly id: string;
  readonly got: StoredMessage[];
  readonly status: Map<string, StatusEvent['status']>;
  readonly sent: string[];
  /** Times this client reached `connected` (a reconnect adds one). */
  connects: number;
}

export type Pair = readonly [Peer, Peer];

/** Fast reconnects, so a healed network is used within a fraction of a second. */
export const FAULT_CLIENT: Partial<MessengerClientOptions> = { reconnect: { baseMs: 50, maxMs: 500 }, retry: { baseMs: 50, maxMs: 500 } };

export async function peer(url: string | string[]): Promise<Peer> {
  const c = await client(url, FAULT_CLIENT);
  const { sessionId } = await c.createIdentity();
  await c.connect();
  const p: Peer = { c, id: sessionId, got: collect(c, 'message'), status: new Map(), sent: [], connects: 1 };
  c.on('status', (s) => p.status.set(s.id, s.status));
  c.on('connection', (e) => {
    if (e.newState === 'connected') p.connects++;
  });
  return p;
}

/** n befriended pairs; side a of pair i connects to urlA(i), side b to urlB(i). */
export async function pairs(
  n: number,
  urlA: (i: number) => string | string[],
  urlB: (i: number) => string | string[] = urlA,
): Promise<Pair[]> {
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) out.push([await peer(urlA(i)), await peer(urlB(i))] as const);
  await Promise.all(out.map(([a, b]) => befriend(a, b)));
  return out;
}

export interface Traffic {
  sent(): number;
  received(): number;
  stop(): Promise<void>;
}

/** Both sides of every pair send every `intervalMs` (±20 %) until stop(). sendMessage never waits for the network. */
export function steady(ps: readonly Pair[], intervalMs: number): Traffic {
  let on = true;
  const loop = async (from: Peer, to: Peer, tag: string): Promise<void> => {
    await new Promise((r) => setTimeout(r, Math.random() * intervalMs));
    for (let seq = 0; on; seq++) {
      from.sent.push(await from.c.sendMessage({ recipientId: to.id, content: `${tag}:${seq}` }));
      await new Promise((r) => setTimeout(r, intervalMs * (0.8 + Math.random() * 0.4)));
    }
  };
  const loops = ps.flatMap(([a, b], i) => [loop(a, b, `${i}a`), loop(b, a, `${i}b`)]);
  const all = ps.flat();
  return {
    sent: () => all.reduce((n, p) => n + p.sent.length, 0),
    received: () => all.reduce((n, p) => n + p.got.length, 0),
    async stop() {
      on = false;
      await Promise.all(loops);
    },
  };
}

/** Waits for a condition and returns how long it took (for the report; never asserted). */
export async function timeTo(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  await eventually(check, what, timeoutMs);
  return Date.now() - t0;
}

/** Each client's connect count now: pass to reconnected() after a fault. */
export function connectCounts(ps: readonly Pair[]): number[] {
  return ps.flat().map((p) => p.connects);
}

/** Every client connected again on a new socket since `before` (connectCounts). */
export function reconnected(ps: readonly Pair[], before: readonly number[]): boolean {
  return allConnected(ps) && ps.flat().every((p, i) => p.connects > before[i]!);
}

export function allConnected(ps: readonly Pair[]): boolean {
  return ps.every(([a, b]) => a.c.connectionState === 'connected' && b.c.connectionState === 'connected');
}

/**
 * After the heal: every message arrives and is marked delivered; returns the losses and duplicates
 * counted at the receiving apps and checks each conversation's stored copy.
 */
export async function settle(
  ps: readonly Pair[],
  timeoutMs = 90_000,
): Promise<{ sent: number; lost: number; duplicates: number; deliveredMs: number }> {
  const all = ps.flat();
  const deliveredMs = await timeTo(
    () =>
      ps.every(([a, b]) => b.got.length >= a.sent.length && a.got.length >= b.sent.length) &&
      all.every((p) => p.sent.every((id) => p.status.get(id) === 'delivered' || p.status.get(id) === 'read')),
    'every message received and delivered',
    timeoutMs,
  );
  await Promise.all(all.map((p) => p.c.idle()));
  let lost = 0;
  let duplicates = 0;
  let sent = 0;
  for (const [a, b] of ps) {
    for (const [to, from] of [
      [b, a],
      [a, b],
    ] as const) {
      const ids = to.got.map((m) => m.id);
      duplicates += ids.length - new Set(ids).size;
      const have = new Set(ids);
      lost += from.sent.filter((id) => !have.has(id)).length;
      sent += from.sent.length;
      const stored = (await to.c.getConversation(from.id)).messages.filter((m) => m.direction === 'in');
      if (stored.length !== from.sent.length) lost += Math.abs(stored.length - from.sent.length);
    }
  }
  return { sent, lost, duplicates, deliveredMs };
}
