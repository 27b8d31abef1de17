// The rate limiter's token bucket: burst, wait, refill.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import type { StoreUnderTest } from './fixtures.ts';

export function tokenBucketTests(ctx: StoreUnderTest): void {
  describe('token bucket', () => {
    it('gives a full burst, then says how long to wait, then refills at the rate', async () => {
      const { store, t } = ctx;
      const key = 'test:' + randomId();
      for (let i = 0; i < 3; i++) expect(await store.takeToken(key, 2, 3, t)).toBe(0);
      expect(await store.takeToken(key, 2, 3, t)).toBe(500);
      expect(await store.takeToken(key, 2, 3, t + 250)).toBe(250);
      expect(await store.takeToken(key, 2, 3, t + 500)).toBe(0);
      expect(await store.takeToken(key, 2, 3, t + 500)).toBe(500);
      // Another key has its own bucket.
      expect(await store.takeToken('test:' + randomId(), 2, 3, t + 500)).toBe(0);
      // A long idle spell refills up to the burst, not beyond.
      for (let i = 0; i < 3; i++) expect(await store.takeToken(key, 2, 3, t + 60_000)).toBe(0);
      expect(await store.takeToken(key, 2, 3, t + 60_000)).toBe(500);
    });

    it('rounds the wait up to whole milliseconds', async () => {
      const { store, t } = ctx;
      const key = 'test:' + randomId();
      expect(await store.takeToken(key, 3, 1, t)).toBe(0);
      expect(await store.takeToken(key, 3, 1, t)).toBe(334);
      expect(await store.takeToken(key, 3, 1, t + 334)).toBe(0);
    });
  });
}
