// The Store contract against a real Redis, plus what only a shared store has: several instances on
// one prefix, the epoch surviving or not surviving Redis, TTLs on every key, the sweeper, reconnects.
// Every test works under its own key prefix and removes it afterwards; nothing here may FLUSHALL,
// other suites share this Redis.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { randomId } from '../../protocol/index.ts';
import { createRedisStore, type RedisStore, type RedisStoreOptions } from '../src/store/redis/redis.ts';
import { freePort } from '../../testkit/net.ts';
import { redisUnreachable, TEST_ID_SECRET } from './helpers/cluster.ts';
import { storeSuite } from './storeSuite.ts';
import { envelope, invitation, LIMITS, newSid } from './storeSuite/fixtures.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const idSecret = TEST_ID_SECRET;
const BASE = `sm:test:${randomId()}:`;

// Decided once, at load: CI (REQUIRE_REDIS=1) fails loudly, a laptop without Redis skips visibly.
const down = await redisUnreachable(url);
if (down !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but Redis at ${url} is not reachable: ${down}`);
  console.warn(`Skipping the Redis store tests: Redis at ${url} is not reachable (${down}). Set REQUIRE_REDIS=1 to fail instead.`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const opened: RedisStore[] = [];

async function store(prefix: string, opts: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const s = await createRedisStore({ url, keyPrefix: prefix, idSecret, ...opts });
  opened.push(s);
  return s;
}

function freshPrefix(): string {
  return `${BASE}${randomId().slice(0, 8)}:`;
}

const makeAdmin = () => createClient({ url });
type Admin = ReturnType<typeof makeAdmin>;

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = makeAdmin();
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** The keys under a prefix. SCAN is fine here: a test's own prefix, never a server path. */
async function keysOf(admin: Admin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of admin.scanIterator({ MATCH: prefix + '*', COUNT: 1000 })) keys.push(...batch);
  return keys;
}

/** What FLUSHALL does to one prefix: its data is gone (the other tests' keys stay). */
async function wipe(prefix: string): Promise<void> {
  await withAdmin(async (admin) => {
    const keys = await keysOf(admin, prefix);
    if (keys.length > 0) await admin.del(keys);
  });
}

/** A private redis-server this file may kill and restart (never the shared one). */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

async function startPrivateRedis(port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const probe = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const c = createClient({ url: probe, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.close();
      return proc;
    } catch {
      c.destroy();
      if (i > 100) throw new Error(`private redis-server on ${port} did not start`);
      await sleep(50);
    }
  }
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('fails start-up with a clear message when Redis is not reachable, without leaking a password', async () => {
  const at = 'redis://user:hunter2@127.0.0.1:1';
  const err = await createRedisStore({ url: at, idSecret, connectTimeoutMs: 300 }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(Error);
  expect(err!.message).toMatch(/^Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1\/? is not reachable: .*ECONNREFUSED/);
  expect(err!.message).not.toContain('hunter2');
});

describe.skipIf(down !== undefined)('RedisStore', () => {
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await wipe(BASE);
  });

  const suitePrefix = `${BASE}suite:`;
  storeSuite('redis', () => createRedisStore({ url, keyPrefix: suitePrefix, idSecret }), { advanceClock: sleep });

  it('shares streams, acks, invitations, nonces, revocations and token buckets between instances', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await store(prefix), await store(prefix)];
    expect(b.epoch).toBe(a.epoch);
    const t = Date.now();
    const [r, s, d] = [newSid(), newSid(), randomId()];

    await b.touchDevice(r, d, t, LIMITS);
    const e = envelope(s, t);
    const first = await a.append(r, e, t, LIMITS);
    if (!first.ok) throw new Error(first.code);
    expect(await b.head(r)).toBe(first.offset);
    expect((await b.readAfter(r, 0, 10, t, LIMITS)).map((x) => [x.offset, x.id, x.text])).toEqual([[first.offset, e.id, first.text]]);
    expect(await b.append(r, e, t + 1, LIMITS)).toEqual({ ok: true, offset: first.offset, duplicate: true, text: first.text });
    expect((await b.ack(r, d, first.offset, t + 2, LIMITS)).map((x) => x.id)).toEqual([e.id]);
    expect(await a.readAfter(r, 0, 10, t + 2, LIMITS)).toEqual([]);
    expect(await a.ack(r, d, first.offset, t + 3, LIMITS)).toEqual([]);

    const inv = invitation(s, r, t);
    expect(await a.putInvitation(inv, 5)).toBe('ok');
    expect(await b.getInvitation(inv.id, t)).toEqual(inv);
    expect(await b.putInvitation(invitation(s, r, t), 5)).toBe('INVITE_DUPLICATE');
    expect(await b.transitionInvitation(inv.id, 'accepted', t + 1)).toEqual({ ...inv, status: 'accepted' });
    expect(await a.transitionInvitation(inv.id, 'declined', t + 2)).toBeUndefined();

    const nonce = randomId();
    expect(await a.consumeNonce(nonce, 60_000)).toBe(true);
    expect(await b.consumeNonce(nonce, 60_000)).toBe(false);

    await a.putRevocation(r, s, 42, 60_000);
    expect(await b.revokedAt(r, s)).toBe(42);

    const bucket = 'invite:' + s;
    expect(await a.takeToken(bucket, 1, 2, t)).toBe(0);
    expect(await b.takeToken(bucket, 1, 2, t)).toBe(0);
    expect(await a.takeToken(bucket, 1, 2, t)).toBe(1000);
    expect(await b.takeToken(bucket, 1, 2, t + 400)).toBe(600);

    expect(await b.counts()).toEqual(await a.counts());
  });

  it('numbers concurrent appends from two instances once each, without gaps', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await store(prefix), await store(prefix)];
    const [r, s] = [newSid(), newSid()];
    const t = Date.now();
    const h = await a.head(r);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).append(r, envelope(s, t), t, LIMITS)));
    const offsets = results.map((x) => (x.ok ? x.offset : -1)).sort((x, y) => x - y);
    expect(offsets).toEqual(Array.from({ length: 60 }, (_, i) => h + 1 + i));
    expect((await b.readAfter(r, h, 100, t, LIMITS)).map((x) => x.offset)).toEqual(offsets);
  });

  it('takes each expired invitation once across instances', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await store(prefix), await store(prefix)];
    const t = Date.now();
    const invs = Array.from({ length: 20 }, () => ({ ...invitation(newSid(), newSid(), t), expiresAt: t + 10 }));
    for (const inv of invs) expect(await a.putInvitation(inv, 5)).toBe('ok');
    const [fromA, fromB] = await Promise.all([a.takeExpiredInvitations(t + 10, 100), b.takeExpiredInvitations(t + 10, 100)]);
    expect([...fromA, ...fromB].map((i) => i.id).sort()).toEqual(invs.map((i) => i.id).sort());
    expect((await a.counts()).invitationsPending).toBe(0);
  });

  it('starts a new epoch when Redis lost the data, and every instance learns it', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await store(prefix, { epochCheckMs: 0 }), await store(prefix, { epochCheckMs: 0 })];
    const seenA: [string, string][] = [];
    const seenB: [string, string][] = [];
    a.onEpochChange((epoch, previous) => seenA.push([epoch, previous]));
    b.onEpochChange((epoch, previous) => seenB.push([epoch, previous]));
    const e0 = a.epoch;
    const [r, s] = [newSid(), newSid()];
    const t = Date.now();
    for (let i = 0; i < 3; i++) await a.append(r, envelope(s, t), t, LIMITS);
    expect(await b.head(r)).toBe(3);

    await wipe(prefix);
    // The first script to run notices, before it numbers anything under the old epoch.
    expect(await a.append(r, envelope(s, t), t, LIMITS)).toMatchObject({ ok: true, offset: 1 });
    const e1 = a.epoch;
    expect(e1).not.toBe(e0);
    expect(seenA).toEqual([[e1, e0]]);
    // The other instance adopts that epoch instead of making its own.
    expect(await b.head(r)).toBe(1);
    expect(b.epoch).toBe(e1);
    expect(seenB).toEqual([[e1, e0]]);

    // An idle instance notices through its check (a timer and every reconnect run it).
    await wipe(prefix);
    const e2 = await b.checkEpoch();
    expect(e2).not.toBe(e1);
    expect(seenB).toEqual([
      [e1, e0],
      [e2, e1],
    ]);
    expect(await a.readAfter(r, 0, 10, t, LIMITS)).toEqual([]);
    expect(a.epoch).toBe(e2);
    expect(await a.counts()).toEqual({ streams: 0, entries: 0, bytes: 0, invitationsPending: 0 });
  });

  it('puts a TTL on every key it writes', async () => {
    const prefix = freshPrefix();
    const s1 = await store(prefix);
    const t = Date.now();
    const [r, s, d] = [newSid(), newSid(), randomId()];
    await s1.touchDevice(r, d, t, LIMITS);
    await s1.append(r, envelope(s, t), t, LIMITS);
    await s1.append(r, envelope(s, t), t, LIMITS);
    await s1.ack(r, d, 1, t, LIMITS);
    const inv = invitation(s, r, t);
    await s1.putInvitation(inv, 5);
    await s1.putInvitation(invitation(r, s, t), 5);
    await s1.transitionInvitation(inv.id, 'accepted', t);
    await s1.consumeNonce(randomId(), 60_000);
    await s1.putRevocation(r, s, 1, 60_000, 10);
    await s1.takeToken('k', 1, 5, t);
    await s1.firstSeen(r, t, 60_000);
    await s1.putInvitation(invitation(newSid(), r, t), 5, { address: '203.0.113.9', maxPerAddress: 5, fromNew: true, maxFromNew: 5 });
    await s1.putAccount(r, 0, 'AAAA', t, 60_000);
    await s1.putUnblock(r, s, 2, 60_000);

    await withAdmin(async (admin) => {
      const keys = await keysOf(admin, prefix);
      const kinds = new Set(keys.map((k) => k.slice(prefix.length).replace(/[:{].*$/, '')));
      expect([...kinds].sort()).toEqual([
        'a',
        'b',
        'due',
        'epoch',
        'fs',
        'g',
        'i',
        'ia',
        'iexp',
        'ip',
        'ipp',
        'iy',
        'n',
        'r',
        'rc',
        's',
        'u',
      ]);
      for (const k of keys) {
        const pttl = await admin.pTTL(k);
        expect({ key: k, hasTtl: pttl > 0 }).toEqual({ key: k, hasTtl: true });
      }
    });
  });

  it('sweeps streams past their deadline: aggregates stay true, idle ones go, offsets never go back', async () => {
    const prefix = freshPrefix();
    const s1 = await store(prefix);
    const limits = { ...LIMITS, ttlMs: 1000 };
    const T = Date.now();
    const [a, d] = [newSid(), randomId()];
    await s1.touchDevice(a, d, T, limits);
    for (let i = 0; i < 3; i++) await s1.append(a, envelope(newSid(), T), T, limits);
    await s1.ack(a, d, 3, T + 10, limits);
    // Nobody behind these: their entries wait for the TTL only.
    const orphans = [newSid(), newSid()];
    for (const o of orphans) await s1.append(o, envelope(newSid(), T), T, limits);
    expect(await s1.counts()).toMatchObject({ streams: 2, entries: 2 });

    expect(await s1.sweep(T + 999, limits, 100)).toBe(0);
    expect(await s1.sweep(T + 1000, limits, 100)).toBe(2);
    expect(await s1.counts()).toEqual({ streams: 0, entries: 0, bytes: 0, invitationsPending: 0 });
    // The device was seen at T + 10 (its ack), so the record lives until T + 10 + TTL.
    expect(await s1.sweep(T + 1009, limits, 100)).toBe(0);
    expect(await s1.sweep(T + 1010, limits, 100)).toBe(1);
    // Nothing per stream is left, and the empty agenda is gone with it.
    await withAdmin(async (admin) => {
      expect((await keysOf(admin, prefix)).map((k) => k.slice(prefix.length)).sort()).toEqual(['epoch', 'g']);
    });
    // The device may come back with {epoch, offset: 3}: the next entry must be after 3.
    expect(await s1.head(a)).toBe(3);
    expect(await s1.append(a, envelope(newSid(), T + 2000), T + 2000, limits)).toMatchObject({ ok: true, offset: 4 });
    // And the budget bounds one call.
    for (let i = 0; i < 5; i++) await s1.append(newSid(), envelope(newSid(), T), T, limits);
    expect(await s1.sweep(T + 5000, limits, 4)).toBe(4);
    expect(await s1.sweep(T + 5000, limits, 4)).toBe(2);
  });

  it('fails fast while the connection is down and recovers by itself', async () => {
    const prefix = freshPrefix();
    const s1 = await store(prefix);
    const id = await s1.redis.clientId();
    await withAdmin((admin) => admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]));
    const t = Date.now();
    // Either refused at once (offline) or served after the reconnect: never hanging.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        expect(await s1.append(newSid(), envelope(newSid(), t), t, LIMITS)).toMatchObject({ ok: true });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(50);
      }
    }
    expect(s1.connected).toBe(true);
  });

  it.skipIf(!hasRedisServer)('reconnects by itself to a Redis that restarted empty, and moves to a new epoch', async () => {
    const port = await freePort();
    let redis = await startPrivateRedis(port);
    let privateStore: RedisStore | undefined;
    try {
      const s1 = await createRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'sm:', idSecret, epochCheckMs: 0 });
      privateStore = s1;
      const changes: string[] = [];
      s1.onEpochChange((epoch) => changes.push(epoch));
      const e0 = s1.epoch;
      const [r, s] = [newSid(), newSid()];
      const t = Date.now();
      for (let i = 0; i < 3; i++) await s1.append(r, envelope(s, t), t, LIMITS);

      redis.kill('SIGKILL');
      await once(redis, 'exit');
      // While Redis is away every call fails at once (the handlers answer STORE_UNAVAILABLE).
      const before = Date.now();
      await expect(s1.head(r)).rejects.toThrow();
      expect(Date.now() - before).toBeLessThan(3000);
      await until(() => !s1.connected, 2000, 'the store to notice');

      redis = await startPrivateRedis(port);
      await until(() => changes.length === 1, 10_000, 'the epoch change after the reconnect');
      expect(changes[0]).not.toBe(e0);
      expect(s1.epoch).toBe(changes[0]);
      expect(s1.connected).toBe(true);
      expect(await s1.head(r)).toBe(0);
      expect(await s1.append(r, envelope(s, t), t, LIMITS)).toMatchObject({ ok: true, offset: 1 });
    } finally {
      await privateStore?.close();
      redis.kill('SIGKILL');
    }
  });
});
