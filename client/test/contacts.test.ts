// Grants and blocks: what auth presents, renewal before expiry, renewals received, revocations kept.
import { describe, expect, it } from 'vitest';
import {
  createGrant,
  createRevocation,
  emptyAccount,
  GRANT_LIFETIME_MS,
  mergeAccount,
  patch,
  type SessionId,
} from '../../protocol/index.ts';
import { identityFromEntropy } from '../../protocol/index.ts';
import { MemoryStorage, type Contact } from '../index.ts';
import { envelope, harness, opened, peer } from './fakes.ts';

const DAY = 86_400_000;

/** Contacts as a device that made them holds them: in the account document and its projection. */
async function withContacts(make: (me: SessionId, now: number) => Contact[]) {
  const storage = new MemoryStorage();
  const h0 = await harness({ storage });
  const me = h0.me as SessionId;
  let doc = emptyAccount();
  for (const c of make(me, h0.timers.now)) {
    await storage.putContact(c);
    const s = [h0.timers.now, 0, 'seed'] as const;
    doc = mergeAccount(
      doc,
      patch.contact(c.sessionId, {
        state: { v: 'accepted', s },
        ...(c.heldGrant && { grant: c.heldGrant }),
        ...(c.issuedGrantExp !== undefined && { issued: { iat: c.issuedGrantExp - GRANT_LIFETIME_MS, exp: c.issuedGrantExp } }),
        ...(c.revocation && { block: { v: { blocked: true, revocation: c.revocation }, s } }),
      }),
    );
  }
  await storage.write([{ store: 'meta', key: 'account', put: { doc, counter: 0, version: 0, dirty: false } }]);
  return h0;
}

describe('contacts and grants', () => {
  it('auth presents the grants I hold (not expired, not blocked) and every revocation', async () => {
    const bob = peer();
    const carol = peer();
    const dave = peer();
    let bobGrant!: ReturnType<typeof createGrant>;
    const h = await withContacts((me, now) => {
      bobGrant = createGrant(bob, me, now);
      return [
        { sessionId: bob.sessionId, state: 'accepted', heldGrant: bobGrant, createdAt: now, updatedAt: now },
        {
          sessionId: carol.sessionId,
          state: 'accepted',
          heldGrant: createGrant(carol, me, now - 40 * DAY),
          createdAt: now,
          updatedAt: now,
        },
      ];
    });
    const mine = identityFromEntropy((await h.storage.getIdentity())!.entropy);
    const revocation = createRevocation(mine, dave.sessionId as SessionId, h.timers.now);
    await h.storage.putContact({
      sessionId: dave.sessionId,
      state: 'blocked',
      heldGrant: createGrant(dave, h.me as SessionId, h.timers.now),
      revocation,
      createdAt: 0,
      updatedAt: 0,
    });
    const { auth, s } = await h.connect();
    expect(auth.grants).toEqual([bobGrant]);
    expect(auth.revocations).toEqual([revocation]);
    expect(auth.hidePresence).toBe(false);
    expect(s.frames('presence_sub')).toEqual([{ type: 'presence_sub', ids: [bob.sessionId] }]);
  });

  it('renews a grant I issued when less than 10 days remain, inside an envelope to the grantee', async () => {
    const bob = peer();
    const carol = peer();
    const h = await withContacts((_me, now) => [
      { sessionId: bob.sessionId, state: 'accepted', issuedGrantExp: now + 9 * DAY, createdAt: now, updatedAt: now },
      { sessionId: carol.sessionId, state: 'accepted', issuedGrantExp: now + 11 * DAY, createdAt: now, updatedAt: now },
    ]);
    const { s } = await h.connect();
    const sends = s.frames('send');
    expect(sends.map((f) => f.to)).toEqual([bob.sessionId]);
    const body = opened(bob, sends[0]!) as { t: string; grant: { from: string; to: string; exp: number } };
    expect(body).toMatchObject({ t: 'grant', grant: { from: h.me, to: bob.sessionId, exp: h.timers.now + GRANT_LIFETIME_MS } });
    expect((await h.c.getContact(bob.sessionId))?.issuedGrantExp).toBe(h.timers.now + GRANT_LIFETIME_MS);
    // Once renewed (and stored by the server), the next connect has nothing to renew or re-send.
    s.push({ type: 'sent', id: sends[0]!.id, to: bob.sessionId, offset: 1 });
    await h.timers.advance(0);
    const { s: s2 } = await h.reconnect({ resumed: true });
    expect(s2.frames('send')).toEqual([]);
  });

  it('keeps a renewed grant from a contact and presents it at once; a forged one is refused', async () => {
    const bob = peer();
    const mallory = peer();
    const h = await withContacts((me, now) => [
      { sessionId: bob.sessionId, state: 'accepted', heldGrant: createGrant(bob, me, now - 25 * DAY), createdAt: now, updatedAt: now },
    ]);
    const { s } = await h.connect();
    const renewed = createGrant(bob, h.me as SessionId, h.timers.now);
    s.push(envelope(bob, h.me, { t: 'grant', grant: renewed }, { offset: 1 }));
    // Mallory relays a grant naming Bob as granter but signed by herself.
    const forged = { ...createGrant(mallory, h.me as SessionId, h.timers.now + 1), from: bob.sessionId };
    s.push(envelope(mallory, h.me, { t: 'grant', grant: forged }, { offset: 2 }));
    await h.timers.advance(50);
    expect((await h.c.getContact(bob.sessionId))?.heldGrant).toEqual(renewed);
    expect(s.frames('grants')).toEqual([{ type: 'grants', grants: [renewed] }]);
  });

  it('a block is stored with its revocation and re-presented in every auth', async () => {
    const h = await harness();
    await h.connect();
    const bob = peer();
    await h.c.block(bob.sessionId);
    const { auth } = await h.reconnect({ resumed: true });
    expect(auth.revocations).toEqual([expect.objectContaining({ from: h.me, to: bob.sessionId })]);
    expect(h.events.contact.at(-1)).toMatchObject({ sessionId: bob.sessionId, state: 'blocked' });
  });

  it('hidden presence is asked for in auth and switched live with a privacy frame', async () => {
    const h = await harness();
    await h.c.setPrivacy({ sharePresence: false });
    const { auth, s } = await h.connect();
    expect(auth.hidePresence).toBe(true);
    expect(await h.c.setPrivacy({ sharePresence: true })).toEqual({ sharePresence: true, shareTyping: true, sendReadReceipts: true });
    expect(s.frames('privacy')).toEqual([{ type: 'privacy', hidePresence: false }]);
    expect(await h.storage.getSettings()).toMatchObject({ sharePresence: true });
  });
});
