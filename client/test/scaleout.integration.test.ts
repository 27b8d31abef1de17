// The SDK against several relay processes over Redis, and through nginx: the whole flow with Alice
// and Bob on different instances; kill -9 of Alice's instance (she fails over to the other one);
// Redis restarted empty (a new epoch: clients re-send); two clients through the shipped nginx
// config while an instance dies. Real processes, real Redis, real nginx; nothing is lost or
// duplicated, counted at the app layer (message events and stored conversations).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StatusEvent, StoredMessage } from '../index.ts';
import {
  Instance,
  Nginx,
  PrivateRedis,
  scaleOutGate,
  stopAll,
  testPrefix,
  wipePrefix,
  type InstanceOptions,
} from '../../server/test/helpers/cluster.ts';
import { befriend, client, collect, eventually, next } from './integration.ts';
import { freePort } from '../../testkit/net.ts';

const skip = await scaleOutGate('the scale-out SDK tests (client/test/scaleout.integration.test.ts)', { nginx: true, redisServer: true });

const prefixes: string[] = [];
let redis: PrivateRedis | undefined;
let nginx: Nginx | undefined;

afterEach(async () => {
  // The clients are disconnected by integration.ts's afterEach; the processes go here.
  await nginx?.stop();
  nginx = undefined;
  await stopAll();
  await redis?.kill();
  redis = undefined;
});

afterAll(async () => {
  await Promise.all(prefixes.map((p) => wipePrefix(p)));
});

async function instances(n: number, opts: Partial<InstanceOptions> = {}): Promise<Instance[]> {
  const prefix = testPrefix();
  prefixes.push(prefix);
  return Promise.all(Array.from({ length: n }, () => Instance.start({ ...opts, prefix })));
}

/** A new identity on a client that knows these URLs (tried in turn), connected. */
async function userAt(urls: string | string[], opts: Parameters<typeof client>[1] = {}) {
  const c = await client(urls, opts);
  const { sessionId } = await c.createIdentity();
  await c.connect();
  return { c, id: sessionId };
}

const contents = (ms: readonly StoredMessage[]): string[] => ms.map((m) => m.content);
const incoming = (ms: readonly StoredMessage[]): string[] => contents(ms.filter((m) => m.direction === 'in'));
const delivered = (statuses: StatusEvent[], ids: readonly string[]) => () =>
  ids.every((id) => statuses.some((s) => s.id === id && s.status === 'delivered'));

describe.skipIf(skip !== undefined)('scale-out: the SDK over several instances', { timeout: 90_000 }, () => {
  it('Alice on instance 1 and Bob on instance 2: invitation, messages, sent → delivered → read, typing, presence', async () => {
    const [one, two] = (await instances(2)) as [Instance, Instance];
    const alice = await userAt(one.url);
    const bob = await userAt(two.url, { typingTimeoutMs: 60_000 });
    const bobOnline = next(alice.c, 'presence', (p) => p.peer === bob.id && p.online);
    await befriend(alice, bob);
    await bobOnline;

    const statuses = collect(alice.c, 'status');
    const got = collect(bob.c, 'message');
    const ids: string[] = [];
    for (const text of ['hello', 'from', 'instance one']) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: text }));
    await eventually(() => got.length === 3, 'Bob has all three');
    await eventually(delivered(statuses, ids), 'Alice sees them delivered');
    await bob.c.markRead(alice.id, ids);
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'read')), 'Alice sees them read');
    for (const id of ids) expect(statuses.filter((s) => s.id === id).map((s) => s.status)).toEqual(['queued', 'sent', 'delivered', 'read']);

    const reply = next(alice.c, 'message', (m) => m.content === 'and back');
    await bob.c.sendMessage({ recipientId: alice.id, content: 'and back' });
    await reply;

    const typing = next(bob.c, 'typing', (t) => t.isTyping);
    alice.c.sendTypingIndicator(bob.id, true);
    expect(await typing).toEqual({ peer: alice.id, isTyping: true });
    const stopped = next(bob.c, 'typing', (t) => !t.isTyping);
    alice.c.sendTypingIndicator(bob.id, false);
    await stopped;

    const offline = next(bob.c, 'presence', (p) => p.peer === alice.id && !p.online);
    await alice.c.disconnect();
    await offline;
    const online = next(bob.c, 'presence', (p) => p.peer === alice.id && p.online);
    await alice.c.connect();
    await online;

    await bob.c.idle();
    expect(contents(got)).toEqual(['hello', 'from', 'instance one']);
    expect(incoming((await bob.c.getConversation(alice.id)).messages)).toEqual(['hello', 'from', 'instance one']);
    expect(incoming((await alice.c.getConversation(bob.id)).messages)).toEqual(['and back']);
  });

  it('kill -9 of instance 1: Alice reconnects to instance 2 by herself, nothing lost, nothing twice', async () => {
    const [one, two] = (await instances(2)) as [Instance, Instance];
    const alice = await userAt([one.url, two.url]);
    const bob = await userAt(two.url);
    await befriend(alice, bob);

    const aliceGot = collect(alice.c, 'message');
    const bobGot = collect(bob.c, 'message');
    const statuses = collect(alice.c, 'status');
    const sent: string[] = [];
    const say = async (text: string) => sent.push(await alice.c.sendMessage({ recipientId: bob.id, content: text }));
    for (let i = 1; i <= 3; i++) await say(`before ${i}`);
    await eventually(() => bobGot.length === 3, 'Bob has the first three');

    const reconnected = next(alice.c, 'connection', (e) => e.newState === 'connected', 20_000);
    await one.crash();
    // Sent while her socket is dead or being replaced: queued in her outbox, then sent on instance 2.
    for (let i = 1; i <= 3; i++) await say(`during ${i}`);
    await bob.c.sendMessage({ recipientId: alice.id, content: 'while you were away' });
    expect((await reconnected).epochChanged).toBeFalsy();
    for (let i = 1; i <= 3; i++) await say(`after ${i}`);

    const expected = ['before 1', 'before 2', 'before 3', 'during 1', 'during 2', 'during 3', 'after 1', 'after 2', 'after 3'];
    await eventually(() => bobGot.length >= expected.length, 'Bob has all nine', 20_000);
    await eventually(delivered(statuses, sent), 'Alice sees all nine delivered', 20_000);
    await eventually(() => aliceGot.length >= 1, "Alice has Bob's message");
    await alice.c.idle();
    await bob.c.idle();
    expect(contents(bobGot)).toEqual(expected);
    expect(incoming((await bob.c.getConversation(alice.id)).messages)).toEqual(expected);
    expect(contents(aliceGot)).toEqual(['while you were away']);
    expect(incoming((await alice.c.getConversation(bob.id)).messages)).toEqual(['while you were away']);
    expect(two.alive).toBe(true);
  });

  it('Redis restarted empty: the instances reconnect by themselves, clients see the new epoch and re-send', async () => {
    redis = await PrivateRedis.start();
    const [one, two] = (await instances(2, { redisUrl: redis.url })) as [Instance, Instance];
    const alice = await userAt(one.url);
    const bob = await userAt(two.url);
    await befriend(alice, bob);
    await bob.c.disconnect();

    const statuses = collect(alice.c, 'status');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `m${i}` }));
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'sent')), 'held in Redis for Bob');

    const aliceBack = next(alice.c, 'connection', (e) => e.newState === 'connected' && e.epochChanged === true, 30_000);
    await redis.kill();
    await redis.restart();
    await aliceBack;
    expect(alice.c.epochChanged).toBe(true);

    const got = collect(bob.c, 'message');
    await bob.c.connect();
    expect(bob.c.epochChanged).toBe(true);
    await eventually(delivered(statuses, ids), 'Alice sees all three delivered', 20_000);
    await bob.c.idle();
    expect(contents(got)).toEqual(['m1', 'm2', 'm3']);
    expect(incoming((await bob.c.getConversation(alice.id)).messages)).toEqual(['m1', 'm2', 'm3']);
    expect(one.alive && two.alive).toBe(true);
    expect((await one.health()).body).toMatchObject({ status: 'ok' });
  });

  it('through nginx (docs/nginx.conf): two clients chat, an instance dies, they carry on', async () => {
    // Clients dial nginx: that is the origin the instances are told (PUBLIC_ORIGINS) and accept.
    const front = await freePort();
    const [one, two] = (await instances(2, { env: { TRUST_PROXY: '1', PUBLIC_ORIGINS: `ws://127.0.0.1:${front}` } })) as [
      Instance,
      Instance,
    ];
    nginx = await Nginx.start([one.port, two.port], front);
    const alice = await userAt(nginx.url);
    const bob = await userAt(nginx.url);
    await befriend(alice, bob);
    const bobGot = collect(bob.c, 'message');
    const aliceGot = collect(alice.c, 'message');
    await alice.c.sendMessage({ recipientId: bob.id, content: 'via nginx' });
    await bob.c.sendMessage({ recipientId: alice.id, content: 'likewise' });
    await eventually(() => bobGot.length === 1 && aliceGot.length === 1, 'both messages through nginx');
    // least_conn put one client on each instance: a real cross-instance path behind one address.
    const perInstance = await Promise.all([one, two].map(async (i) => (await i.health()).body.connections));
    expect(perInstance).toEqual([1, 1]);

    await one.crash();
    const statuses = collect(alice.c, 'status');
    const later = await alice.c.sendMessage({ recipientId: bob.id, content: 'after the crash' });
    await bob.c.sendMessage({ recipientId: alice.id, content: 'still here' });
    await eventually(() => bobGot.length === 2 && aliceGot.length === 2, 'both messages after the crash', 20_000);
    await eventually(delivered(statuses, [later]), 'delivered after the crash', 20_000);
    await alice.c.idle();
    await bob.c.idle();
    expect(contents(bobGot)).toEqual(['via nginx', 'after the crash']);
    expect(contents(aliceGot)).toEqual(['likewise', 'still here']);
    expect((await two.health()).body.connections).toBe(2);
    expect(nginx.errorLog()).not.toMatch(/\[emerg\]/);
  });
});
