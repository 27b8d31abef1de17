// The stores a server suite runs against: the memory default, and real Redis under a key prefix of
// each test's own (wiped after the file), unless Redis is missing and not required (scaleOutGate).
import { afterAll } from 'vitest';
import type { Config } from '../../src/config.ts';
import { REDIS_URL, scaleOutGate, TEST_ID_SECRET, testPrefix, wipePrefix } from './cluster.ts';

export interface StoreUnderTest {
  readonly name: 'memory' | 'redis';
  /** Config for a fresh server on this store (a new Redis prefix each call). */
  readonly config: () => Partial<Config>;
}

/** Call at the top of a test file; `what` names the Redis runs in the skip message. */
export async function storesUnderTest(what: string): Promise<StoreUnderTest[]> {
  const redisMissing = await scaleOutGate(what);
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await wipePrefix(p);
  });
  const memory: StoreUnderTest = { name: 'memory', config: () => ({}) };
  if (redisMissing !== undefined) return [memory];
  const redis: StoreUnderTest = {
    name: 'redis',
    config: () => {
      const redisKeyPrefix = testPrefix();
      prefixes.push(redisKeyPrefix);
      return { redisUrl: REDIS_URL, redisKeyPrefix, redisIdSecret: TEST_ID_SECRET };
    },
  };
  return [memory, redis];
}
