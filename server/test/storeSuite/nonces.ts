// Auth nonces (each accepted once) and revocations (the latest per direction), both forgotten
// after their TTL on the store's own clock.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import { newSid, type StoreUnderTest } from './fixtures.ts';

/** `advanceClock` moves the store's clock; without it the expiry tests are skipped. */
export function nonceTests(ctx: StoreUnderTest, advanceClock: ((ms: number) => void | Promise<void>) | undefined): void {
  describe('nonces and revocations', () => {
    it('accepts a nonce once', async () => {
      const { store } = ctx;
      const n = randomId();
      expect(await store.consumeNonce(n, 60_000)).toBe(true);
      expect(await store.consumeNonce(n, 60_000)).toBe(false);
      expect(await store.consumeNonce(n, 60_000)).toBe(false);
      expect(await store.consumeNonce(randomId(), 60_000)).toBe(true);
    });

    it.skipIf(advanceClock === undefined)('forgets a nonce after its TTL', async () => {
      const { store } = ctx;
      const n = randomId();
      expect(await store.consumeNonce(n, 200)).toBe(true);
      await advanceClock!(50);
      expect(await store.consumeNonce(n, 200)).toBe(false);
      await advanceClock!(250);
      expect(await store.consumeNonce(n, 200)).toBe(true);
    });

    it('keeps the latest revocation per direction', async () => {
      const { store } = ctx;
      const [a, b] = [newSid(), newSid()];
      expect(await store.revokedAt(a, b)).toBeUndefined();
      await store.putRevocation(a, b, 100, 60_000);
      expect(await store.revokedAt(a, b)).toBe(100);
      await store.putRevocation(a, b, 50, 60_000);
      expect(await store.revokedAt(a, b)).toBe(100);
      await store.putRevocation(a, b, 200, 60_000);
      expect(await store.revokedAt(a, b)).toBe(200);
      expect(await store.revokedAt(b, a)).toBeUndefined();
      expect(await store.revokedAt(a, newSid())).toBeUndefined();
    });

    it('holds at most maxHeld revocations per revoker; refreshing one held always works (issue 11, finding 2)', async () => {
      const { store } = ctx;
      const a = newSid();
      const targets = [newSid(), newSid(), newSid()];
      for (const to of targets) expect(await store.putRevocation(a, to, 1, 60_000, 3)).toBe(true);
      const extra = newSid();
      expect(await store.putRevocation(a, extra, 1, 60_000, 3)).toBe(false);
      expect(await store.revokedAt(a, extra)).toBeUndefined();
      expect(await store.putRevocation(a, targets[0]!, 2, 60_000, 3)).toBe(true);
      expect(await store.revokedAt(a, targets[0]!)).toBe(2);
      // Another revoker has its own allowance.
      expect(await store.putRevocation(newSid(), extra, 1, 60_000, 3)).toBe(true);
    });

    it.skipIf(advanceClock === undefined)('a revocation that expired frees its place under maxHeld', async () => {
      const { store } = ctx;
      const a = newSid();
      expect(await store.putRevocation(a, newSid(), 1, 200, 1)).toBe(true);
      expect(await store.putRevocation(a, newSid(), 1, 60_000, 1)).toBe(false);
      await advanceClock!(300);
      expect(await store.putRevocation(a, newSid(), 1, 60_000, 1)).toBe(true);
    });

    it.skipIf(advanceClock === undefined)('forgets a revocation after its TTL', async () => {
      const { store } = ctx;
      const [a, b] = [newSid(), newSid()];
      await store.putRevocation(a, b, 7, 200);
      await advanceClock!(50);
      expect(await store.revokedAt(a, b)).toBe(7);
      await advanceClock!(250);
      expect(await store.revokedAt(a, b)).toBeUndefined();
    });
  });
}
