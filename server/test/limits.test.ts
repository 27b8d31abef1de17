// Abuse limits (docs/security.md "Limits"): token buckets per identity and per client address for
// sends, invitations, presence subscriptions and auth attempts. Every refusal is an error frame
// with retryAfterMs and a ref, never a silent drop; the server's clock is the test's, so buckets
// refill when the test says so.
import { describe, expect, it } from 'vitest';
import { createAuthFrame, ERRORS, randomId, toBase64 } from '../../protocol/index.ts';
import type { Config } from '../src/config.ts';
import { clientAddress, limitKey } from '../src/transport/ip.ts';
import { MemoryStore } from '../src/store/memory/memory.ts';
import { connectAs, grant, invitationTo, newIdentity, RawClient, type AuthOptions } from './helpers/rawClient.ts';
import { expectHonestPairWorks, fakeClock, start, track } from './helpers/server.ts';
import { scrapeMetrics } from '../../testkit/net.ts';

/** Connects as identity from `address` (believed because the test servers trust one proxy hop). */
async function from(url: string, address: string, identity = newIdentity(), opts: AuthOptions = {}): Promise<RawClient> {
  return track(await connectAs(url, identity, { ...opts, headers: { 'X-Forwarded-For': address } }));
}

/** Every limit off except those named: each test looks at one bucket. */
function only(limits: Partial<Config>): Partial<Config> {
  return {
    sendRatePerMin: 0,
    sendRateIpPerMin: 0,
    inviteRatePerHour: 1_000_000,
    inviteRateIpPerHour: 0,
    presenceRatePerMin: 0,
    presenceRateIpPerMin: 0,
    authRateIpPerMin: 0,
    trustProxy: 1,
    ...limits,
  };
}

/** Sends an envelope and waits for its `sent`. */
async function sent(c: RawClient, to: string): Promise<void> {
  const id = c.sendEnvelope(to);
  const reply = await c.next((f) => (f.type === 'sent' && f.id === id) || (f.type === 'error' && f.ref === id));
  if (reply.type !== 'sent') throw new Error(`send refused: ${reply.code}`);
}

async function metric(httpUrl: string, line: RegExp): Promise<number> {
  const text = await scrapeMetrics(httpUrl);
  const m = line.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('client address', () => {
  it('believes X-Forwarded-For only as many hops as TRUST_PROXY says, and groups IPv6 by /64', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.9', 0)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '203.0.113.9', 1)).toBe('203.0.113.9');
    // A client-written entry left of the proxy's own is ignored.
    expect(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '203.0.113.9', 3)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', 'not-an-address', 1)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '', 1)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '[2001:db8::1]:443', 1)).toBe('2001:db8:0:0::/64');
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe(limitKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(limitKey('2001:db8:1:2::1')).not.toBe(limitKey('2001:db8:1:3::1'));
    expect(limitKey('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(limitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });
});

describe('send limits', () => {
  it('per identity: RATE_LIMITED with ref and retryAfterMs, and the bucket refills', async () => {
    const clock = fakeClock();
    const srv = await start(only({ sendRatePerMin: 3 }), { clock: clock.now });
    const bob = newIdentity();
    const alice = newIdentity();
    const a = await from(srv.url, '198.51.100.1', alice, { grants: [grant(bob, alice, clock.now())] });
    for (let i = 0; i < 3; i++) await sent(a, bob.sessionId);
    const refused = a.sendEnvelope(bob.sessionId);
    const err = await a.errorFor(refused);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', ref: refused });
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(20_000); // one token of three per minute
    // Ephemeral sends (typing) draw on the same bucket.
    const typing = a.sendEnvelope(bob.sessionId, undefined, { ephemeral: true });
    expect((await a.errorFor(typing)).code).toBe('RATE_LIMITED');
    clock.advance(err.retryAfterMs as number);
    const again = a.sendEnvelope(bob.sessionId, undefined, { id: refused });
    expect((await a.next('sent')).id).toBe(again);
    // Refusals a correct client meets do not count as misbehaviour: the socket is still open.
    expect(a.isClosed).toBe(false);
    expect(await metric(srv.httpUrl, /^sm_rate_limited_total\{bucket="send"\} (\d+)$/m)).toBe(2);
  });

  it('per address: identities behind one address share it; another address is not affected', async () => {
    const srv = await start(only({ sendRateIpPerMin: 2 }));
    const bob = newIdentity();
    const [x, y, z] = [newIdentity(), newIdentity(), newIdentity()];
    const cx = await from(srv.url, '198.51.100.7', x, { grants: [grant(bob, x)] });
    const cy = await from(srv.url, '198.51.100.7', y, { grants: [grant(bob, y)] });
    const cz = await from(srv.url, '198.51.100.8', z, { grants: [grant(bob, z)] });
    await sent(cx, bob.sessionId);
    await sent(cy, bob.sessionId);
    const refused = cx.sendEnvelope(bob.sessionId);
    expect(await cx.errorFor(refused)).toMatchObject({ code: 'RATE_LIMITED', ref: refused });
    await sent(cz, bob.sessionId);
    expect(await metric(srv.httpUrl, /^sm_rate_limited_total\{bucket="send_ip"\} (\d+)$/m)).toBe(1);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set: a client cannot pick its own address', async () => {
    const srv = await start(only({ sendRateIpPerMin: 1, trustProxy: 0 }));
    const bob = newIdentity();
    const [x, y] = [newIdentity(), newIdentity()];
    const cx = await from(srv.url, '198.51.100.1', x, { grants: [grant(bob, x)] });
    const cy = await from(srv.url, '198.51.100.2', y, { grants: [grant(bob, y)] });
    await sent(cx, bob.sessionId);
    const refused = cy.sendEnvelope(bob.sessionId);
    expect((await cy.errorFor(refused)).code).toBe('RATE_LIMITED');
  });
});

describe('invitation limits', () => {
  it('per address, on top of the per-sender INVITE_RATE', async () => {
    const srv = await start(only({ inviteRateIpPerHour: 2 }));
    const bob = newIdentity();
    const senders = [newIdentity(), newIdentity(), newIdentity()];
    const conns = await Promise.all(senders.map((s) => from(srv.url, '203.0.113.50', s)));
    for (let i = 0; i < 2; i++) {
      const f = invitationTo(senders[i]!, bob);
      conns[i]!.send(f);
      expect(await conns[i]!.next('ok')).toMatchObject({ ref: f.id, op: 'invite' });
    }
    const f = invitationTo(senders[2]!, bob);
    conns[2]!.send(f);
    const err = await conns[2]!.errorFor(f.id);
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(1_800_000);
    await expectHonestPairWorks(srv);
  });
});

describe('presence subscription limits', () => {
  it('one token per id: the ids over the limit are refused together with RATE_LIMITED and retryAfterMs', async () => {
    const clock = fakeClock();
    const srv = await start(only({ presenceRatePerMin: 2 }), { clock: clock.now });
    const bob = newIdentity();
    const peers = [newIdentity(), newIdentity(), newIdentity()];
    const b = await from(srv.url, '198.51.100.20', bob, { grants: peers.map((p) => grant(p, bob, clock.now())) });
    b.send({ type: 'presence_sub', ids: peers.map((p) => p.sessionId) });
    expect(await b.next('presence')).toMatchObject({ id: peers[0]!.sessionId });
    expect(await b.next('presence')).toMatchObject({ id: peers[1]!.sessionId });
    const err = await b.errorFor('presence_sub');
    expect(err).toMatchObject({ code: 'RATE_LIMITED', ids: [peers[2]!.sessionId] });
    expect(err.retryAfterMs).toBeGreaterThan(0);
    clock.advance(err.retryAfterMs as number);
    b.send({ type: 'presence_sub', ids: [peers[2]!.sessionId] });
    expect(await b.next('presence')).toMatchObject({ id: peers[2]!.sessionId });
  });

  it('per address across identities', async () => {
    const srv = await start(only({ presenceRateIpPerMin: 1 }));
    const target = newIdentity();
    const [x, y] = [newIdentity(), newIdentity()];
    const cx = await from(srv.url, '198.51.100.30', x, { grants: [grant(target, x)] });
    const cy = await from(srv.url, '198.51.100.30', y, { grants: [grant(target, y)] });
    cx.send({ type: 'presence_sub', ids: [target.sessionId] });
    await cx.next('presence');
    cy.send({ type: 'presence_sub', ids: [target.sessionId] });
    expect(await cy.errorFor('presence_sub')).toMatchObject({ code: 'RATE_LIMITED', ids: [target.sessionId] });
  });
});

describe('auth attempt limits', () => {
  it('per address, checked before the signature: AUTH_RATE_LIMITED 4428 with retryAfterMs', async () => {
    const clock = fakeClock();
    const srv = await start(only({ authRateIpPerMin: 2 }), { clock: clock.now });
    const me = newIdentity();
    const junk = async (): Promise<{ code: string; close: number; retryAfterMs?: number }> => {
      const c = track(await RawClient.connect(srv.url, { headers: { 'X-Forwarded-For': '192.0.2.66' } }));
      c.send({ ...c.authFrame(me), signature: toBase64(new Uint8Array(64)) });
      const err = await c.next('error');
      return { code: err.code, close: (await c.closed()).code, retryAfterMs: err.retryAfterMs };
    };
    expect(await junk()).toMatchObject({ code: 'AUTH_BAD_SIGNATURE', close: 4406 });
    expect(await junk()).toMatchObject({ code: 'AUTH_BAD_SIGNATURE', close: 4406 });
    // The third junk frame is refused before its signature is looked at.
    const limited = await junk();
    expect(limited).toMatchObject({ code: 'AUTH_RATE_LIMITED', close: ERRORS.AUTH_RATE_LIMITED.close });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    // So is a valid one from the same address, until the bucket refills.
    const early = track(await RawClient.connect(srv.url, { headers: { 'X-Forwarded-For': '192.0.2.66' } }));
    early.send(early.authFrame(me));
    expect((await early.next('error')).code).toBe('AUTH_RATE_LIMITED');
    // Another address is not affected, and after retryAfterMs this one may try again.
    await from(srv.url, '192.0.2.67', newIdentity());
    clock.advance(limited.retryAfterMs as number);
    expect((await from(srv.url, '192.0.2.66', me)).ready?.type).toBe('ready');
    expect(await metric(srv.httpUrl, /^sm_auth_failures_total\{code="AUTH_BAD_SIGNATURE"\} (\d+)$/m)).toBe(2);
    expect(await metric(srv.httpUrl, /^sm_auth_failures_total\{code="AUTH_RATE_LIMITED"\} (\d+)$/m)).toBe(2);
  });
});

describe('never a silent drop', () => {
  it('a frame shed because too many wait in the inbox is answered RATE_LIMITED with its id as ref', async () => {
    // A store that answers only when the test says so keeps every frame waiting in the inbox.
    const store = new MemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const realAppend = store.append.bind(store);
    store.append = async (...args) => {
      await gate;
      return realAppend(...args);
    };
    const srv = await start(only({}), { store });
    const bob = newIdentity();
    const alice = newIdentity();
    const a = await from(srv.url, '198.51.100.90', alice, { grants: [grant(bob, alice)] });
    const ids: string[] = [];
    for (let i = 0; i < 1030; i++) ids.push(a.sendEnvelope(bob.sessionId, 'AAAA'));
    // The first is in the handler, 1024 wait; everything after that is shed, each with its ref.
    const shed = ids.slice(1025);
    for (const id of shed) expect(await a.errorFor(id)).toMatchObject({ code: 'RATE_LIMITED', ref: id, retryAfterMs: 1000 });
    release();
    for (const id of ids.slice(0, 1025)) expect((await a.next((f) => f.type === 'sent' && f.id === id)).id).toBe(id);
    expect(a.queued('error')).toEqual([]);
  });

  it('TOO_MANY_DEVICES is told before the close, and is retryable like SERVER_FULL', async () => {
    const srv = await start(only({ maxDevicesPerId: 1 }));
    const me = newIdentity();
    await from(srv.url, '198.51.100.91', me);
    const second = track(await RawClient.connect(srv.url));
    second.send(
      createAuthFrame({ identity: me, deviceId: randomId(), nonce: second.hello!.nonce, epoch: second.hello!.epoch, url: srv.url }),
    );
    expect((await second.next('error')).code).toBe('TOO_MANY_DEVICES');
    expect((await second.closed()).code).toBe(ERRORS.TOO_MANY_DEVICES.close);
    expect(ERRORS.TOO_MANY_DEVICES.retryable).toBe(true);
    expect(ERRORS.SERVER_FULL.retryable).toBe(true);
  });
});
