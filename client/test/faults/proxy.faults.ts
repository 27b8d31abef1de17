// Slow, stalled and resetting links between SDK clients and the server, through testkit's TCP fault
// proxy, during steady traffic: nothing lost, nothing twice, everything delivered after the heal.
// The times to recover are printed, never asserted.
import { describe, expect, it } from 'vitest';
import { normaliseOrigin } from '../../../protocol/origin.ts';
import { FaultProxy } from '../../../testkit/faultProxy.ts';
import { freePort } from '../../../testkit/net.ts';
import { eventually, server } from '../integration.ts';
import { allConnected, connectCounts, pairs, reconnected, settle, steady, timeTo } from './sdkTraffic.ts';

describe('faults: the link between clients and the server (TCP fault proxy)', () => {
  it('added latency, a stall that closes nothing, resets: 0 lost, 0 duplicated, all delivered after the heal', async () => {
    // A 1 s heartbeat: a client notices a stalled socket after ≤ 3 s (ping, then 2 × heartbeat).
    // Clients dial the proxy, so the server is told that origin (auth v2 signs the dialled origin).
    const port = await freePort();
    const proxy = await FaultProxy.start(port);
    await server({ heartbeatMs: 1000, port, publicOrigins: [normaliseOrigin(proxy.url)] });
    try {
      const ps = await pairs(6, () => proxy.url);
      const traffic = steady(ps, 250);
      await eventually(() => traffic.received() >= 40, 'traffic flowing', 30_000);

      // 1. A slow link: 300 ms each way. Traffic keeps flowing, in order.
      proxy.latency(300);
      const before = traffic.received();
      await eventually(() => traffic.received() >= before + 30, 'traffic over the slow link', 30_000);
      proxy.up();

      // 2. A stall: no byte moves, no socket is closed. The clients' heartbeat gives up on the
      // socket and reconnects, and those connections stall too; messages pile up in the outboxes.
      const sentAtStall = traffic.sent();
      proxy.stall();
      await eventually(
        () => ps.every(([a, b]) => a.c.connectionState !== 'connected' && b.c.connectionState !== 'connected'),
        'every client notices the stall',
        30_000,
      );
      await eventually(() => traffic.sent() >= sentAtStall + 30, 'messages sent while stalled', 30_000);
      proxy.up();
      const stallRecoverMs = await timeTo(() => allConnected(ps), 'every client reconnected after the stall');

      // 3. Resets: every connection is reset on both sides, twice, a moment apart.
      const sentAtReset = traffic.sent();
      proxy.reset();
      await eventually(() => traffic.sent() >= sentAtReset + 10, 'traffic after the first reset', 30_000);
      const counts = connectCounts(ps);
      proxy.reset();
      const resetRecoverMs = await timeTo(() => reconnected(ps, counts), 'every client reconnected after the second reset');

      await traffic.stop();
      const r = await settle(ps);
      console.log(
        `[fault proxy] ${ps.length} pairs, ${r.sent} messages; stall: ${traffic.sent() - sentAtStall} sent after it began, ` +
          `all clients connected ${stallRecoverMs} ms after the heal; resets: ${proxy.resets}, reconnected in ${resetRecoverMs} ms; ` +
          `everything delivered ${r.deliveredMs} ms after traffic stopped; lost ${r.lost}, duplicates ${r.duplicates}`,
      );
      expect(proxy.resets).toBeGreaterThan(0);
      expect(r.lost).toBe(0);
      expect(r.duplicates).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 180_000);
});
