// send along grants: who may address whom (grants, expiry, revocation), self-copies, ephemeral envelopes.
import { describe, expect, it } from 'vitest';
import { createUnblock, type SessionId } from '../../protocol/index.ts';
import { grant, newIdentity, randomCt, revocation } from './helpers/rawClient.ts';
import { as, expectHonestPairWorks, fakeClock, start } from './helpers/server.ts';

describe('send authorisation', () => {
  it('refuses a send without a grant (NO_GRANT, ref = id) and nothing is delivered', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice);
    const b = await as(srv.url, bob);
    const id = a.sendEnvelope(bob.sessionId);
    expect(await a.errorFor(id)).toMatchObject({ code: 'NO_GRANT' });
    // A grant from someone else, or in the wrong direction, does not help either.
    const a2 = await as(srv.url, newIdentity(), { grants: [grant(newIdentity(), alice)] });
    expect((await a2.errorFor(a2.sendEnvelope(bob.sessionId))).code).toBe('NO_GRANT');
    await b.barrier();
    expect(b.queued('envelope')).toEqual([]);
    await expectHonestPairWorks(srv);
  });

  it('delivers along a valid grant: envelope with offset, id, from, ct, ts', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(srv.url, bob);
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const ct = randomCt(64);
    const id = a.sendEnvelope(bob.sessionId, ct);
    expect(await a.next('sent')).toEqual({ type: 'sent', id, to: bob.sessionId, offset: 1 });
    const env = await b.next('envelope');
    expect(env).toEqual({ type: 'envelope', offset: 1, id, from: alice.sessionId, ct, ts: env.ts });
    expect(Math.abs(env.ts - Date.now())).toBeLessThan(60_000);
  });

  it('refuses along an expired grant (GRANT_EXPIRED)', async () => {
    const clock = fakeClock();
    const srv = await start({}, { clock: clock.now });
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice, clock.now(), 60_000)] });
    const ok = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(ok);
    clock.advance(61_000);
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.errorFor(id)).code).toBe('GRANT_EXPIRED');
    // Presented again after expiry, it is listed as expired and still refused.
    const a2 = await as(srv.url, alice, { grants: [grant(bob, alice, clock.now() - 120_000, 60_000)] });
    expect(a2.ready!.grantsRejected).toEqual([{ from: bob.sessionId, code: 'GRANT_EXPIRED' }]);
    expect((await a2.errorFor(a2.sendEnvelope(bob.sessionId))).code).toBe('GRANT_EXPIRED');
    await expectHonestPairWorks(srv, clock.now());
  });

  it('a blocked sender is answered as usual and nothing is delivered, live and after reconnect', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const issued = Date.now() - 1000;
    const g = grant(bob, alice, issued);
    const a = await as(srv.url, alice, { grants: [g] });
    const b = await as(srv.url, bob);
    const before = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(before);
    expect((await b.next('envelope')).id).toBe(before);
    b.send({ type: 'revoke', revocation: revocation(bob, alice) });
    expect(await b.next('ok')).toEqual({ type: 'ok', ref: 'revoke', op: 'revoke' });
    const id = a.sendEnvelope(bob.sessionId);
    expect(await a.next('sent')).toMatchObject({ type: 'sent', id, to: bob.sessionId });
    // Re-presenting the old grant is taken without complaint, and still reaches nobody.
    const a2 = await as(srv.url, alice, { grants: [g] });
    expect(a2.ready!.grantsRejected).toEqual([]);
    const id2 = a2.sendEnvelope(bob.sessionId);
    expect((await a2.next('sent')).id).toBe(id2);
    // Blocks are monotonic: a grant issued after the block does not lift it (a device that missed
    // the block, or a clock running ahead, renewing it)…
    a2.send({ type: 'grants', grants: [grant(bob, alice, Date.now() + 1000)] });
    await a2.next((f) => f.type === 'ok' && f.ref === 'grants');
    const id3 = a2.sendEnvelope(bob.sessionId);
    expect((await a2.next('sent')).id).toBe(id3);
    await b.barrier();
    expect(b.queued('envelope')).toEqual([]);
    expect(a.queued('error').concat(a2.queued('error'))).toEqual([]);
    // …only a signed unblock does, for grants issued after the block.
    b.send({ type: 'unblock', unblock: createUnblock(bob, alice.sessionId as SessionId, Date.now() + 500) });
    expect(await b.next('ok')).toEqual({ type: 'ok', ref: 'unblock', op: 'unblock' });
    const a3 = await as(srv.url, alice, { grants: [g] });
    a3.sendEnvelope(bob.sessionId);
    await a3.next('sent');
    await b.barrier();
    expect(b.queued('envelope')).toEqual([]);
    a3.send({ type: 'grants', grants: [grant(bob, alice, Date.now() + 2000)] });
    await a3.next((f) => f.type === 'ok' && f.ref === 'grants');
    const id4 = a3.sendEnvelope(bob.sessionId);
    expect((await a3.next('sent')).id).toBe(id4);
    expect((await b.next('envelope')).id).toBe(id4);
    await expectHonestPairWorks(srv);
  });

  it('refuses an unblock not signed by the sender, and a replayed old block after an unblock voids nothing', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const mallory = await as(srv.url, newIdentity());
    mallory.send({ type: 'unblock', unblock: createUnblock(bob, alice.sessionId as SessionId, Date.now()) });
    expect(await mallory.next('error')).toMatchObject({ code: 'GRANT_INVALID', ref: 'unblock' });
    // A revocation's signature does not pass as an unblock.
    const forged = { ...revocation(bob, alice) };
    const b = await as(srv.url, bob);
    b.send({ type: 'unblock', unblock: forged });
    expect(await b.next('error')).toMatchObject({ code: 'GRANT_INVALID', ref: 'unblock' });
    const old = revocation(bob, alice, Date.now() - 5000);
    b.send({ type: 'revoke', revocation: old });
    await b.next('ok');
    b.send({ type: 'unblock', unblock: createUnblock(bob, alice.sessionId as SessionId, Date.now()) });
    await b.next('ok');
    const fresh = grant(bob, alice, Date.now() + 100);
    const a = await as(srv.url, alice, { grants: [fresh] });
    await as(srv.url, bob, { revocations: [old] });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(id);
    expect((await b.next('envelope')).id).toBe(id);
  });

  it('refuses a grant issued in the future beyond the allowed skew (GRANT_NOT_YET_VALID)', async () => {
    const srv = await start({ grantMaxSkewMs: 60_000 });
    const alice = newIdentity();
    const bob = newIdentity();
    const threeWeeks = 21 * 86_400_000;
    const ahead = grant(bob, alice, Date.now() + threeWeeks);
    const a = await as(srv.url, alice, { grants: [ahead] });
    expect(a.ready!.grantsRejected).toEqual([{ from: bob.sessionId, code: 'GRANT_NOT_YET_VALID' }]);
    expect((await a.errorFor(a.sendEnvelope(bob.sessionId))).code).toBe('NO_GRANT');
    a.send({ type: 'grants', grants: [ahead] });
    expect(await a.next('error')).toMatchObject({ code: 'GRANT_NOT_YET_VALID', ref: bob.sessionId });
    // A little ahead is a clock, not an attack.
    a.send({ type: 'grants', grants: [grant(bob, alice, Date.now() + 30_000)] });
    await a.next((f) => f.type === 'ok' && f.ref === 'grants');
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(id);
  });

  it('a block presented in auth voids the grantee grants on its live sockets, silently', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice, Date.now() - 1000)] });
    const b = await as(srv.url, bob, { revocations: [revocation(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(id);
    await b.barrier();
    expect(b.queued('envelope')).toEqual([]);
  });

  it('takes new grants with the grants frame: bad ones answered one by one (ref = granter), then ok', async () => {
    const srv = await start({ maxGrants: 3 });
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const a = await as(srv.url, alice);
    const forged = { ...grant(carol, alice), sig: grant(bob, alice).sig };
    a.send({ type: 'grants', grants: [grant(bob, alice), forged, grant(carol, bob)] });
    expect(await a.next('error')).toMatchObject({ code: 'GRANT_INVALID', ref: carol.sessionId });
    expect(await a.next('error')).toMatchObject({ code: 'GRANT_INVALID', ref: carol.sessionId });
    expect(await a.next('ok')).toEqual({ type: 'ok', ref: 'grants', op: 'grants' });
    await a.barrier();
    expect(a.queued('error')).toEqual([]);
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(id);
    expect((await a.errorFor(a.sendEnvelope(carol.sessionId))).code).toBe('NO_GRANT');
    a.send({ type: 'grants', grants: [grant(bob, alice), grant(bob, alice), grant(bob, alice), grant(bob, alice)] });
    expect(await a.next('error')).toMatchObject({ code: 'TOO_MANY_GRANTS', ref: 'grants' });
  });

  it('refuses a revocation not signed by the sender (GRANT_INVALID)', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const mallory = await as(srv.url, newIdentity());
    mallory.send({ type: 'revoke', revocation: revocation(bob, alice) });
    expect(await mallory.next('error')).toMatchObject({ code: 'GRANT_INVALID', ref: 'revoke' });
  });

  it('lets a device send to its own Session ID: the other devices get it, the sender only sent', async () => {
    const srv = await start();
    const me = newIdentity();
    const d1 = await as(srv.url, me);
    const d2 = await as(srv.url, me);
    const id = d1.sendEnvelope(me.sessionId);
    expect((await d1.next('sent')).id).toBe(id);
    expect((await d2.next('envelope')).id).toBe(id);
    await d1.barrier();
    expect(d1.queued('envelope')).toEqual([]);
  });

  it('routes ephemeral envelopes to online sockets only and never stores them', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const b = await as(srv.url, bob);
    const live = a.sendEnvelope(bob.sessionId, randomCt(), { ephemeral: true });
    const got = await b.next('envelope');
    expect(got).toMatchObject({ id: live, from: alice.sessionId, ephemeral: true });
    expect(got.offset).toBeUndefined();
    await b.close();
    const lost = a.sendEnvelope(bob.sessionId, randomCt(), { ephemeral: true });
    const stored = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(stored); // only the stored one is answered
    const b2 = await as(srv.url, bob);
    expect((await b2.next('envelope')).id).toBe(stored);
    await b2.barrier();
    expect(b2.received.some((f) => f.id === lost || f.id === live)).toBe(false);
    await a.barrier();
    expect(a.queued('sent')).toEqual([]);
  });

  it('needs a grant for ephemeral envelopes too', async () => {
    const srv = await start();
    const a = await as(srv.url, newIdentity());
    const id = a.sendEnvelope(newIdentity().sessionId, randomCt(), { ephemeral: true });
    expect((await a.errorFor(id)).code).toBe('NO_GRANT');
  });
});
