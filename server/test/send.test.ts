// send along grants: who may address whom (grants, expiry, revocation), self-copies, ephemeral envelopes.
import { describe, expect, it } from 'vitest';
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
    expect(await a.next('sent')).toEqual({ type: 'sent', id, to: bob.sessionId });
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

  it('refuses along a revoked grant (GRANT_REVOKED), live and after reconnect', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const issued = Date.now() - 1000;
    const g = grant(bob, alice, issued);
    const a = await as(srv.url, alice, { grants: [g] });
    const before = a.sendEnvelope(bob.sessionId);
    expect((await a.next('sent')).id).toBe(before);
    const b = await as(srv.url, bob);
    b.send({ type: 'revoke', revocation: revocation(bob, alice) });
    expect(await b.next('ok')).toEqual({ type: 'ok', ref: 'revoke', op: 'revoke' });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await a.errorFor(id)).code).toBe('GRANT_REVOKED');
    // Re-presenting the old grant does not bring it back.
    const a2 = await as(srv.url, alice, { grants: [g] });
    expect(a2.ready!.grantsRejected).toEqual([{ from: bob.sessionId, code: 'GRANT_REVOKED' }]);
    expect((await a2.errorFor(a2.sendEnvelope(bob.sessionId))).code).toBe('GRANT_REVOKED');
    // A grant issued after the block (unblock) works again.
    a2.send({ type: 'grants', grants: [grant(bob, alice, Date.now() + 1000)] });
    await a2.next((f) => f.type === 'ok' && f.ref === 'grants');
    const id2 = a2.sendEnvelope(bob.sessionId);
    expect((await a2.next('sent')).id).toBe(id2);
    await expectHonestPairWorks(srv);
  });

  it('a block presented in auth voids the grantee grants on its live sockets', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice, Date.now() - 1000)] });
    await as(srv.url, bob, { revocations: [revocation(bob, alice)] });
    expect((await a.errorFor(a.sendEnvelope(bob.sessionId))).code).toBe('GRANT_REVOKED');
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
