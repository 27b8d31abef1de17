// What the Redis store sends per message (issue 14): each command is CPU on both sides, so the
// send path's reads are as few as the semantics allow. The answers themselves are the store
// contract's (storeSuite); here only how many commands they cost.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { KeyHasher } from '../src/store/redis/_keys.ts';
import { Script } from '../src/store/redis/_script.ts';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis.ts';
import { redisUnreachable, TEST_ID_SECRET } from './helpers/cluster.ts';
import { newSid } from './storeSuite/fixtures.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const down = await redisUnreachable(url);
if (down !== undefined && process.env.REQUIRE_REDIS === '1')
  throw new Error(`REQUIRE_REDIS=1 but Redis at ${url} is not reachable: ${down}`);

describe('KeyHasher', () => {
  it('hashes a bucket name once, then remembers it', () => {
    const keys = new KeyHasher(TEST_ID_SECRET);
    const hash = vi.spyOn(keys as unknown as { hash: (d: string, v: string) => string }, 'hash');
    const first = keys.bucketKey('send:someone');
    expect(keys.bucketKey('send:someone')).toBe(first);
    expect(hash).toHaveBeenCalledTimes(1);
    expect(first).toMatch(/^send:[0-9a-f]{32}$/);
    expect(new KeyHasher(TEST_ID_SECRET).bucketKey('send:someone')).toBe(first);
  });
});

describe.skipIf(down !== undefined)('the Redis store per send', () => {
  let store: RedisStore;
  const prefix = `sm:test:${randomId()}:`;
  beforeAll(async () => {
    store = await createRedisStore({ url, keyPrefix: prefix, idSecret: TEST_ID_SECRET });
  });
  afterAll(async () => {
    const keys = await store.redis.sendCommand<string[]>(['KEYS', prefix + '*']);
    if (keys.length > 0) await store.redis.sendCommand(['DEL', ...keys]);
    await store.close();
  });

  it('reads the block state (revocation and unblock) in one command', async () => {
    const [a, b] = [newSid(), newSid()];
    await store.putRevocation(a, b, 100, 60_000);
    await store.putUnblock(a, b, 150, 60_000);
    const send = vi.spyOn(store.redis, 'sendCommand');
    expect(await store.blockState(a, b)).toEqual({ revokedAt: 100, unblockedAt: 150 });
    expect(await store.blockState(b, a)).toEqual({});
    expect(send).toHaveBeenCalledTimes(2);
    send.mockRestore();
  });

  it('sends a script Redis does not know yet in full once, then by its SHA', async () => {
    const script = new Script(`-- ${randomId()}\nreturn ARGV[1] .. KEYS[1]`);
    const send = vi.spyOn(store.redis, 'sendCommand');
    expect(await script.run(store.redis, ['k'], [7])).toBe('7k');
    expect(await script.run(store.redis, ['k'], [8])).toBe('8k');
    expect(send.mock.calls.map((c) => (c[0] as string[])[0])).toEqual(['EVALSHA', 'EVAL', 'EVALSHA']);
    send.mockRestore();
  });

  it("takes a send's two buckets (identity and address) in one command, each as on its own", async () => {
    const [id, ip] = [`send:${randomId()}`, `send-ip:${randomId()}`];
    const send = vi.spyOn(store.redis, 'sendCommand');
    expect(await Promise.all([store.takeToken(id, 1, 1, 1000), store.takeToken(ip, 1, 2, 1000)])).toEqual([0, 0]);
    expect(send).toHaveBeenCalledTimes(1);
    // The same bucket twice in one turn: taken twice, in call order.
    expect(await Promise.all([store.takeToken(id, 1, 1, 1500), store.takeToken(ip, 1, 2, 1000), store.takeToken(id, 1, 1, 2000)])).toEqual([
      500, 0, 0,
    ]);
    expect(send).toHaveBeenCalledTimes(2);
    send.mockRestore();
    await expect(store.takeToken(id, 0, 1, 1000)).rejects.toThrow(RangeError);
  });
});
