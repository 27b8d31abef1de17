// Invitations: created by strangers (rate-limited), delivered now or on connect, every transition
// told to both parties, and accept hands out the grants so both can message at once.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { grant, newIdentity, randomCt, revocation, type Frame, type RawClient } from './helpers/rawClient.ts';
import { as, expectHonestPairWorks, fakeClock, start } from './helpers/server.ts';
import type { Identity } from '../../protocol/index.ts';

function invite(c: RawClient, from: Identity, to: Identity, now = Date.now(), id = randomId()): string {
  c.send({ type: 'invite', id, to: to.sessionId, ct: randomCt(), grant: grant(from, to, now) });
  return id;
}

const ok =
  (ref: string, op = 'invite') =>
  (f: Frame) =>
    f.type === 'ok' && f.ref === ref && f.op === op;
const update = (id: string, status: string) => (f: Frame) => f.type === 'invitation_update' && f.id === id && f.status === status;

describe('invitations', () => {
  it('are delivered live to the invitee and to the inviter’s other devices', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a1 = await as(srv.url, alice);
    const a2 = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const g = grant(alice, bob);
    const ct = randomCt(80);
    const id = randomId();
    a1.send({ type: 'invite', id, to: bob.sessionId, ct, grant: g });
    expect(await a1.next('ok')).toEqual({ type: 'ok', ref: id, op: 'invite' });
    const inv = await b.next('invitation');
    // No grant with it: the inviter's grant reaches the invitee only once they accept.
    expect(inv).toEqual({
      type: 'invitation',
      offset: 1,
      id,
      from: alice.sessionId,
      to: bob.sessionId,
      ct,
      expiresAt: inv.ts + srv.config.invitationTtlMs,
      ts: inv.ts,
    });
    expect((await a2.next('invitation')).id).toBe(id);
    await a1.barrier();
    expect(a1.queued('invitation')).toEqual([]); // the inviting socket gets it on replay only
  });

  it('are delivered on connect to an offline invitee', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const id = invite(a, alice, bob);
    await a.next(ok(id));
    const b = await as(srv.url, bob);
    expect(await b.next('invitation')).toMatchObject({ id, from: alice.sessionId });
  });

  it('accept: both are told, and both can message at once without reconnecting', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const b2 = await as(srv.url, bob);
    const id = invite(a, alice, bob);
    await b.next('invitation');
    // Before accepting, the invitee has the grant only inside the invitation, not on its socket.
    expect((await a.errorFor(a.sendEnvelope(bob.sessionId))).code).toBe('NO_GRANT');
    const accepterGrant = grant(bob, alice);
    b.send({ type: 'invite_accept', id, grant: accepterGrant });
    expect(await b.next(ok(id, 'invite_accept'))).toEqual({ type: 'ok', ref: id, op: 'invite_accept' });
    const told = await a.next(update(id, 'accepted'));
    expect(told).toMatchObject({ from: alice.sessionId, to: bob.sessionId, grant: accepterGrant });
    // The invitee's devices, the accepting one included, get the inviter's grant in theirs.
    const inviterGrant = (await b2.next(update(id, 'accepted'))).grant;
    expect(inviterGrant).toMatchObject({ from: alice.sessionId, to: bob.sessionId });
    expect((await b.next(update(id, 'accepted'))).grant).toEqual(inviterGrant);
    const m1 = a.sendEnvelope(bob.sessionId);
    expect((await b.next((f) => f.type === 'envelope' && f.id === m1)).from).toBe(alice.sessionId);
    const m2 = b.sendEnvelope(alice.sessionId);
    expect((await a.next((f) => f.type === 'envelope' && f.id === m2)).from).toBe(bob.sessionId);
    // Accepting twice is not possible.
    b.send({ type: 'invite_accept', id, grant: accepterGrant });
    expect((await b.errorFor(id)).code).toBe('INVITE_NOT_PENDING');
  });

  it('after a decline or a cancel the invitee holds nothing usable: no send, no presence, whatever it presents', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    for (const end of ['decline', 'cancel'] as const) {
      const b = await as(srv.url, bob);
      const id = invite(a, alice, bob);
      await a.next(ok(id));
      const inv = await b.next((f) => f.type === 'invitation' && f.id === id);
      // A modified client presents whatever the invitation carried: there is no grant in it.
      expect(inv.grant).toBeUndefined();
      if (end === 'decline') {
        b.send({ type: 'invite_decline', id });
        await b.next(ok(id, 'invite_decline'));
      } else {
        a.send({ type: 'invite_cancel', id });
        await a.next(ok(id, 'invite_cancel'));
      }
      const again = await as(srv.url, bob, { grants: [inv.grant].filter(Boolean) });
      // Its stream tells it the outcome, with no grant either.
      const upd = await again.next(update(id, end === 'decline' ? 'declined' : 'cancelled'));
      expect(upd.grant).toBeUndefined();
      expect((await again.errorFor(again.sendEnvelope(alice.sessionId))).code).toBe('NO_GRANT');
      again.send({ type: 'presence_sub', ids: [alice.sessionId] });
      expect(await again.next('error')).toMatchObject({ code: 'NO_GRANT', ref: 'presence_sub', ids: [alice.sessionId] });
      await b.close();
      await again.close();
    }
  });

  it('accept is told to an offline inviter on connect', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const id = invite(a, alice, bob);
    await a.next(ok(id));
    await a.close();
    const b = await as(srv.url, bob);
    await b.next('invitation');
    b.send({ type: 'invite_accept', id, grant: grant(bob, alice) });
    await b.next(ok(id, 'invite_accept'));
    const a2 = await as(srv.url, alice, { deviceId: a.deviceId });
    expect(await a2.next('invitation')).toMatchObject({ id });
    expect(await a2.next('invitation_update')).toMatchObject({ id, status: 'accepted' });
  });

  it('decline: the inviter is told, and no grant changes hands', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const id = invite(a, alice, bob);
    await b.next('invitation');
    b.send({ type: 'invite_decline', id });
    expect(await b.next(ok(id, 'invite_decline'))).toMatchObject({ op: 'invite_decline' });
    expect(await a.next(update(id, 'declined'))).not.toHaveProperty('grant');
    expect((await a.errorFor(a.sendEnvelope(bob.sessionId))).code).toBe('NO_GRANT');
  });

  it('cancel: the invitee is told, and can no longer accept', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const id = invite(a, alice, bob);
    await b.next('invitation');
    a.send({ type: 'invite_cancel', id });
    expect(await a.next(ok(id, 'invite_cancel'))).toMatchObject({ op: 'invite_cancel' });
    await b.next(update(id, 'cancelled'));
    b.send({ type: 'invite_accept', id, grant: grant(bob, alice) });
    expect((await b.errorFor(id)).code).toBe('INVITE_NOT_PENDING');
    await expectHonestPairWorks(srv);
  });

  it('expiry is told to both parties', async () => {
    const clock = fakeClock();
    const srv = await start({ invitationTtlMs: 60_000 }, { clock: clock.now });
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const id = invite(a, alice, bob, clock.now());
    await b.next('invitation');
    clock.advance(60_001);
    expect(await b.next(update(id, 'expired'))).toMatchObject({ from: alice.sessionId, to: bob.sessionId });
    expect(await a.next(update(id, 'expired'))).toBeTruthy();
    b.send({ type: 'invite_accept', id, grant: grant(bob, alice, clock.now()) });
    expect((await b.errorFor(id)).code).toBe('INVITE_NOT_PENDING');
  });

  it('rate-limits invitations per sender (RATE_LIMITED with retryAfterMs)', async () => {
    const srv = await start({ inviteRatePerHour: 2 });
    const alice = newIdentity();
    const a = await as(srv.url, alice);
    for (let i = 0; i < 2; i++) {
      const id = invite(a, alice, newIdentity());
      await a.next(ok(id));
    }
    const id = invite(a, alice, newIdentity());
    const err = await a.errorFor(id);
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(1_800_000);
    await expectHonestPairWorks(srv);
  });

  it('limits pending invitations per recipient (INVITE_LIMIT)', async () => {
    const srv = await start({ maxPendingInvites: 2 });
    const bob = newIdentity();
    for (let i = 0; i < 2; i++) {
      const someone = newIdentity();
      const c = await as(srv.url, someone);
      await c.next(ok(invite(c, someone, bob)));
    }
    const late = newIdentity();
    const c = await as(srv.url, late);
    const id = invite(c, late, bob);
    expect((await c.errorFor(id)).code).toBe('INVITE_LIMIT');
  });

  it('refuses self-invitations, duplicates, and grants that do not fit', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const a = await as(srv.url, alice);
    const self = randomId();
    a.send({ type: 'invite', id: self, to: alice.sessionId, ct: randomCt(), grant: grant(bob, alice) });
    expect((await a.errorFor(self)).code).toBe('INVITE_SELF');
    await a.next(ok(invite(a, alice, bob)));
    expect((await a.errorFor(invite(a, alice, bob))).code).toBe('INVITE_DUPLICATE');
    const wrongTo = randomId();
    a.send({ type: 'invite', id: wrongTo, to: carol.sessionId, ct: randomCt(), grant: grant(alice, bob) });
    expect((await a.errorFor(wrongTo)).code).toBe('GRANT_INVALID');
    const notMine = randomId();
    a.send({ type: 'invite', id: notMine, to: carol.sessionId, ct: randomCt(), grant: grant(bob, carol) });
    expect((await a.errorFor(notMine)).code).toBe('GRANT_INVALID');
    const lapsed = randomId();
    a.send({ type: 'invite', id: lapsed, to: carol.sessionId, ct: randomCt(), grant: grant(alice, carol, Date.now() - 10_000, 1000) });
    expect((await a.errorFor(lapsed)).code).toBe('GRANT_EXPIRED');
  });

  it('lets only the invitee answer and only the inviter cancel (INVITE_NOT_FOUND otherwise)', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const mallory = newIdentity();
    const a = await as(srv.url, alice);
    const m = await as(srv.url, mallory);
    const b = await as(srv.url, bob);
    const id = invite(a, alice, bob);
    await a.next(ok(id));
    m.send({ type: 'invite_accept', id, grant: grant(mallory, alice) });
    expect((await m.errorFor(id)).code).toBe('INVITE_NOT_FOUND');
    m.send({ type: 'invite_cancel', id });
    expect((await m.errorFor(id)).code).toBe('INVITE_NOT_FOUND');
    a.send({ type: 'invite_accept', id, grant: grant(alice, alice) });
    expect((await a.errorFor(id)).code).toBe('INVITE_NOT_FOUND');
    b.send({ type: 'invite_cancel', id });
    expect((await b.errorFor(id)).code).toBe('INVITE_NOT_FOUND');
    const unknown = randomId();
    b.send({ type: 'invite_decline', id: unknown });
    expect((await b.errorFor(unknown)).code).toBe('INVITE_NOT_FOUND');
    // An accept whose grant is not for the inviter is refused and leaves the invitation pending.
    b.send({ type: 'invite_accept', id, grant: grant(bob, mallory) });
    expect((await b.errorFor(id)).code).toBe('GRANT_INVALID');
    b.send({ type: 'invite_accept', id, grant: grant(bob, alice) });
    await b.next(ok(id, 'invite_accept'));
    await expectHonestPairWorks(srv);
  });

  it('answers invitations from someone the recipient blocked as usual, and nothing reaches them', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(srv.url, bob, { revocations: [revocation(bob, alice)] });
    const a = await as(srv.url, alice);
    const id = invite(a, alice, bob);
    await a.next(ok(id));
    await b.barrier();
    expect(b.queued('invitation')).toEqual([]);
    // The blocker may still invite (unblocking), and the blocked side may accept.
    const back = invite(b, bob, alice);
    await b.next(ok(back));
    await a.next('invitation');
    a.send({ type: 'invite_accept', id: back, grant: grant(alice, bob) });
    await a.next(ok(back, 'invite_accept'));
  });
});
