// Web Push, one relay: a push per offline device carrying the E2E box, none for a device that is
// online, coalescing while a push is in flight, 410 dropping the subscription, 429 backing off,
// and the VAPID JWT / aes128gcm checked by the test push service as a real one would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { TestPushService } from '../../testkit/pushService.ts';
import { items, metric, pushConfig, subscribe, until, VAPID } from './helpers/push.ts';
import { grant, invitationTo, newIdentity, randomCt, RawClient } from './helpers/rawClient.ts';
import { as, start } from './helpers/server.ts';

let svc: TestPushService;
beforeEach(async () => {
  svc = await TestPushService.start();
});
afterEach(async () => {
  await svc.close();
});

/** alice may message bob; bob's device `deviceId` subscribes and then goes away. */
async function offlineSubscriber(url: string, deviceId = randomId()) {
  const alice = newIdentity();
  const bob = newIdentity();
  const b = await as(url, bob, { deviceId, grants: [grant(alice, bob)] });
  const sub = svc.subscribe();
  await subscribe(b, sub);
  await b.close();
  const a = await as(url, alice, { grants: [grant(bob, alice)] });
  return { alice, bob, a, sub };
}

describe('Web Push', () => {
  it('tells the VAPID key in hello, and answers PUSH_UNAVAILABLE without keys', async () => {
    const on = await start(pushConfig());
    const c = await RawClient.connect(on.url);
    expect(c.hello!.vapidKey).toBe(VAPID.publicKey);
    c.ws.terminate();

    const off = await start();
    const bob = await as(off.url, newIdentity());
    expect(bob.hello!.vapidKey).toBeUndefined();
    await expect(subscribe(bob, svc.subscribe())).rejects.toThrow(/^PUSH_UNAVAILABLE/);
  });

  it('pushes the E2E box to an offline device, signed with VAPID and encrypted with aes128gcm', async () => {
    const srv = await start(pushConfig());
    const { a, bob, sub } = await offlineSubscriber(srv.url);
    const ct = randomCt(200);
    const id = a.sendEnvelope(bob.sessionId, ct);
    await a.next('sent');

    const p = await svc.next(sub.id);
    expect(svc.refused).toEqual([]);
    expect(p.status).toBe(201);
    expect(p.vapidKey).toBe(VAPID.publicKey);
    expect(p.claims.sub).toBe('mailto:ops@relay.test');
    expect(p.claims.aud).toBe(svc.origin);
    expect(p.urgency).toBe('high');
    expect(p.ttl).toBe(24 * 3600);
    // The payload is the box itself: only bob's keys open it; the push service saw neither.
    expect(items(p.payload)).toEqual([{ k: 'm', id, ct }]);
    // One topic per device, a keyed hash: nothing of bob's or alice's Session ID in it.
    expect(p.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(p.topic).not.toContain(bob.sessionId.slice(2, 12));
  });

  it('pushes each offline device of the identity, and none that is online', async () => {
    const srv = await start(pushConfig());
    const alice = newIdentity();
    const bob = newIdentity();
    const [phone, tablet, laptop] = [svc.subscribe(), svc.subscribe(), svc.subscribe()];
    for (const sub of [phone, tablet]) {
      const dev = await as(srv.url, bob, { grants: [grant(alice, bob)] });
      await subscribe(dev, sub);
      await dev.close();
    }
    const online = await as(srv.url, bob, { grants: [grant(alice, bob)] });
    await subscribe(online, laptop);
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await online.next('envelope')).id).toBe(id);
    expect(items((await svc.next(phone.id)).payload)[0]!.id).toBe(id);
    expect(items((await svc.next(tablet.id)).payload)[0]!.id).toBe(id);
    // The decision for the online one was taken in the same pass as the others.
    expect(await metric(srv.httpUrl, 'push_sends_total{outcome="online"}')).toBe(1);
    expect(svc.forSubscription(laptop.id)).toEqual([]);
  });

  it('does not push my own copies, delivered notices, or an ephemeral envelope', async () => {
    const srv = await start(pushConfig());
    const { a, alice, bob, sub } = await offlineSubscriber(srv.url);
    // alice's other device is subscribed and away; alice writes to bob and to herself.
    const other = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const aliceSub = svc.subscribe();
    await subscribe(other, aliceSub);
    await other.close();
    a.sendEnvelope(bob.sessionId, randomCt(), { ephemeral: true });
    a.sendEnvelope(alice.sessionId);
    await a.next('sent');
    const id = a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    expect(items((await svc.next(sub.id)).payload).map((i) => i.id)).toEqual([id]);
    expect(svc.forSubscription(aliceSub.id)).toEqual([]);
    expect(svc.forSubscription(sub.id)).toHaveLength(1);
  });

  it('pushes an invitation with the sealed card, and tells the inviter of the answer', async () => {
    const srv = await start(pushConfig());
    const alice = newIdentity();
    const bob = newIdentity();
    const [bobSub, aliceSub] = [svc.subscribe(), svc.subscribe()];
    const bd = await as(srv.url, bob);
    await subscribe(bd, bobSub);
    await bd.close();
    const a = await as(srv.url, alice);
    const inv = invitationTo(alice, bob);
    a.send(inv);
    await a.next('ok');
    expect(items((await svc.next(bobSub.id)).payload)).toEqual([{ k: 'i', id: inv.id, from: alice.sessionId, ct: inv.ct }]);

    await subscribe(a, aliceSub);
    await a.close();
    const b = await as(srv.url, bob);
    b.send({ type: 'invite_accept', id: inv.id, grant: grant(bob, alice) });
    await b.next('ok');
    const p = await svc.next(aliceSub.id);
    expect(items(p.payload)).toEqual([{ k: 'u', id: inv.id, peer: bob.sessionId, status: 'accepted' }]);
    expect(p.urgency).toBe('normal');
  });

  it('coalesces entries that land while a push is in flight into one more push carrying them all', async () => {
    const srv = await start(pushConfig());
    const { a, bob, sub } = await offlineSubscriber(srv.url);
    svc.hold();
    const first = a.sendEnvelope(bob.sessionId);
    await svc.next(sub.id);
    const more = [];
    for (let i = 0; i < 3; i++) {
      more.push(a.sendEnvelope(bob.sessionId));
      await a.next('sent');
    }
    await until(async () => (await metric(srv.httpUrl, 'push_coalesced_total')) === 3, 'three entries merged');
    svc.release();
    const second = await svc.next(sub.id, 1);
    // Everything bob's device has not fetched: a push the service still holds is replaced, losing nothing.
    expect(items(second.payload).map((i) => i.id)).toEqual([first, ...more]);
    await until(async () => (await metric(srv.httpUrl, 'push_sends_total{outcome="sent"}')) === 2, 'two pushes');
    expect(svc.forSubscription(sub.id)).toHaveLength(2);
  });

  it('starts afresh once the device has been online: it fetched what was pending', async () => {
    const srv = await start(pushConfig());
    const deviceId = randomId();
    const { a, bob, alice, sub } = await offlineSubscriber(srv.url, deviceId);
    const m1 = a.sendEnvelope(bob.sessionId);
    await svc.next(sub.id);
    const b = await as(srv.url, bob, { deviceId, grants: [grant(alice, bob)] });
    await b.next('envelope');
    await b.close();
    const m2 = a.sendEnvelope(bob.sessionId);
    expect(items((await svc.next(sub.id, 1)).payload).map((i) => i.id)).toEqual([m2]);
    expect(m1).not.toBe(m2);
  });

  it('drops the subscription when the push service answers 410 Gone', async () => {
    const srv = await start(pushConfig());
    const { a, bob, sub } = await offlineSubscriber(srv.url);
    expect(await srv.store.pushSubscriptions(bob.sessionId, Date.now())).toHaveLength(1);
    svc.answerNext({ status: 410 });
    a.sendEnvelope(bob.sessionId);
    expect((await svc.next(sub.id)).status).toBe(410);
    await until(async () => (await metric(srv.httpUrl, 'push_subscriptions_total{op="gone"}')) === 1, 'the subscription dropped');
    expect(await srv.store.pushSubscriptions(bob.sessionId, Date.now())).toEqual([]);
  });

  it('backs off on 429 and tries again after Retry-After', async () => {
    const srv = await start(pushConfig());
    const { a, bob, sub } = await offlineSubscriber(srv.url);
    svc.answerNext({ status: 429, headers: { 'retry-after': '1' } });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await svc.next(sub.id)).status).toBe(429);
    const again = await svc.next(sub.id, 1);
    expect(again.status).toBe(201);
    expect(items(again.payload)[0]!.id).toBe(id);
    expect(await metric(srv.httpUrl, 'push_sends_total{outcome="rate_limited"}')).toBe(1);
  });

  it('sends an empty wake-up when not even one box fits in a push', async () => {
    const srv = await start(pushConfig());
    const { a, bob, sub } = await offlineSubscriber(srv.url);
    a.sendEnvelope(bob.sessionId, randomCt(3000));
    const p = await svc.next(sub.id);
    expect(p.payload.length).toBe(0);
    expect(p.bodyBytes).toBe(0);
  });

  it('forgets the subscription on push_unsubscribe', async () => {
    const srv = await start(pushConfig());
    const alice = newIdentity();
    const b = await as(srv.url, alice);
    await subscribe(b, svc.subscribe());
    expect(await srv.store.pushSubscriptions(alice.sessionId, Date.now())).toHaveLength(1);
    b.send({ type: 'push_unsubscribe' });
    expect(await b.next((f) => f.type === 'ok' && f.ref === 'push_unsubscribe')).toMatchObject({ op: 'push_unsubscribe' });
    expect(await srv.store.pushSubscriptions(alice.sessionId, Date.now())).toEqual([]);
  });
});
