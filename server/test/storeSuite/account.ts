// Account documents (compare-and-swap on a version, a TTL refreshed at auth) and block state (the
// latest block and the latest unblock per direction, read together).
import { describe, expect, it } from 'vitest';
import { newSid, type StoreUnderTest } from './fixtures.ts';

const TTL = 60_000;

export function accountTests(ctx: StoreUnderTest, advanceClock: ((ms: number) => void | Promise<void>) | undefined): void {
  describe('account documents', () => {
    it('stores with compare-and-swap: the first put expects 0, each put the version it read', async () => {
      const { store, t } = ctx;
      const sid = newSid();
      expect(await store.getAccount(sid, t)).toBeUndefined();
      expect(await store.putAccount(sid, 0, 'AAAA', t, TTL)).toEqual({ ok: true, version: 1 });
      expect(await store.getAccount(sid, t)).toEqual({ version: 1, blob: 'AAAA' });
      expect(await store.putAccount(sid, 1, 'BBBB', t, TTL)).toEqual({ ok: true, version: 2 });
      // A device that read version 1 lost the race: it gets the current blob to merge.
      expect(await store.putAccount(sid, 1, 'CCCC', t, TTL)).toEqual({ ok: false, current: { version: 2, blob: 'BBBB' } });
      expect(await store.putAccount(sid, 0, 'CCCC', t, TTL)).toEqual({ ok: false, current: { version: 2, blob: 'BBBB' } });
      expect(await store.getAccount(sid, t)).toEqual({ version: 2, blob: 'BBBB' });
      // Nothing stored, and a device expecting something: a conflict without a blob.
      expect(await store.putAccount(newSid(), 3, 'DDDD', t, TTL)).toEqual({ ok: false, current: undefined });
    });

    it('lets exactly one of two racing puts win', async () => {
      const { store, t } = ctx;
      const sid = newSid();
      const results = await Promise.all(['AAAA', 'BBBB', 'CCCC'].map((b) => store.putAccount(sid, 0, b, t, TTL)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await store.getAccount(sid, t))?.version).toBe(1);
    });

    it.skipIf(advanceClock === undefined)('forgets a document after its TTL unless touched', async () => {
      const { store, t } = ctx;
      const [kept, lost] = [newSid(), newSid()];
      await store.putAccount(kept, 0, 'AAAA', t, 300);
      await store.putAccount(lost, 0, 'AAAA', t, 300);
      await advanceClock!(150);
      await store.touchAccount(kept, t + 150, 300);
      // Touching nothing creates nothing.
      const none = newSid();
      await store.touchAccount(none, t + 150, 300);
      await advanceClock!(250);
      expect(await store.getAccount(lost, t + 400)).toBeUndefined();
      expect(await store.getAccount(kept, t + 400)).toEqual({ version: 1, blob: 'AAAA' });
      expect(await store.getAccount(none, t + 400)).toBeUndefined();
      // Forgotten means "start again": the next upload expects 0.
      expect(await store.putAccount(lost, 0, 'BBBB', t + 400, 300)).toEqual({ ok: true, version: 1 });
    });
  });

  describe('block state', () => {
    it('keeps the latest block and the latest unblock per direction', async () => {
      const { store } = ctx;
      const [a, b] = [newSid(), newSid()];
      expect(await store.blockState(a, b)).toEqual({});
      await store.putRevocation(a, b, 100, TTL);
      expect(await store.blockState(a, b)).toEqual({ revokedAt: 100 });
      await store.putUnblock(a, b, 150, TTL);
      await store.putUnblock(a, b, 120, TTL);
      expect(await store.blockState(a, b)).toEqual({ revokedAt: 100, unblockedAt: 150 });
      expect(await store.blockState(b, a)).toEqual({});
    });

    it("tells one blocked contact from the blocker's others, and answers an unblock with no block", async () => {
      const { store } = ctx;
      const [a, b, c] = [newSid(), newSid(), newSid()];
      await store.putRevocation(a, b, 100, TTL);
      expect(await store.blockState(a, c)).toEqual({});
      expect(await store.blockState(c, b)).toEqual({});
      expect(await store.blockState(a, b)).toEqual({ revokedAt: 100 });
      await store.putUnblock(c, b, 200, TTL);
      expect(await store.blockState(c, b)).toEqual({ unblockedAt: 200 });
      expect(await store.blockState(a, b)).toEqual({ revokedAt: 100 });
    });
  });
}
