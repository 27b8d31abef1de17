// SSRF and input checks of push_subscribe: the server POSTs to whatever endpoint a client gives,
// so only https on port 443 of public addresses is accepted (at subscribe time, and again by the
// agent's lookup at send time against DNS rebinding); every field's size and shape is checked.
import { describe, expect, it } from 'vitest';
import { MAX_PUSH_ENDPOINT } from '../../protocol/index.ts';
import { checkEndpoint, isPublicAddress, publicOnlyLookup } from '../src/push/endpoint.ts';
import { TestPushService } from '../../testkit/pushService.ts';
import { pushConfig } from './helpers/push.ts';
import { newIdentity, type RawClient } from './helpers/rawClient.ts';
import { as, expectHonestPairWorks, start } from './helpers/server.ts';

const P256DH = TestPushServiceKeys();
function TestPushServiceKeys(): { p256dh: string; auth: string } {
  // A real P-256 point and a 16-byte secret, as a browser would give.
  return {
    p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    auth: 'tBHItJI5svbpez7KI4CCXg',
  };
}

async function answer(c: RawClient, frame: object): Promise<{ type: string; code?: string }> {
  c.send(frame);
  return c.next((f) => (f.type === 'ok' || f.type === 'error') && (f.ref === 'push_subscribe' || f.code === 'BAD_FRAME'));
}

describe('push endpoint SSRF', () => {
  it('knows which addresses are public', () => {
    for (const a of ['8.8.8.8', '142.250.185.74', '17.253.144.10', '2606:4700:4700::1111', '2a00:1450:4001:80b::200a'])
      expect({ a, pub: isPublicAddress(a) }).toEqual({ a, pub: true });
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.254',
      '169.254.169.254',
      '224.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      '::1',
      '::',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
      'ff02::1',
      'not-an-ip',
    ])
      expect({ a, pub: isPublicAddress(a) }).toEqual({ a, pub: false });
  });

  it('refuses endpoints that are not https on 443 of a public address', async () => {
    const resolvesTo = (address: string) => (async () => [{ address, family: address.includes(':') ? 6 : 4 }]) as never;
    const refused = async (url: string, resolve = resolvesTo('8.8.8.8')) =>
      checkEndpoint(url, false, resolve).then(
        () => 'accepted',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      );
    expect(await refused('https://fcm.googleapis.com/fcm/send/abc')).toBe('accepted');
    expect(await refused('https://8.8.8.8/x')).toBe('accepted');
    for (const [url, why] of [
      ['http://fcm.googleapis.com/fcm/send/abc', 'not https'],
      ['https://fcm.googleapis.com:8443/x', 'not port 443'],
      ['https://user:pw@fcm.googleapis.com/x', 'credentials'],
      ['https://127.0.0.1/x', 'not a public address'],
      ['https://[::1]/x', 'not a public address'],
      ['https://169.254.169.254/latest/meta-data', 'not a public address'],
      ['https://10.0.0.7/x', 'not a public address'],
      ['https://100.64.1.1/x', 'not a public address'],
      ['https://[fd00::1]/x', 'not a public address'],
      ['https://localhost/x', 'not a public host name'],
      ['https://push.internal/x', 'not a public host name'],
      ['file:///etc/passwd', 'not https'],
      ['not a url', 'not a URL'],
    ] as const)
      expect(await refused(url)).toMatch(new RegExp(`^PUSH_ENDPOINT_REFUSED: .*${why}`));
    // A public-looking name that resolves inward.
    expect(await refused('https://push.evil.example/x', resolvesTo('127.0.0.1'))).toMatch(/non-public address/);
    expect(await refused('https://push.evil.example/x', resolvesTo('fd00::1'))).toMatch(/non-public address/);
    expect(await refused('https://x.example/' + 'a'.repeat(MAX_PUSH_ENDPOINT))).toMatch(/longer than/);
  });

  it('refuses, at connect time, a host that now resolves to a private address (DNS rebinding)', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((r) => publicOnlyLookup('localhost', {}, (e) => r(e)));
    expect(err?.code).toBe('EPUSHPRIVATE');
  });

  it('answers push_subscribe with clear codes, and the relay keeps serving everyone', async () => {
    const srv = await start(pushConfig({ pushAllowPrivate: false }));
    const c = await as(srv.url, newIdentity());
    const base = { type: 'push_subscribe', endpoint: 'https://127.0.0.1/push/x', ...P256DH };
    expect(await answer(c, base)).toMatchObject({ type: 'error', code: 'PUSH_ENDPOINT_REFUSED' });
    expect(await answer(c, { ...base, endpoint: 'https://169.254.169.254/latest/meta-data/' })).toMatchObject({
      code: 'PUSH_ENDPOINT_REFUSED',
    });
    expect(await answer(c, { ...base, endpoint: 'http://push.example.com/x' })).toMatchObject({ code: 'PUSH_ENDPOINT_REFUSED' });
    // A local test push service is refused without the test-only setting.
    const svc = await TestPushService.start();
    try {
      const sub = svc.subscribe();
      expect(await answer(c, { ...base, endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth })).toMatchObject({
        code: 'PUSH_ENDPOINT_REFUSED',
      });
    } finally {
      await svc.close();
    }
    expect(await srv.store.pushSubscriptions(c.identity!.sessionId, Date.now())).toEqual([]);
    await expectHonestPairWorks(srv);
  });

  it('checks the size and shape of every field', async () => {
    const srv = await start(pushConfig());
    const c = await as(srv.url, newIdentity());
    const base = { type: 'push_subscribe', endpoint: 'http://127.0.0.1:9/push/x', ...P256DH };
    const code = async (frame: object) => ((await answer(c, frame)) as { code?: string }).code;
    expect(await code({ ...base, endpoint: 'http://127.0.0.1:9/' + 'a'.repeat(MAX_PUSH_ENDPOINT) })).toBe('BAD_FRAME');
    expect(await code({ ...base, endpoint: 'http://127.0.0.1:9/a b' })).toBe('BAD_FRAME');
    expect(await code({ ...base, p256dh: P256DH.p256dh.slice(0, 40) })).toBe('BAD_FRAME');
    expect(await code({ ...base, p256dh: P256DH.p256dh + 'AAAA' })).toBe('BAD_FRAME');
    expect(await code({ ...base, auth: 'A'.repeat(16) })).toBe('BAD_FRAME');
    expect(await code({ ...base, auth: 'A'.repeat(40) })).toBe('BAD_FRAME');
    expect(await code({ ...base, extra: 1 })).toBe('BAD_FRAME');
    // Right sizes, wrong material: not a point on P-256, not an uncompressed point, auth not 16 bytes.
    expect(await code({ ...base, p256dh: 'BA' + 'A'.repeat(85) })).toBe('PUSH_BAD_KEYS');
    expect(await code({ ...base, p256dh: 'A' + P256DH.p256dh.slice(1) })).toBe('PUSH_BAD_KEYS');
    expect(await code({ ...base, auth: 'A'.repeat(24) })).toBe('PUSH_BAD_KEYS');
    await expectHonestPairWorks(srv);
  });
});
