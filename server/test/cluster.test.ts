// Several relay processes over one Redis, seen from raw sockets: the bus delivers every kind of
// message to sockets on any instance exactly once, subscribes only to the identities and presence
// targets an instance holds, presence is combined across instances (hiding included), a crashed
// instance's identities go offline by themselves, and Redis going away and coming back (empty)
// is survived. Real processes (npm start's entry point) and a real Redis; each test has a key
// prefix of its own and removes it afterwards.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../protocol/index.ts';
import {
  Instance,
  PrivateRedis,
  redisCommand,
  scaleOutGate,
  stopAll,
  TEST_ID_SECRET,
  testPrefix,
  until,
  wipePrefix,
  type InstanceOptions,
} from './helpers/cluster.ts';
import { KeyHasher } from '../src/store/redis/_keys.ts';
import { connectAs, grant, invitationTo, newIdentity, type Frame, type RawClient } from './helpers/rawClient.ts';
import { scrapeMetrics } from '../../testkit/net.ts';

const skip = await scaleOutGate('the multi-instance tests (server/test/cluster.test.ts)', { redisServer: true });

const prefixes: string[] = [];
const sockets: RawClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await stopAll();
});

afterAll(async () => {
  await Promise.all(prefixes.map((p) => wipePrefix(p)));
});

async function cluster(n: number, opts: Partial<InstanceOptions> = {}): Promise<{ prefix: string; nodes: Instance[] }> {
  const prefix = opts.prefix ?? testPrefix();
  prefixes.push(prefix);
  const nodes = await Promise.all(Array.from({ length: n }, () => Instance.start({ ...opts, prefix })));
  return { prefix, nodes };
}

async function as(node: Instance, who: Identity, opts: Parameters<typeof connectAs>[2] = {}): Promise<RawClient> {
  const c = await connectAs(node.url, who, opts);
  sockets.push(c);
  return c;
}

const isEnvelope = (id: string) => (f: Frame) => f.type === 'envelope' && f.id === id;
const presenceOf = (id: string, online?: boolean) => (f: Frame) =>
  f.type === 'presence' && f.id === id && (online === undefined || f.online === online);
const count = (c: RawClient, pred: (f: Frame) => boolean) => c.received.filter(pred).length;

async function metric(node: Instance, name: string): Promise<number> {
  const text = await scrapeMetrics(node.httpUrl);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe.skipIf(skip !== undefined)('several instances over Redis', { timeout: 90_000 }, () => {
  for (const mode of ['sharded', 'classic'] as const) {
    it(`delivers envelopes, typing, delivered notices, invitations and grants to sockets on any instance, each once (${mode} pub/sub)`, async () => {
      const { nodes } = await cluster(2, { env: { REDIS_PUBSUB: mode } });
      const [one, two] = nodes as [Instance, Instance];
      expect((await one.health()).body).toMatchObject({ status: 'ok', store: 'redis', redis: { store: 'up', pubsub: 'up', mode } });
      const [alice, bob, carol] = [newIdentity(), newIdentity(), newIdentity()];
      // Bob has a device on each instance: one is local to Alice, the other is not.
      const a = await as(one, alice, { grants: [grant(bob, alice)] });
      const bRemote = await as(two, bob, { grants: [grant(alice, bob)] });
      const bLocal = await as(one, bob, { grants: [grant(alice, bob)] });

      const id = a.sendEnvelope(bob.sessionId);
      await a.next('sent');
      const { offset } = await bRemote.next(isEnvelope(id));
      expect(await bLocal.next(isEnvelope(id))).toMatchObject({ offset, from: alice.sessionId });

      const typing = a.sendEnvelope(bob.sessionId, undefined, { ephemeral: true });
      for (const b of [bRemote, bLocal]) expect(await b.next(isEnvelope(typing))).toMatchObject({ ephemeral: true });

      bRemote.send({ type: 'ack', offset });
      expect(await a.next('delivered')).toMatchObject({ id, to: bob.sessionId });

      // A copy to Bob's own ID reaches his other device across instances, not the sender.
      const copy = bRemote.sendEnvelope(bob.sessionId);
      await bRemote.next('sent');
      await bLocal.next(isEnvelope(copy));

      // Carol, on the other instance, invites Alice; Alice accepts: the grant crosses instances at
      // once, so Carol can send without reconnecting.
      const c = await as(two, carol);
      const inv = invitationTo(carol, alice);
      c.send(inv);
      await c.next((f) => f.type === 'ok' && f.ref === inv.id);
      expect(await a.next('invitation')).toMatchObject({ id: inv.id, from: carol.sessionId });
      a.send({ type: 'invite_accept', id: inv.id, grant: grant(alice, carol) });
      expect(await c.next('invitation_update')).toMatchObject({ id: inv.id, status: 'accepted' });
      const hello = c.sendEnvelope(alice.sessionId);
      await c.next((f) => f.type === 'sent' && f.id === hello);
      await a.next(isEnvelope(hello));

      // Exactly once each, on every socket: nothing came twice (local delivery + the bus echo).
      for (const s of [a, bRemote, bLocal, c]) await s.barrier();
      for (const b of [bRemote, bLocal]) {
        expect(count(b, isEnvelope(id))).toBe(1);
        expect(count(b, isEnvelope(typing))).toBe(1);
      }
      expect(count(bLocal, isEnvelope(copy))).toBe(1);
      expect(count(bRemote, isEnvelope(copy))).toBe(0);
      expect(count(a, (f) => f.type === 'delivered')).toBe(1);
      expect(count(a, (f) => f.type === 'invitation')).toBe(1);
      expect(count(a, isEnvelope(hello))).toBe(1);
      expect(count(c, (f) => f.type === 'invitation_update')).toBe(1);
    });
  }

  it('subscribes an instance to an identity only while it holds one of its sockets', async () => {
    const { prefix, nodes } = await cluster(2);
    const [one, two] = nodes as [Instance, Instance];
    const [alice, bob] = [newIdentity(), newIdentity()];
    const subscribers = async (channel: string): Promise<number> => {
      const [, n] = await redisCommand<[string, number]>(['PUBSUB', 'SHARDNUMSUB', prefix + channel]);
      return n;
    };
    // Channel names carry the ID's key fragment (REDIS_ID_SECRET), never the ID.
    const frag = new KeyHasher(TEST_ID_SECRET).idKey(bob.sessionId);
    const u = `u:{${frag}}`;
    const p = `p:{${frag}}`;
    expect(await subscribers(u)).toBe(0);
    const b1 = await as(one, bob);
    await until(async () => (await subscribers(u)) === 1, 'one instance subscribed to Bob');
    const b2 = await as(two, bob);
    const b3 = await as(two, bob);
    await until(async () => (await subscribers(u)) === 2, 'both instances subscribed to Bob');
    // Alice watching Bob subscribes her instance to Bob's presence, and only that one.
    const a = await as(one, alice, { grants: [grant(bob, alice)] });
    a.send({ type: 'presence_sub', ids: [bob.sessionId] });
    await a.next(presenceOf(bob.sessionId, true));
    expect(await subscribers(p)).toBe(1);
    a.send({ type: 'presence_unsub', ids: [bob.sessionId] });
    await a.next('ok');
    await until(async () => (await subscribers(p)) === 0, 'the presence subscription to end');
    await b2.close();
    await b1.close();
    await until(async () => (await subscribers(u)) === 1, 'instance one to unsubscribe when its last socket of Bob closed');
    await b3.close();
    await until(async () => (await subscribers(u)) === 0, 'nobody subscribed to Bob');
  });

  it('combines presence across instances: online while any instance holds a device, hiding anywhere hides', async () => {
    const { nodes } = await cluster(2);
    const [one, two] = nodes as [Instance, Instance];
    const [alice, bob] = [newIdentity(), newIdentity()];
    const b = await as(two, bob, { grants: [grant(alice, bob)] });
    b.send({ type: 'presence_sub', ids: [alice.sessionId] });
    expect(await b.next(presenceOf(alice.sessionId))).toMatchObject({ online: false });

    const a1 = await as(one, alice);
    await b.next(presenceOf(alice.sessionId, true));
    // A second device on the other instance, then the first leaves: still online, no flap.
    const a2 = await as(two, alice);
    await a1.close();
    // A later subscriber on the instance that no longer holds Alice asks the shared state.
    const watcher = await as(one, newIdentity(), { grants: [] });
    const bob2 = await as(one, bob, { grants: [grant(alice, bob)] });
    bob2.send({ type: 'presence_sub', ids: [alice.sessionId] });
    expect(await bob2.next(presenceOf(alice.sessionId))).toMatchObject({ online: true });
    await watcher.close();

    // A hiding device on instance one hides Alice everywhere at once, without waiting for a debounce.
    const hidden = await as(one, alice, { hidePresence: true });
    await b.next(presenceOf(alice.sessionId, false));
    await bob2.next(presenceOf(alice.sessionId, false));
    await hidden.close();
    await b.next(presenceOf(alice.sessionId, true));
    await a2.close();
    await b.next(presenceOf(alice.sessionId, false));
    await b.barrier();
    // false, true, false, true, false: every change once, nothing in between.
    expect(b.received.filter(presenceOf(alice.sessionId)).map((f) => f.online)).toEqual([false, true, false, true, false]);
  });

  it('a crashed instance leaves no ghost: its identities go offline after INSTANCE_TTL, devices elsewhere keep theirs online', async () => {
    const { nodes } = await cluster(2);
    const [one, two] = nodes as [Instance, Instance];
    const [bob, carol, dave] = [newIdentity(), newIdentity(), newIdentity()];
    const b = await as(two, bob, { grants: [grant(carol, bob), grant(dave, bob)] });
    await as(one, carol);
    await as(one, dave);
    await as(two, dave);
    b.send({ type: 'presence_sub', ids: [carol.sessionId, dave.sessionId] });
    await b.next(presenceOf(carol.sessionId, true));
    await b.next(presenceOf(dave.sessionId, true));

    await one.crash();
    await b.next(presenceOf(carol.sessionId, false), 15_000);
    expect((await two.health()).status).toBe(200);
    // A new subscriber is told the truth as well.
    const b2 = await as(two, bob, { grants: [grant(carol, bob), grant(dave, bob)] });
    b2.send({ type: 'presence_sub', ids: [carol.sessionId, dave.sessionId] });
    expect(await b2.next(presenceOf(carol.sessionId))).toMatchObject({ online: false });
    expect(await b2.next(presenceOf(dave.sessionId))).toMatchObject({ online: true });
    await b.barrier();
    expect(b.received.filter(presenceOf(dave.sessionId)).map((f) => f.online)).toEqual([true]);
    expect(two.event('presence_instance_reaped')).toMatchObject({ identities: 2 });
  });
});

describe.skipIf(skip !== undefined)('an instance stopping (SIGTERM)', { timeout: 90_000 }, () => {
  it('hands over: identities that reconnect elsewhere within PRESENCE_DEBOUNCE stay online, the others go offline', async () => {
    const { nodes } = await cluster(2, { env: { PRESENCE_DEBOUNCE: '3s' } });
    const [one, two] = nodes as [Instance, Instance];
    const [bob, carol, dave] = [newIdentity(), newIdentity(), newIdentity()];
    const b = await as(two, bob, { grants: [grant(carol, bob), grant(dave, bob)] });
    const c = await as(one, carol);
    const d = await as(one, dave);
    b.send({ type: 'presence_sub', ids: [carol.sessionId, dave.sessionId] });
    await b.next(presenceOf(carol.sessionId, true));
    await b.next(presenceOf(dave.sessionId, true));

    await one.stop();
    for (const s of [c, d]) expect(await s.closed()).toEqual({ code: 1001, reason: 'GOING_AWAY' });
    // Dave's client reconnects to the other instance; Carol's does not come back.
    await as(two, dave);
    await b.next(presenceOf(carol.sessionId, false), 15_000);
    await b.barrier();
    expect(b.received.filter(presenceOf(dave.sessionId)).map((f) => f.online)).toEqual([true]);
    expect(b.received.filter(presenceOf(carol.sessionId)).map((f) => f.online)).toEqual([true, false]);
  });
});

describe.skipIf(skip !== undefined)('several instances when Redis goes away', { timeout: 90_000 }, () => {
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    await redis?.kill();
    redis = undefined;
  });

  it('keeps local sockets, reports degraded (503), and recovers by itself; an empty Redis means a new epoch and GOING_AWAY', async () => {
    redis = await PrivateRedis.start();
    const { nodes } = await cluster(2, { redisUrl: redis.url });
    const [one, two] = nodes as [Instance, Instance];
    const [alice, bob] = [newIdentity(), newIdentity()];
    const a = await as(one, alice, { grants: [grant(bob, alice)] });
    const b = await as(one, bob, { grants: [grant(alice, bob)] });
    const b2 = await as(two, bob, { grants: [grant(alice, bob)] });
    const epoch = a.ready!.epoch as string;

    // The bus subscriber drops (the store's connection stays): whatever is sent meanwhile still
    // reaches the other instance's socket exactly once, in order (caught up from the store).
    await redisCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'], redis.url);
    const ids = Array.from({ length: 5 }, () => a.sendEnvelope(bob.sessionId));
    for (const id of ids) await b2.next(isEnvelope(id));
    await until(
      async () => (await one.health()).body.status === 'ok' && (await two.health()).body.status === 'ok',
      'both subscribers back',
    );
    // And both went through the recovery (resubscribe, catch up from the store).
    for (const node of nodes) await until(async () => (await metric(node, 'sm_bus_reconnects_total')) >= 1, 'a bus recovery');
    await b2.barrier();
    expect(b2.received.filter((f) => f.type === 'envelope').map((f) => f.id)).toEqual(ids);

    await redis.kill();
    await until(async () => (await one.health()).status === 503, 'instance one to notice');
    const h = await one.health();
    expect(h.body).toMatchObject({ status: 'degraded', store: 'redis', redis: { store: 'down' } });
    // The sockets stay and keep their heartbeat; a send (which checks grants against the
    // revocations in Redis) is refused as retryable, so the client's outbox keeps it.
    await a.barrier();
    const stored = a.sendEnvelope(bob.sessionId);
    expect(await a.errorFor(stored)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const typing = a.sendEnvelope(bob.sessionId, undefined, { ephemeral: true });
    expect(await a.errorFor(typing)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await b.barrier();
    expect(a.isClosed || b.isClosed || b2.isClosed).toBe(false);

    // Redis comes back empty: both instances reconnect by themselves, see a new epoch and send
    // every socket away so its client reconnects and re-sends.
    await redis.restart();
    for (const s of [a, b, b2]) expect(await s.closed(20_000)).toEqual({ code: 1001, reason: 'GOING_AWAY' });
    await until(async () => (await one.health()).status === 200 && (await two.health()).status === 200, 'both instances healthy again');
    const again = await as(two, alice, { resume: { epoch, offset: 0 } });
    expect(again.ready).toMatchObject({ resumed: false });
    expect(again.ready!.epoch).not.toBe(epoch);
    expect(one.alive && two.alive).toBe(true);
    expect(one.event('epoch_changed')).toMatchObject({ previous: epoch });
  });
});
