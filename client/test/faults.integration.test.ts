// Fault injection with real processes: the server is SIGKILLed mid-traffic and restarted on the
// same port, and a device's network is cut under it. Counted at the receiving apps: nothing lost,
// nothing twice. The figures (in flight at the kill, time to recover, time to offline) are printed.
import { describe, expect, it } from 'vitest';
import { ChildServer } from '../../server/test/helpers/child.ts';
import { CutProxy } from '../../server/test/helpers/proxy.ts';
import { freePort } from '../../testkit/net.ts';
import { peer, settle, type Peer } from './faults/sdkTraffic.ts';
import { befriend, collect, eventually, next } from './integration.ts';

describe('fault injection (server in a child process)', () => {
  it('kill -9 of the server during traffic between 20 pairs, restart on the same port: every message exactly once', async () => {
    const port = await freePort();
    let srv = await ChildServer.start({}, port);
    const PAIRS = 20;
    const peers = await Promise.all(Array.from({ length: PAIRS * 2 }, () => peer(srv.url)));
    const pairs = Array.from({ length: PAIRS }, (_, i) => [peers[2 * i]!, peers[2 * i + 1]!] as const);
    await Promise.all(pairs.map(([a, b]) => befriend(a, b)));

    let talking = true;
    const talk = async (from: Peer, to: Peer, pair: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      for (let seq = 0; talking; seq++) {
        from.sent.push(await from.c.sendMessage({ recipientId: to.id, content: `${pair}:${seq}` }));
        await new Promise((r) => setTimeout(r, 800 + Math.random() * 400));
      }
    };
    const traffic = pairs.flatMap(([a, b], i) => [talk(a, b, i), talk(b, a, i)]);
    const sentTotal = (): number => peers.reduce((n, p) => n + p.sent.length, 0);
    await eventually(() => sentTotal() >= 150, '150 messages under way', 30_000);

    // A burst just before the kill, so the kill surely catches messages between the apps.
    await Promise.all(pairs.map(async ([a, b], i) => a.sent.push(await a.c.sendMessage({ recipientId: b.id, content: `${i}:burst` }))));
    // In flight: told to the SDK, not yet acknowledged by the recipient's device.
    const inFlight = peers.reduce(
      (n, p) => n + p.sent.filter((id) => p.status.get(id) !== 'delivered' && p.status.get(id) !== 'read').length,
      0,
    );
    const sentAtKill = sentTotal();
    const killedAt = Date.now();
    await srv.kill();
    // Down until every app has seen it go and some messages were written meanwhile.
    await eventually(
      () => peers.every((p) => p.c.connectionState !== 'connected') && sentTotal() >= sentAtKill + PAIRS,
      'the apps keep sending while the server is down',
      30_000,
    );
    srv = await ChildServer.start({}, port);
    const listeningAt = Date.now();
    const restarted = srv;
    await eventually(
      async () => (await restarted.metrics()).get('sm_connections_authenticated') === peers.length,
      'every socket is authenticated again',
      60_000,
    );
    const authenticatedAt = Date.now();
    // The SDK says "connected" once the ready is processed: resume, epoch change, re-sends sealed.
    await eventually(() => peers.every((p) => p.c.connectionState === 'connected'), 'every client is connected again', 60_000);
    const readyAt = Date.now();
    expect(peers.every((p) => p.c.epochChanged)).toBe(true);
    const sentAtReady = sentTotal();
    await eventually(() => sentTotal() >= sentAtReady + 2 * PAIRS, 'traffic on the new server', 30_000);
    talking = false;
    await Promise.all(traffic);

    // Every message received, marked delivered, stored once: lost and twice counted at the receiving apps.
    const { lost, duplicates } = await settle(pairs, 60_000);
    console.log(
      `[kill -9] ${PAIRS} pairs; ${sentTotal()} messages (${sentAtKill} before the kill); in flight at the kill ${inFlight}; ` +
        `lost ${lost}; duplicates ${duplicates}; the new process listening ${listeningAt - killedAt} ms after the kill; ` +
        `all ${peers.length} sockets authenticated ${authenticatedAt - listeningAt} ms and all clients connected ` +
        `(re-sends sealed) ${readyAt - listeningAt} ms after that`,
    );
    expect(inFlight).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
  }, 180_000);

  it('a network cut under a device: offline within the bound, reconnect with backoff, in-flight messages resent and de-duplicated', async () => {
    const HEARTBEAT_MS = 1000;
    const DEBOUNCE_MS = 500;
    // Alice reaches the server through the proxy: its origin is one of the server's public ones.
    const port = await freePort();
    const proxy = await CutProxy.start(port);
    const PUBLIC_ORIGINS = `ws://127.0.0.1:${port},ws://127.0.0.1:${proxy.port}`;
    const srv = await ChildServer.start(
      { HEARTBEAT_INTERVAL: `${HEARTBEAT_MS}ms`, PRESENCE_DEBOUNCE: `${DEBOUNCE_MS}ms`, PUBLIC_ORIGINS },
      port,
    );
    try {
      const alice = await peer(proxy.url);
      const bob = await peer(srv.url);
      const aliceConn = collect(alice.c, 'connection');
      await befriend(alice, bob);
      await eventually(() => bob.c.isOnline(alice.id), 'Bob sees Alice online');

      const say = async (text: string): Promise<string> => {
        const id = await alice.c.sendMessage({ recipientId: bob.id, content: text });
        alice.sent.push(id);
        return id;
      };
      await say('m1');
      await say('m2');
      await eventually(() => bob.got.length === 2, 'Bob has m1 and m2');

      // Alice stops hearing the server; m3 still reaches it (and Bob), its `sent` never reaches her.
      proxy.holdDownstream();
      const m3 = await say('m3');
      await eventually(() => bob.got.some((m) => m.id === m3), 'Bob has m3');
      expect(alice.status.get(m3)).toBe('queued');
      // The documented bound (docs/protocol.md "Heartbeat"): the server's idle timeout (1.5 ×
      // heartbeat, uWS's 4 s steps, at least 8 s) plus up to one 4 s uWS timer tick, plus the
      // presence debounce. It is the wait's timeout, with a second of scheduling slack.
      const bound = (Math.max(8, Math.ceil(Math.ceil((1.5 * HEARTBEAT_MS) / 1000) / 4) * 4) + 4) * 1000 + DEBOUNCE_MS;
      const offline = next(bob.c, 'presence', (p) => p.peer === alice.id && !p.online, bound + 1000);
      proxy.cut();
      const cutAt = Date.now();
      await say('m4'); // while the network is gone
      await say('m5');
      await offline;
      const offlineAfter = Date.now() - cutAt;
      await eventually(() => proxy.refused >= 2, 'Alice tries to reconnect, more than once', 20_000);

      proxy.heal();
      const healedAt = Date.now();
      await eventually(() => alice.c.connectionState === 'connected', 'Alice reconnects', 20_000);
      const reconnectedAfter = Date.now() - healedAt;
      await eventually(() => alice.sent.every((id) => alice.status.get(id) === 'delivered'), 'all five delivered', 20_000);
      await eventually(() => bob.c.isOnline(alice.id), 'Bob sees Alice online again');
      await bob.c.idle();

      const ids = bob.got.map((m) => m.id);
      console.log(
        `[network cut] offline for Bob ${offlineAfter} ms after the cut (bound ${bound} ms); ` +
          `${proxy.refused} reconnect attempts refused while cut; reconnected ${reconnectedAfter} ms after the network came back; ` +
          `Bob got ${ids.length} messages, ${ids.length - new Set(ids).size} duplicates`,
      );
      expect(bob.got.map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(new Set(ids).size).toBe(5);
      expect(ids).toEqual(alice.sent);
      // The device went through the reconnect path (connecting) and back, not a fresh start.
      expect(aliceConn.filter((e) => e.newState === 'connected').length).toBeGreaterThanOrEqual(1);
      expect(aliceConn.some((e) => e.newState === 'connecting' && e.oldState === 'connected')).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
