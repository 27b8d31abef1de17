// Backpressure, measured from outside a real server process: a consumer that stops reading cannot
// make the server hold more than maxBackpressure bytes for its socket (uWS maxBackpressure +
// closeOnBackpressureLimit, and the stream feed pausing above a quarter of it), the mailbox stays
// within its own limit, and what the stalled device did not get arrives after it reconnects.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { ChildServer, total } from './helpers/child.ts';
import { connectAs, grant, newIdentity, RawClient } from './helpers/rawClient.ts';

const MiB = 1 << 20;
/** MAX_FRAME_BYTES 64 KiB → maxBackpressure = max(1 MiB, 16 × 64 KiB) = 1 MiB (server/src/context.ts). */
const MAX_BACKPRESSURE = MiB;
const MAILBOX_BYTES = 8 * MiB;

function pauseReading(c: RawClient): void {
  (c.ws as unknown as { _socket: Socket })._socket.pause();
}

/** Samples the server while `work` runs: peak RSS and the largest per-socket buffer /metrics saw. */
async function watch(srv: ChildServer, work: () => Promise<void>): Promise<{ peakRss: number; peakBuffered: number }> {
  let peakRss = srv.rss();
  let peakBuffered = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peakRss = Math.max(peakRss, srv.rss());
      const m = await srv.metrics();
      peakBuffered = Math.max(peakBuffered, m.get('sm_socket_buffered_bytes_max') ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await sampler;
  }
  peakRss = Math.max(peakRss, srv.rss());
  return { peakRss, peakBuffered };
}

describe('backpressure (server in a child process)', () => {
  it('a stalled receiver: bounded buffers and mailbox, nothing silently dropped, all of it after reconnect', async () => {
    const srv = await ChildServer.start({
      MAILBOX_MAX_BYTES: String(MAILBOX_BYTES),
      SEND_RATE: '0',
      SEND_RATE_IP: '0',
      MAILBOX_SENDER_SHARE: '100',
    });
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await connectAs(srv.url, alice, { grants: [grant(bob, alice)] });
    const b = await connectAs(srv.url, bob);
    pauseReading(b);
    const baseline = srv.rss();

    // 100 MB of envelopes at Bob, paced (a few frames in flight, as the server's inbox asks).
    const ct = Buffer.alloc(45_000, 7).toString('base64');
    const accepted: string[] = [];
    let full = 0;
    const N = 2200;
    const { peakRss, peakBuffered } = await watch(srv, async () => {
      const inFlight = new Map<string, Promise<void>>();
      const settle = async (id: string): Promise<void> => {
        const f = await a.next((x) => (x.type === 'sent' && x.id === id) || (x.type === 'error' && x.ref === id), 20_000);
        if (f.type === 'sent') accepted.push(id);
        else if (f.code === 'MAILBOX_FULL') full++;
        else throw new Error(`unexpected ${f.code}`);
        inFlight.delete(id);
      };
      for (let i = 0; i < N; i++) {
        while (inFlight.size >= 4) await Promise.race(inFlight.values());
        const id = randomId();
        a.send({ type: 'send', id, to: bob.sessionId, ct });
        inFlight.set(id, settle(id));
      }
      await Promise.all(inFlight.values());
    });
    const m = await srv.metrics();
    const pushedMB = (N * ct.length) / 1e6;
    console.log(
      `[backpressure] pushed ${pushedMB.toFixed(0)} MB at a stalled reader: accepted ${accepted.length}, MAILBOX_FULL ${full}; ` +
        `mailbox ${(m.get('sm_mailbox_bytes')! / MiB).toFixed(1)} MiB; largest socket buffer seen ${(peakBuffered / 1024).toFixed(0)} KiB ` +
        `(bound ${MAX_BACKPRESSURE / 1024} KiB); RSS ${(baseline / MiB).toFixed(0)} → peak ${(peakRss / MiB).toFixed(0)} MiB; ` +
        `feed pauses ${m.get('sm_backpressure_pauses_total')}`,
    );
    // Every send was answered: accepted into the mailbox or refused to the sender (MAILBOX_FULL).
    expect(accepted.length + full).toBe(N);
    expect(full).toBeGreaterThan(0);
    expect(m.get('sm_mailbox_bytes')!).toBeLessThanOrEqual(MAILBOX_BYTES);
    // The stalled socket never held more than the bound, and was not cut: the feed paused instead.
    expect(peakBuffered).toBeLessThanOrEqual(MAX_BACKPRESSURE);
    expect(m.get('sm_backpressure_pauses_total')!).toBeGreaterThan(0);
    expect(m.get('sm_connections_authenticated')).toBe(2);
    // 130 MB went at the stalled reader; the server grew by the mailbox it may hold and the garbage
    // of parsing, not by what it was sent (measured: about 40 MiB).
    expect(peakRss - baseline).toBeLessThan(96 * MiB);

    // Bob's device comes back (a new socket): everything the server accepted arrives, in order, once.
    b.ws.terminate();
    const b2 = await connectAs(srv.url, bob);
    const got: string[] = [];
    while (got.length < accepted.length) got.push((await b2.next('envelope', 20_000)).id as string);
    expect(got).toEqual(accepted);
    await b2.barrier();
    expect(b2.queued('envelope')).toEqual([]);
    await a.close();
    await b2.close();
  }, 120_000);

  it('a client that keeps asking but never reads is cut at maxBackpressure, and the server stays small', async () => {
    const srv = await ChildServer.start();
    const c = await connectAs(srv.url, newIdentity());
    pauseReading(c);
    const baseline = srv.rss();
    const before = await srv.metrics();
    let sent = 0;
    const { peakRss, peakBuffered } = await watch(srv, async () => {
      // Pings answered with pongs nobody takes: 300k × ~50 bytes of replies ≫ kernel buffers + 1 MiB.
      for (let burst = 0; burst < 300 && c.ws.readyState === c.ws.OPEN; burst++) {
        for (let i = 0; i < 1000; i++) c.ws.send('{"type":"ping","t":1}');
        sent += 1000;
        await new Promise((r) => setImmediate(r));
        const m = await srv.metrics();
        if ((m.get('sm_connections_closed_total') ?? 0) > (before.get('sm_connections_closed_total') ?? 0)) break;
      }
    });
    const m = await srv.metrics();
    console.log(
      `[backpressure] ${sent} pings from a socket that never read: closed by the server ${total(m, 'sm_connections_closed_total')}, ` +
        `frames dropped at the limit ${m.get('sm_send_dropped_total')}; largest buffer ${(peakBuffered / 1024).toFixed(0)} KiB; ` +
        `RSS ${(baseline / MiB).toFixed(0)} → peak ${(peakRss / MiB).toFixed(0)} MiB`,
    );
    expect(m.get('sm_connections_closed_total')).toBe((before.get('sm_connections_closed_total') ?? 0) + 1);
    expect(m.get('sm_connections_active')).toBe(0);
    expect(m.get('sm_send_dropped_total')!).toBeGreaterThan(0);
    expect(peakBuffered).toBeLessThanOrEqual(MAX_BACKPRESSURE + 64 * 1024);
    expect(peakRss - baseline).toBeLessThan(64 * MiB);
    c.ws.terminate();
  }, 120_000);
});
