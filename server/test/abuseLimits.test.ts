// Issue 11, findings 2, 3 and 12: abuse paths that were unmetered. Revocations per identity (a cap
// on what is held and a rate), grants frames (per connection, and a verification budget per
// identity and address; forged grants each count towards TOO_MANY_ERRORS), privacy toggles, and
// presence_sub refusals answered in one frame. Each runs against the memory store and real Redis.
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../protocol/index.ts';
import { redisCommand } from './helpers/cluster.ts';
import { connectAs, grant, newIdentity, revocation, type RawClient } from './helpers/rawClient.ts';
import { expectHonestPairWorks, fakeClock, start, track } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const stores = await storesUnderTest('the Redis runs of the abuse-limit tests');

const sid = (): string => newIdentity().sessionId;

async function on(url: string, who: Identity, opts: Parameters<typeof connectAs>[2] = {}): Promise<RawClient> {
  return track(await connectAs(url, who, { ...opts, headers: { 'X-Forwarded-For': `198.51.100.${Math.floor(Math.random() * 200) + 1}` } }));
}

/** Sends a revoke for a random ID and returns the answer (ok or error). */
async function revokeRandom(c: RawClient, who: Identity, now: number): Promise<Record<string, unknown>> {
  c.send({ type: 'revoke', revocation: revocation(who, sid(), now) });
  return c.next((f) => f.ref === 'revoke');
}

describe.each(stores)('revocations ($name store)', ({ name, config }) => {
  it('a socket can no longer store revocations for random IDs without bound: REVOKE_RATE per minute', async () => {
    const clock = fakeClock();
    const srv = await start({ ...config(), trustProxy: 1, revokeRatePerMin: 30 }, { clock: clock.now });
    const alice = newIdentity();
    const a = await on(srv.url, alice);
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await revokeRandom(a, alice, clock.now()));
    const ok = answers.filter((f) => f.type === 'ok').length;
    expect(ok).toBe(srv.config.revokeRatePerMin);
    const refused = answers.find((f) => f.type === 'error')!;
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', ref: 'revoke' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    clock.advance(refused.retryAfterMs as number);
    expect(await revokeRandom(a, alice, clock.now())).toMatchObject({ type: 'ok' });
    if (name === 'redis') {
      const keys = await redisCommand<string[]>(['KEYS', `${srv.config.redisKeyPrefix}r:*`]);
      expect(keys.length).toBe(ok + 1);
    }
  });

  it('re-presenting blocks the server holds costs no token (the SDK sends its overflow blocks at every connect)', async () => {
    const srv = await start({ ...config(), trustProxy: 1, revokeRatePerMin: 3 });
    const alice = newIdentity();
    const a = await on(srv.url, alice);
    const now = Date.now();
    const blocks = Array.from({ length: 3 }, () => revocation(alice, sid(), now));
    for (let round = 0; round < 3; round++) {
      for (const r of blocks) {
        a.send({ type: 'revoke', revocation: r });
        expect(await a.next((f) => f.ref === 'revoke')).toMatchObject({ type: 'ok' });
      }
    }
    expect(await revokeRandom(a, alice, now)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
  });

  it('holds at most MAX_REVOCATIONS per identity: REVOCATION_LIMIT, re-presenting a held one still works, in auth too', async () => {
    const srv = await start({ ...config(), trustProxy: 1, maxRevocations: 5, revokeRatePerMin: 0, revokeRateIpPerMin: 0 });
    const alice = newIdentity();
    const a = await on(srv.url, alice);
    const now = Date.now();
    const blocked = newIdentity();
    const held = [revocation(alice, blocked, now), ...Array.from({ length: 4 }, () => revocation(alice, sid(), now))];
    for (const r of held) {
      a.send({ type: 'revoke', revocation: r });
      expect(await a.next((f) => f.ref === 'revoke')).toMatchObject({ type: 'ok' });
    }
    const refused = await revokeRandom(a, alice, now);
    expect(refused).toMatchObject({ type: 'error', code: 'REVOCATION_LIMIT', ref: 'revoke' });
    a.send({ type: 'revoke', revocation: held[0] });
    expect(await a.next((f) => f.ref === 'revoke')).toMatchObject({ type: 'ok' });
    // At connect: the held ones refresh, a new one beyond the cap is named in grantsRejected.
    const extra = revocation(alice, sid(), now);
    const again = await on(srv.url, alice, { revocations: [...held, extra] });
    expect(again.ready!.grantsRejected).toEqual([{ from: extra.to, code: 'REVOCATION_LIMIT' }]);
    // A block that is held still works: the blocked contact is answered as usual (a block is not
    // announced, docs/security.md) and nothing reaches Alice.
    const bl = await on(srv.url, blocked, { grants: [grant(alice, blocked, now - 1000)] });
    const id = bl.sendEnvelope(alice.sessionId);
    expect(await bl.next((f) => f.type === 'sent' && f.id === id)).toMatchObject({ type: 'sent' });
    await again.barrier();
    expect(again.queued('envelope')).toEqual([]);
    await expectHonestPairWorks(srv);
  });
});

describe.each(stores)('grants frames ($name store)', ({ config }) => {
  it('per connection: GRANTS_FRAME_RATE frames a minute, then RATE_LIMITED (ref "grants") with retryAfterMs', async () => {
    const clock = fakeClock();
    const srv = await start({ ...config(), trustProxy: 1, grantFramesPerMin: 2 }, { clock: clock.now });
    const bob = newIdentity();
    const b = await on(srv.url, bob);
    for (let i = 0; i < 2; i++) {
      b.send({ type: 'grants', grants: [grant(newIdentity(), bob, clock.now())] });
      expect(await b.next((f) => f.ref === 'grants')).toMatchObject({ type: 'ok' });
    }
    b.send({ type: 'grants', grants: [grant(newIdentity(), bob, clock.now())] });
    const err = await b.next((f) => f.ref === 'grants');
    expect(err).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(err.retryAfterMs).toBeGreaterThan(0);
    clock.advance(err.retryAfterMs as number);
    b.send({ type: 'grants', grants: [grant(newIdentity(), bob, clock.now())] });
    expect(await b.next((f) => f.ref === 'grants')).toMatchObject({ type: 'ok' });
  });

  it('per identity, in grants: a verification budget (GRANT_RATE); refused grants are not held', async () => {
    const srv = await start({ ...config(), trustProxy: 1, grantRatePerMin: 10, grantRateIpPerMin: 0 });
    const bob = newIdentity();
    const b = await on(srv.url, bob);
    const granters = Array.from({ length: 13 }, () => newIdentity());
    b.send({ type: 'grants', grants: granters.slice(0, 8).map((g) => grant(g, bob)) });
    expect(await b.next((f) => f.ref === 'grants')).toMatchObject({ type: 'ok' });
    b.send({ type: 'grants', grants: granters.slice(8).map((g) => grant(g, bob)) });
    expect(await b.next((f) => f.ref === 'grants')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    const id = b.sendEnvelope(granters[12]!.sessionId);
    expect(await b.errorFor(id)).toMatchObject({ code: 'NO_GRANT' });
    // Another socket of the same identity shares the budget.
    const b2 = await on(srv.url, bob);
    b2.send({ type: 'grants', grants: [grant(granters[9]!, bob), grant(granters[10]!, bob), grant(granters[11]!, bob)] });
    expect(await b2.next((f) => f.ref === 'grants')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
  });

  it('every forged grant counts towards TOO_MANY_ERRORS: one frame of forgeries closes the socket', async () => {
    const srv = await start({ ...config(), trustProxy: 1 });
    const bob = newIdentity();
    const b = await on(srv.url, bob);
    // Signed by someone else than their `from`: forgeries.
    const forged = Array.from({ length: 50 }, () => ({ ...grant(newIdentity(), bob), from: sid() }));
    b.send({ type: 'grants', grants: forged });
    expect(await b.closed()).toEqual({ code: 4420, reason: 'TOO_MANY_ERRORS' });
    expect(b.received.filter((f) => f.type === 'error' && f.code === 'GRANT_INVALID').length).toBe(10);
    await expectHonestPairWorks(srv);
  });
});

describe.each(stores)('privacy and presence_sub ($name store)', ({ config }) => {
  it('privacy: hiding always works, showing again is PRIVACY_RATE per minute, no-op toggles tell nobody', async () => {
    const clock = fakeClock();
    const srv = await start({ ...config(), trustProxy: 1, privacyRatePerMin: 2, presenceDebounceMs: 0 }, { clock: clock.now });
    const [alice, bob] = [newIdentity(), newIdentity()];
    const a = await on(srv.url, alice, { grants: [grant(bob, alice, clock.now())] });
    const b = await on(srv.url, bob, { grants: [grant(alice, bob, clock.now())] });
    b.send({ type: 'presence_sub', ids: [alice.sessionId] });
    expect(await b.next('presence')).toMatchObject({ online: true });
    const toggle = async (hide: boolean) => {
      a.send({ type: 'privacy', hidePresence: hide });
      return a.next((f) => f.ref === 'privacy');
    };
    for (let i = 0; i < 2; i++) {
      expect(await toggle(true)).toMatchObject({ type: 'ok' });
      expect(await b.next('presence')).toMatchObject({ online: false });
      expect(await toggle(false)).toMatchObject({ type: 'ok' });
      expect(await b.next('presence')).toMatchObject({ online: true });
    }
    expect(await toggle(true)).toMatchObject({ type: 'ok' });
    expect(await b.next('presence')).toMatchObject({ online: false });
    const refused = await toggle(false);
    expect(refused).toMatchObject({ type: 'error', code: 'RATE_LIMITED', ref: 'privacy' });
    // Repeating the state already held changes nothing and costs nothing.
    expect(await toggle(true)).toMatchObject({ type: 'ok' });
    await a.barrier();
    await b.barrier();
    expect(b.queued('presence')).toEqual([]);
    clock.advance(refused.retryAfterMs as number);
    expect(await toggle(false)).toMatchObject({ type: 'ok' });
    expect(await b.next('presence')).toMatchObject({ online: true });
  });

  it('a presence_sub of 300 strangers is answered with one error frame listing them', async () => {
    const srv = await start({ ...config(), trustProxy: 1 });
    const [alice, bob] = [newIdentity(), newIdentity()];
    await on(srv.url, alice);
    const b = await on(srv.url, bob, { grants: [grant(alice, bob)] });
    const strangers = Array.from({ length: 300 }, sid);
    b.send({ type: 'presence_sub', ids: [...strangers.slice(0, 150), alice.sessionId, ...strangers.slice(150)] });
    expect(await b.next('presence')).toMatchObject({ id: alice.sessionId, online: true });
    const err = await b.next('error');
    expect(err).toMatchObject({ code: 'NO_GRANT', ref: 'presence_sub' });
    expect(err.ids).toEqual(strangers);
    await b.barrier();
    expect(b.received.filter((f) => f.type === 'error')).toHaveLength(1);
  });
});
