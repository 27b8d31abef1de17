// The authenticity cache across a restart (issue 14): with Redis, grants a server verified are
// found there by the next process, so a reconnect storm after a restart verifies no grant again; a
// grant whose hash is not there is verified in full, and a warm cache never outranks a block.
// A restart is closeVerifyPool(): the workers, and the cache they held, are gone.
import { describe, expect, it } from 'vitest';
import { closeVerifyPool, verifyPool } from '../src/auth/verify.ts';
import { grant, newIdentity, RawClient, revocation } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const stores = await storesUnderTest('the shared grant cache');

async function connect(url: string): Promise<RawClient> {
  return track(await RawClient.connect(url));
}

describe.each(stores)('grant authenticity cache on $name', ({ name, config }) => {
  it('a reconnect after a restart verifies its grants again only without a shared cache', async () => {
    const srv = await start(config());
    const me = newIdentity();
    const grants = [newIdentity(), newIdentity(), newIdentity()].map((f) => grant(f, me));
    expect((await (await connect(srv.url)).auth(me, { grants })).grantsRejected).toEqual([]);
    await closeVerifyPool();
    const again = await connect(srv.url);
    expect((await again.auth(me, { grants })).grantsRejected).toEqual([]);
    // The auth frame's own signature, plus the grants' where nothing outlived the workers.
    expect(verifyPool()!.verifications).toBe(name === 'redis' ? 1 : 1 + grants.length);
    // The grants were taken: sending along them works.
    const to = grants[0]!.from;
    const id = again.sendEnvelope(to);
    expect((await again.next('sent')).id).toBe(id);
  });

  it('a forged grant whose hash is not cached is verified, and refused, with its genuine twin cached', async () => {
    const srv = await start(config());
    const me = newIdentity();
    const friend = newIdentity();
    const g = grant(friend, me);
    expect((await (await connect(srv.url)).auth(me, { grants: [g] })).grantsRejected).toEqual([]);
    await closeVerifyPool();
    const forged = { ...g, exp: g.exp + 365 * 86_400_000 };
    const ready = await (await connect(srv.url)).auth(me, { grants: [forged, g] });
    expect(ready.grantsRejected).toEqual([{ from: friend.sessionId, code: 'GRANT_INVALID' }]);
  });

  it('a revoked grant stays void with a warm cache', async () => {
    const srv = await start(config());
    const me = newIdentity();
    const friend = newIdentity();
    const g = grant(friend, me);
    expect((await (await connect(srv.url)).auth(me, { grants: [g] })).grantsRejected).toEqual([]);
    const f = await connect(srv.url);
    await f.auth(friend, { revocations: [revocation(friend, me)] });
    await closeVerifyPool();
    const c = await connect(srv.url);
    // A blocked person is not told: the grant looks taken and the send looks sent, to nobody.
    expect((await c.auth(me, { grants: [g] })).grantsRejected).toEqual([]);
    const id = c.sendEnvelope(friend.sessionId);
    expect((await c.next('sent')).id).toBe(id);
    await f.barrier();
    expect(f.queued('envelope')).toEqual([]);
  });
});
