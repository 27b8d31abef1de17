// Web Push through the SDK: registerPush over the socket, kept registered across reconnects, a
// push for the offline device that openPushPayload opens with the identity's keys (what the
// service worker does), and clear errors for refused endpoints.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFromPhrase, ProtocolError } from '../../protocol/index.ts';
import { TestPushService } from '../../testkit/pushService.ts';
import { metric, pushConfig, VAPID } from '../../server/test/helpers/push.ts';
import { openPushPayload } from '../index.ts';
import { eventually, server, user, friends } from './integration.ts';

let svc: TestPushService;
beforeEach(async () => {
  svc = await TestPushService.start();
});
afterEach(async () => {
  await svc.close();
});

const asInput = (s: { endpoint: string; p256dh: string; auth: string }) => ({
  endpoint: s.endpoint,
  keys: { p256dh: s.p256dh, auth: s.auth },
});

describe('push (SDK)', () => {
  it('registers, is pushed while away, and the payload opens to the message with the identity keys', async () => {
    const srv = await server(pushConfig());
    const { alice, bob } = await friends(srv);
    expect(bob.c.pushPublicKey).toBe(VAPID.publicKey);
    const sub = svc.subscribe();
    await bob.c.registerPush(asInput(sub));
    await bob.c.disconnect();
    // The server must have seen the close: until then the device counts as online (docs/security.md "Push").
    await eventually(async () => (await metric(srv.httpUrl, 'connections_authenticated')) === 1, 'bob offline on the server');

    const id = await alice.c.sendMessage({ recipientId: bob.id, content: 'are you there?' });
    const push = await svc.next(sub.id);
    const opened = openPushPayload(identityFromPhrase(bob.phrase), push.payload);
    expect(opened).toEqual({
      notices: [{ kind: 'message', id, from: alice.id, text: 'are you there?', messageType: 'text' }],
      skipped: 0,
      wakeUp: false,
    });
    // Someone else's keys open nothing.
    expect(openPushPayload(identityFromPhrase(alice.phrase), push.payload).notices).toEqual([]);
  });

  it('says it again on every connect, and removes it on unregisterPush', async () => {
    const srv = await server(pushConfig());
    const bob = await user(srv);
    await bob.c.registerPush(asInput(svc.subscribe()));
    await bob.c.disconnect();
    await bob.c.connect();
    await eventually(
      async () => (await metric(srv.httpUrl, 'push_subscriptions_total{op="subscribe"}')) === 2,
      'the subscription sent again after the reconnect',
    );
    await bob.c.unregisterPush();
    expect(await srv.store.pushSubscriptions(bob.id, Date.now())).toEqual([]);
  });

  it('rejects with the server code when the endpoint is refused, and does not repeat it', async () => {
    const srv = await server(pushConfig({ pushAllowPrivate: false }));
    const bob = await user(srv);
    const err = await bob.c.registerPush(asInput(svc.subscribe())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('PUSH_ENDPOINT_REFUSED');
    await bob.c.disconnect();
    await bob.c.connect();
    // Frames are handled in order: once this is answered, a repeated subscribe would have been too.
    await bob.c.unregisterPush();
    expect(await metric(srv.httpUrl, 'push_subscriptions_total{op="refused"}')).toBe(1);
    expect(() => bob.c.registerPush({ endpoint: 'ftp://x', keys: { p256dh: 'a', auth: 'b' } })).toThrow(TypeError);
  });
});
