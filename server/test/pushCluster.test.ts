// Web Push with two relays over one Redis: the subscription registered on one instance, the
// message sent on the other; a device online on either instance is not pushed.
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { TestPushService } from '../../testkit/pushService.ts';
import { REDIS_URL, scaleOutGate, TEST_ID_SECRET, testPrefix, wipePrefix } from './helpers/cluster.ts';
import { items, metric, pushConfig, subscribe } from './helpers/push.ts';
import { grant, newIdentity } from './helpers/rawClient.ts';
import { as, start } from './helpers/server.ts';

const skip = await scaleOutGate('the Web Push cluster tests');
const prefixes: string[] = [];

let svc: TestPushService;
beforeEach(async () => {
  svc = await TestPushService.start();
});
afterEach(async () => {
  await svc.close();
});
afterAll(async () => {
  for (const p of prefixes) await wipePrefix(p);
});

async function pair() {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const config = pushConfig({ redisUrl: REDIS_URL, redisIdSecret: TEST_ID_SECRET, redisKeyPrefix: prefix });
  return [await start(config), await start(config)] as const;
}

describe.skipIf(skip !== undefined)('Web Push across instances', () => {
  it('pushes a device registered on one instance for a message sent on the other', async () => {
    const [one, two] = await pair();
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(one.url, bob, { grants: [grant(alice, bob)] });
    const sub = svc.subscribe();
    await subscribe(b, sub);
    await b.close();
    const a = await as(two.url, alice, { grants: [grant(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    const p = await svc.next(sub.id);
    expect(svc.refused).toEqual([]);
    expect(items(p.payload).map((i) => i.id)).toEqual([id]);
    expect(await metric(two.httpUrl, 'push_sends_total{outcome="sent"}')).toBe(1);
    expect(await metric(one.httpUrl, 'push_sends_total{outcome="sent"}')).toBe(0);
  });

  it('does not push a device whose socket is on the other instance', async () => {
    const [one, two] = await pair();
    const alice = newIdentity();
    const bob = newIdentity();
    const [phone, laptop] = [svc.subscribe(), svc.subscribe()];
    const p = await as(one.url, bob, { grants: [grant(alice, bob)] });
    await subscribe(p, phone);
    await p.close();
    const l = await as(one.url, bob, { grants: [grant(alice, bob)] });
    await subscribe(l, laptop);
    const a = await as(two.url, alice, { grants: [grant(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    expect((await l.next('envelope')).id).toBe(id);
    expect(items((await svc.next(phone.id)).payload)[0]!.id).toBe(id);
    expect(await metric(two.httpUrl, 'push_sends_total{outcome="online"}')).toBe(1);
    expect(svc.forSubscription(laptop.id)).toEqual([]);
  });
});
