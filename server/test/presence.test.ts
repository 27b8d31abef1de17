// Presence: only to subscribers holding the identity's grant, debounced going offline, hideable.
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../protocol/index.ts';
import { grant, newIdentity, revocation, type Frame, type RawClient } from './helpers/rawClient.ts';
import { as, expectHonestPairWorks, getJson, start, until } from './helpers/server.ts';

const presenceOf = (id: string, online?: boolean) => (f: Frame) =>
  f.type === 'presence' && f.id === id && (online === undefined || f.online === online);

/** Bob holds Alice's grant and subscribes to her presence; returns Bob's socket and the first answer. */
async function watcher(url: string, bob: Identity, alice: Identity): Promise<{ b: RawClient; first: Frame }> {
  const b = await as(url, bob, { grants: [grant(alice, bob)] });
  b.send({ type: 'presence_sub', ids: [alice.sessionId] });
  return { b, first: await b.next(presenceOf(alice.sessionId)) };
}

describe('presence', () => {
  it('answers a subscription at once, and refuses ids whose grant the socket lacks', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const stranger = newIdentity();
    await as(srv.url, alice);
    const { b, first } = await watcher(srv.url, bob, alice);
    expect(first).toEqual({ type: 'presence', id: alice.sessionId, online: true, ts: first.ts });
    const s = await as(srv.url, stranger);
    s.send({ type: 'presence_sub', ids: [alice.sessionId, stranger.sessionId] });
    expect(await s.next('error')).toMatchObject({ code: 'NO_GRANT', ref: 'presence_sub', ids: [alice.sessionId] });
    // Its own ID needs no grant.
    expect(await s.next('presence')).toMatchObject({ id: stranger.sessionId, online: true });
    await s.barrier();
    expect(s.queued(presenceOf(alice.sessionId))).toEqual([]);
    await b.barrier();
    await expectHonestPairWorks(srv);
  });

  it('tells subscribers when an identity comes online and, after the debounce, goes offline', async () => {
    const srv = await start({ presenceDebounceMs: 100 });
    const alice = newIdentity();
    const bob = newIdentity();
    const { b, first } = await watcher(srv.url, bob, alice);
    expect(first.online).toBe(false);
    const a = await as(srv.url, alice);
    await b.next(presenceOf(alice.sessionId, true));
    // A second device changes nothing; closing one of two changes nothing.
    const a2 = await as(srv.url, alice);
    await a2.close();
    await a.close();
    await b.next(presenceOf(alice.sessionId, false));
    expect(b.received.filter(presenceOf(alice.sessionId))).toHaveLength(3);
  });

  it('does not flap when a device reconnects within the debounce', async () => {
    const srv = await start({ presenceDebounceMs: 60_000 });
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const { b, first } = await watcher(srv.url, bob, alice);
    expect(first.online).toBe(true);
    a.ws.terminate();
    await a.closed();
    // Wait until the server has seen the close, so the reconnect really comes after it.
    await until(async () => (await getJson(`${srv.httpUrl}/stats`)).body.authenticatedConnections === 1);
    const a2 = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const id = a2.sendEnvelope(bob.sessionId);
    await b.next((f) => f.type === 'envelope' && f.id === id);
    // Everything Bob was told about Alice came before that envelope: nothing, since the first answer.
    expect(b.received.filter(presenceOf(alice.sessionId))).toEqual([first]);
  });

  it('hides an identity at once when it asks, and shows it again', async () => {
    const srv = await start({ presenceDebounceMs: 60_000 });
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const a = await as(srv.url, alice);
    const { b } = await watcher(srv.url, bob, alice);
    a.send({ type: 'privacy', hidePresence: true });
    expect(await a.next('ok')).toEqual({ type: 'ok', ref: 'privacy', op: 'privacy' });
    await b.next(presenceOf(alice.sessionId, false));
    const { first: carolSees } = await watcher(srv.url, carol, alice);
    expect(carolSees.online).toBe(false);
    a.send({ type: 'privacy', hidePresence: false });
    await b.next(presenceOf(alice.sessionId, true));
  });

  it('keeps an identity hidden that connects with hidePresence, whatever its other devices do', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    await as(srv.url, alice, { hidePresence: true });
    const { first } = await watcher(srv.url, bob, alice);
    expect(first.online).toBe(false);
    const visible = await as(srv.url, alice);
    await visible.barrier();
    const { first: third } = await watcher(srv.url, bob, alice);
    expect(third.online).toBe(false);
  });

  it('stops after presence_unsub, and after the granter revokes', async () => {
    const srv = await start({ presenceDebounceMs: 0 });
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const a = await as(srv.url, alice);
    const { b } = await watcher(srv.url, bob, alice);
    const { b: c } = await watcher(srv.url, carol, alice);
    b.send({ type: 'presence_unsub', ids: [alice.sessionId] });
    expect(await b.next('ok')).toEqual({ type: 'ok', ref: 'presence_unsub', op: 'presence_unsub' });
    a.send({ type: 'revoke', revocation: revocation(alice, carol) });
    await a.next('ok');
    // The blocked watcher sees Alice go offline, as anyone might, and nothing after.
    expect(await c.next(presenceOf(alice.sessionId))).toMatchObject({ online: false });
    const dave = newIdentity();
    const { b: d } = await watcher(srv.url, dave, alice);
    await a.close();
    await d.next(presenceOf(alice.sessionId, false));
    await b.barrier();
    await c.barrier();
    expect(b.queued(presenceOf(alice.sessionId))).toEqual([]);
    expect(c.queued(presenceOf(alice.sessionId))).toEqual([]);
    // And a revoked grantee cannot subscribe again: it is shown offline, with no hint of the block.
    const a2 = await as(srv.url, alice);
    c.send({ type: 'presence_sub', ids: [alice.sessionId] });
    expect(await c.next(presenceOf(alice.sessionId))).toMatchObject({ online: false });
    await a2.close();
    await c.barrier();
    expect(c.queued('error')).toEqual([]);
  });

  it('limits subscriptions per socket (TOO_MANY_SUBSCRIPTIONS)', async () => {
    const srv = await start({ maxPresenceSubs: 1 });
    const bob = newIdentity();
    const x = newIdentity();
    const y = newIdentity();
    const b = await as(srv.url, bob, { grants: [grant(x, bob), grant(y, bob)] });
    b.send({ type: 'presence_sub', ids: [x.sessionId, y.sessionId, x.sessionId] });
    expect(await b.next('presence')).toMatchObject({ id: x.sessionId });
    expect(await b.next('error')).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', ref: 'presence_sub', ids: [y.sessionId] });
    // Re-subscribing to an id already held is not a new subscription.
    expect(await b.next('presence')).toMatchObject({ id: x.sessionId });
  });
});
