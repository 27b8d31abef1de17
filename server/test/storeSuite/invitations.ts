// Invitations: one pending per pair, the per-recipient limit, transitions only from pending, and
// expiry (in expiresAt order, each once).
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import type { Invitation, Store } from '../../src/store/types.ts';
import { DAY, invitation, newSid, type StoreUnderTest } from './fixtures.ts';

export function invitationTests(ctx: StoreUnderTest): void {
  describe('invitations', () => {
    it('stores an invitation and reads it back; unknown ids are undefined', async () => {
      const { store, t } = ctx;
      const inv = invitation(newSid(), newSid(), t);
      expect(await store.putInvitation(inv, 10)).toBe('ok');
      expect(await store.getInvitation(inv.id, t + 1)).toEqual(inv);
      expect(await store.getInvitation(randomId(), t + 1)).toBeUndefined();
    });

    it('refuses a second pending invitation between the same pair, or a reused id', async () => {
      const { store, t } = ctx;
      const [a, b] = [newSid(), newSid()];
      const first = invitation(a, b, t);
      expect(await store.putInvitation(first, 10)).toBe('ok');
      expect(await store.putInvitation(invitation(a, b, t + 1), 10)).toBe('INVITE_DUPLICATE');
      expect(await store.putInvitation(invitation(a, newSid(), t + 1, DAY, first.id), 10)).toBe('INVITE_DUPLICATE');
      expect(await store.putInvitation(invitation(b, a, t + 1), 10)).toBe('ok');
      expect(await store.transitionInvitation(first.id, 'declined', t + 2)).toMatchObject({ id: first.id, status: 'declined' });
      expect(await store.putInvitation(invitation(a, b, t + 3), 10)).toBe('ok');
    });

    it('limits pending invitations per recipient', async () => {
      const { store, t } = ctx;
      const to = newSid();
      const i1 = invitation(newSid(), to, t);
      expect(await store.putInvitation(i1, 2)).toBe('ok');
      expect(await store.putInvitation(invitation(newSid(), to, t), 2)).toBe('ok');
      expect(await store.putInvitation(invitation(newSid(), to, t), 2)).toBe('INVITE_LIMIT');
      expect(await store.putInvitation(invitation(newSid(), newSid(), t), 2)).toBe('ok');
      await store.transitionInvitation(i1.id, 'cancelled', t + 1);
      expect(await store.putInvitation(invitation(newSid(), to, t + 2), 2)).toBe('ok');
      expect(await store.putInvitation(invitation(newSid(), to, t + 2), 2)).toBe('INVITE_LIMIT');
    });

    it('transitions only from pending, once', async () => {
      const { store, t } = ctx;
      const inv = invitation(newSid(), newSid(), t);
      await store.putInvitation(inv, 10);
      expect(await store.transitionInvitation(inv.id, 'accepted', t + 1)).toEqual({ ...inv, status: 'accepted' });
      expect(await store.getInvitation(inv.id, t + 2)).toEqual({ ...inv, status: 'accepted' });
      expect(await store.transitionInvitation(inv.id, 'declined', t + 3)).toBeUndefined();
      expect(await store.transitionInvitation(inv.id, 'accepted', t + 3)).toBeUndefined();
      expect(await store.getInvitation(inv.id, t + 4)).toMatchObject({ status: 'accepted' });
      expect(await store.transitionInvitation(randomId(), 'accepted', t + 3)).toBeUndefined();
    });

    it('refuses a transition once expiresAt has passed; only expiry settles it then', async () => {
      const { store, t } = ctx;
      const to = newSid();
      const inv = invitation(newSid(), to, t, 1000);
      await store.putInvitation(inv, 1);
      expect(await store.transitionInvitation(inv.id, 'accepted', inv.expiresAt)).toBeUndefined();
      expect(await store.getInvitation(inv.id, inv.expiresAt)).toMatchObject({ status: 'pending' });
      const taken = await takeMine(store, inv.expiresAt, 10, [inv.id]);
      expect(taken).toEqual([{ ...inv, status: 'expired' }]);
      expect(await store.transitionInvitation(inv.id, 'accepted', inv.expiresAt + 1)).toBeUndefined();
      // Still known a moment later, so a late answer is "not pending" rather than "not found".
      expect(await store.getInvitation(inv.id, inv.expiresAt + 1000)).toMatchObject({ status: 'expired' });
      // Expiry freed the recipient's pending slot.
      expect(await store.putInvitation(invitation(newSid(), to, inv.expiresAt + 1), 1)).toBe('ok');
    });

    it('takes expired invitations in expiresAt order, at most max per call, each once', async () => {
      const { store, t } = ctx;
      const mk = (ttl: number) => invitation(newSid(), newSid(), t, ttl);
      const [i30, i10, i20, i100, accepted] = [mk(30), mk(10), mk(20), mk(100), mk(5)];
      for (const inv of [i30, i10, i20, i100, accepted]) expect(await store.putInvitation(inv, 10)).toBe('ok');
      await store.transitionInvitation(accepted.id, 'accepted', t + 1);
      const mine = [i30, i10, i20, i100, accepted].map((i) => i.id);

      const taken = await takeMine(store, t + 50, 2, mine);
      expect(taken.map((i) => i.id)).toEqual([i10.id, i20.id, i30.id]);
      for (const inv of taken) expect(inv.status).toBe('expired');
      expect(await takeMine(store, t + 50, 2, mine)).toEqual([]);
      expect(await store.getInvitation(i100.id, t + 50)).toMatchObject({ status: 'pending' });
      expect(await store.getInvitation(accepted.id, t + 50)).toMatchObject({ status: 'accepted' });
      expect(await store.getInvitation(i20.id, t + 50)).toMatchObject({ status: 'expired' });
      expect((await takeMine(store, t + 100, 2, mine)).map((i) => i.id)).toEqual([i100.id]);
    });
  });
}

/** Takes due invitations until a short batch, keeping only this test's (a shared store may hold others). */
async function takeMine(store: Store, now: number, max: number, ids: readonly string[]): Promise<Invitation[]> {
  const mine: Invitation[] = [];
  let last = -Infinity;
  for (let round = 0; round < 1000; round++) {
    const batch = await store.takeExpiredInvitations(now, max);
    expect(batch.length).toBeLessThanOrEqual(max);
    for (const inv of batch) {
      expect(inv.expiresAt).toBeLessThanOrEqual(now);
      expect(inv.expiresAt).toBeGreaterThanOrEqual(last);
      last = inv.expiresAt;
      if (ids.includes(inv.id)) mine.push(inv);
    }
    if (batch.length < max) break;
  }
  return mine;
}
