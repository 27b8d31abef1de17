// Partitions made with a Linux network namespace joined by veth pairs (testkit/netns.ts): the link's
// host end goes down, every packet on it is dropped without a FIN or RST, and comes back up. During
// steady SDK traffic: between the clients and the server, and between one of two server instances
// and Redis. Nothing lost, nothing twice, everything delivered after the heal; recovery times are
// printed. Needs root (CI runs as root); skipped with the reason otherwise.
import { afterEach, describe, expect, it } from 'vitest';
import { Netns } from '../../../testkit/netns.ts';
import { eventually } from '../integration.ts';
import { RedisProc, startServerProc, stopAll } from './procs.ts';
import { connectCounts, pairs, reconnected, settle, steady, timeTo, type Pair } from './sdkTraffic.ts';

const why = Netns.canUse();
if (why) console.warn(`[faults] network-namespace partition tests skipped: ${why}`);

const nets: Netns[] = [];
afterEach(async () => {
  await stopAll();
  for (const n of nets.splice(0)) n.remove();
});

/**
 * Every client has noticed the partition. Not just one side of each pair: a client that had not
 * noticed when a short partition healed keeps its socket (TCP retransmits), never reconnects, and
 * "every client reconnected" would wait for it in vain.
 */
function notConnected(ps: readonly Pair[]): boolean {
  return ps.every(([a, b]) => a.c.connectionState !== 'connected' && b.c.connectionState !== 'connected');
}

describe.skipIf(why !== undefined)('faults: partitions (network namespaces, veth)', () => {
  it('clients ⟷ server: the link drops every packet, then heals; 0 lost, 0 duplicated, all delivered', async () => {
    const ns = Netns.create(1);
    nets.push(ns);
    const srv = await startServerProc({ HEARTBEAT_INTERVAL: '1s' }, ns);
    const url = srv.url(ns.links[0]!.nsIp);
    const ps = await pairs(5, () => url);
    const traffic = steady(ps, 250);
    await eventually(() => traffic.received() >= 40, 'traffic flowing', 30_000);

    const counts = connectCounts(ps);
    const sentAtCut = traffic.sent();
    ns.down(0);
    const cutAt = Date.now();
    await eventually(() => notConnected(ps), 'the clients notice the partition', 30_000);
    const noticedMs = Date.now() - cutAt;
    await eventually(() => traffic.sent() >= sentAtCut + 30, 'messages sent during the partition', 30_000);
    ns.up(0);
    const recoverMs = await timeTo(() => reconnected(ps, counts), 'every client reconnected after the heal');

    await traffic.stop();
    const r = await settle(ps);
    console.log(
      `[partition clients⟷server] ${ps.length} pairs, ${r.sent} messages, ${traffic.sent() - sentAtCut} sent from the cut on; ` +
        `clients noticed after ${noticedMs} ms; all reconnected ${recoverMs} ms after the heal; ` +
        `everything delivered ${r.deliveredMs} ms after traffic stopped; lost ${r.lost}, duplicates ${r.duplicates}`,
    );
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
  });

  it('one of two instances ⟷ Redis: its Redis link drops every packet, then heals; 0 lost, 0 duplicated, all delivered', async () => {
    const ns = Netns.create(2); // link 0: clients → instance B; link 1: instance B → Redis
    nets.push(ns);
    const redis = await RedisProc.start(['127.0.0.1', ns.links[1]!.hostIp]);
    const env = { HEARTBEAT_INTERVAL: '1s', REDIS_KEY_PREFIX: 'smfault:', PRESENCE_DEBOUNCE: '300ms', INSTANCE_TTL: '5s' };
    const a = await startServerProc({ ...env, REDIS_URL: redis.url() });
    const b = await startServerProc({ ...env, REDIS_URL: redis.url(ns.links[1]!.hostIp) }, ns);
    // Every pair spans the two instances, so each message crosses Redis.
    const ps = await pairs(
      5,
      () => a.url(),
      () => b.url(ns.links[0]!.nsIp),
    );
    const traffic = steady(ps, 250);
    await eventually(() => traffic.received() >= 40, 'traffic flowing', 30_000);

    const sentAtCut = traffic.sent();
    const receivedAtCut = traffic.received();
    ns.down(1);
    await eventually(() => traffic.sent() >= sentAtCut + 40, 'messages sent during the partition', 30_000);
    const receivedDuring = traffic.received() - receivedAtCut;
    ns.up(1);
    const healedAt = Date.now();
    const target = traffic.sent();
    const flowingMs = await timeTo(() => traffic.received() >= target, 'what was sent during the partition arrives', 60_000);

    await traffic.stop();
    const r = await settle(ps);
    console.log(
      `[partition instance⟷Redis] ${ps.length} cross-instance pairs, ${r.sent} messages, ${traffic.sent() - sentAtCut} sent from the cut on ` +
        `(${receivedDuring} received meanwhile); everything sent before the heal received ${flowingMs} ms after it ` +
        `(${Date.now() - healedAt} ms to settle all); lost ${r.lost}, duplicates ${r.duplicates}`,
    );
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
  });
});
