// Connection lifecycle and hostile authentication: every refusal has its code and close code, and
// after each attack an honest pair still talks and /health stays 200.
import { describe, expect, it } from 'vitest';
import { createAuthFrame, ERRORS, identityFromEntropy, PROTOCOL_VERSION, randomId, toBase64 } from '../../protocol/index.ts';
import { verifyPool } from '../src/auth/verify.ts';
import { grant, newIdentity, RawClient, revocation } from './helpers/rawClient.ts';
import { expectHonestPairWorks, start, track } from './helpers/server.ts';

async function connect(url: string): Promise<RawClient> {
  return track(await RawClient.connect(url));
}

/** The error frame and close code a refused socket gets. */
async function refusal(c: RawClient): Promise<{ code: string; close: number; reason: string }> {
  const err = await c.next('error');
  const closed = await c.closed();
  return { code: err.code, close: closed.code, reason: closed.reason };
}

describe('handshake', () => {
  it('sends hello with a fresh 32-byte nonce, epoch, time, heartbeat and limits', async () => {
    const srv = await start({ heartbeatMs: 20_000, maxFrameBytes: 8192 });
    const a = await connect(srv.url);
    const b = await connect(srv.url);
    const h = a.hello!;
    expect(h.v).toBe(PROTOCOL_VERSION);
    expect(Buffer.from(h.nonce, 'base64')).toHaveLength(32);
    expect(h.nonce).not.toBe(b.hello!.nonce);
    expect(h.epoch).toBe(srv.store.epoch);
    expect(Math.abs(h.serverTime - Date.now())).toBeLessThan(60_000);
    expect(h.heartbeatMs).toBe(20_000);
    expect(h.limits).toMatchObject({ maxFrameBytes: 8192, maxGrants: 1000, mailboxMaxEntries: 10_000, maxPresenceSubs: 1000 });
    expect(h.limits.maxCtBytes).toBeLessThan(8192);
    expect(h.limits.maxCtBytes).toBeGreaterThan(4096);
  });

  it('authenticates: ready names the identity, device, epoch, head 0, not resumed', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    const ready = await c.auth(me);
    expect(ready).toEqual({
      type: 'ready',
      sessionId: me.sessionId,
      deviceId: c.deviceId,
      epoch: srv.store.epoch,
      head: 0,
      resumed: false,
      grantsRejected: [],
    });
  });

  it('lists rejected grants and revocations in ready and proceeds', async () => {
    const srv = await start();
    const me = newIdentity();
    const friend = newIdentity();
    const forged = { ...grant(friend, me), sig: toBase64(new Uint8Array(64)) };
    const forMe = grant(friend, me);
    const notForMe = grant(friend, newIdentity());
    const expired = grant(friend, me, Date.now() - 10_000, 1000);
    const foreignBlock = revocation(friend, me);
    const c = await connect(srv.url);
    const ready = await c.auth(me, { grants: [forMe, forged, notForMe, expired], revocations: [foreignBlock] });
    expect(ready.grantsRejected).toEqual([
      { from: friend.sessionId, code: 'GRANT_INVALID' },
      { from: friend.sessionId, code: 'GRANT_INVALID' },
      { from: friend.sessionId, code: 'GRANT_INVALID' },
      { from: friend.sessionId, code: 'GRANT_EXPIRED' },
    ]);
    // The valid grant was kept: sending to friend works.
    const id = c.sendEnvelope(friend.sessionId);
    expect((await c.next('sent')).id).toBe(id);
  });

  it('re-checks a known grant whose fields were altered (the authenticity cache keys on every field)', async () => {
    const srv = await start();
    const me = newIdentity();
    const friend = newIdentity();
    const g = grant(friend, me, Date.now(), 60_000);
    const first = await connect(srv.url);
    expect((await first.auth(me, { grants: [g] })).grantsRejected).toEqual([]);
    const second = await connect(srv.url);
    const stretched = { ...g, exp: g.exp + 365 * 86_400_000 };
    const backdated = { ...g, iat: g.iat - 1 };
    const ready = await second.auth(me, { grants: [stretched, backdated, g] });
    expect(ready.grantsRejected).toEqual([
      { from: friend.sessionId, code: 'GRANT_INVALID' },
      { from: friend.sessionId, code: 'GRANT_INVALID' },
    ]);
  });

  it('answers ping with pong and a second auth with ALREADY_AUTHENTICATED, staying open', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    await c.auth(me);
    c.send({ type: 'ping', t: 42 });
    const pong = await c.next('pong');
    expect(pong.t).toBe(42);
    expect(typeof pong.serverTime).toBe('number');
    c.send(c.authFrame(me));
    expect((await c.next('error')).code).toBe('ALREADY_AUTHENTICATED');
    await c.barrier();
    expect(c.isClosed).toBe(false);
  });

  it('handles frames pipelined right behind auth, in order', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    c.identity = me;
    c.send(c.authFrame(me));
    const id = c.sendEnvelope(me.sessionId);
    c.send({ type: 'ping', t: 1 });
    expect((await c.next('ready')).sessionId).toBe(me.sessionId);
    expect((await c.next('sent')).id).toBe(id);
    await c.next('pong');
    expect(c.received.map((f) => f.type).filter((t) => t !== 'hello')).toEqual(['ready', 'sent', 'pong']);
  });
});

describe('hostile authentication', () => {
  it("someone else's Session ID with my key → AUTH_KEY_MISMATCH 4402", async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    const victim = newIdentity();
    // My key signs, the frame claims the victim's ID.
    const frame = createAuthFrame({
      identity: { ...me, sessionId: victim.sessionId },
      deviceId: randomId(),
      nonce: c.hello!.nonce,
      epoch: c.hello!.epoch,
      url: srv.url,
    });
    c.send(frame);
    expect(await refusal(c)).toEqual({ code: 'AUTH_KEY_MISMATCH', close: 4402, reason: 'AUTH_KEY_MISMATCH' });
    await expectHonestPairWorks(srv);
  });

  it('wrong signature → AUTH_BAD_SIGNATURE 4406', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    const frame = c.authFrame(me);
    const sig = Buffer.from(frame.signature, 'base64');
    sig[10]! ^= 0xff;
    c.send({ ...frame, signature: sig.toString('base64') });
    expect(await refusal(c)).toMatchObject({ code: 'AUTH_BAD_SIGNATURE', close: 4406 });
    await expectHonestPairWorks(srv);
  });

  it("a forged frame's grants are never verified: its grants wait for its own signature", async () => {
    // The grants are staged as the worker's records while the frame is parsed (handlers/auth.ts),
    // before its signature is known: a stranger's forged frame must still cost one verify, not 1 + n.
    const srv = await start();
    const me = newIdentity();
    const grants = [newIdentity(), newIdentity(), newIdentity()].map((f) => grant(f, me));
    const c = await connect(srv.url);
    const frame = c.authFrame(me, { grants });
    const sig = Buffer.from(frame.signature, 'base64');
    sig[10]! ^= 0xff;
    const before = verifyPool()!.verifications;
    c.send({ ...frame, signature: sig.toString('base64') });
    expect(await refusal(c)).toMatchObject({ code: 'AUTH_BAD_SIGNATURE', close: 4406 });
    expect(verifyPool()!.verifications - before).toBe(1);
    // The same grants with a genuine signature are verified: the count above can see them.
    const honest = await connect(srv.url);
    const counted = verifyPool()!.verifications;
    expect((await honest.auth(me, { grants })).grantsRejected).toEqual([]);
    expect(verifyPool()!.verifications - counted).toBe(1 + grants.length);
  });

  it('a signature for another device id → AUTH_BAD_SIGNATURE 4406', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const me = newIdentity();
    c.send({ ...c.authFrame(me), deviceId: randomId() });
    expect(await refusal(c)).toMatchObject({ code: 'AUTH_BAD_SIGNATURE', close: 4406 });
  });

  it('an auth frame replayed from another connection → AUTH_NONCE_REPLAYED 4407', async () => {
    const srv = await start();
    const me = newIdentity();
    const first = await connect(srv.url);
    const captured = first.authFrame(me);
    first.send(captured);
    await first.next('ready');
    const attacker = await connect(srv.url);
    attacker.send(captured);
    expect(await refusal(attacker)).toMatchObject({ code: 'AUTH_NONCE_REPLAYED', close: 4407 });
    await expectHonestPairWorks(srv);
  });

  it('the degenerate all-zero identity cannot log in with the trivial signature', async () => {
    const srv = await start();
    const c = await connect(srv.url);
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const sig = new Uint8Array(64);
    sig[0] = 1;
    const sid = '05' + '00'.repeat(32);
    c.send({
      type: 'auth',
      sessionId: sid,
      edPublicKey: toBase64(identityPoint),
      deviceId: randomId(),
      nonce: c.hello!.nonce,
      origin: new URL(srv.url).origin,
      signature: toBase64(sig),
      grants: [],
      revocations: [],
    });
    const r = await refusal(c);
    expect(['AUTH_KEY_MISMATCH', 'AUTH_BAD_SIGNATURE']).toContain(r.code);
  });

  it('any frame before auth → AUTH_REQUIRED 4401', async () => {
    const srv = await start();
    for (const frame of [
      { type: 'ping' },
      { type: 'send', id: randomId(), to: newIdentity().sessionId, ct: 'AAAA' },
      { type: 'nonsense' },
    ]) {
      const c = await connect(srv.url);
      c.send(frame);
      expect(await refusal(c)).toMatchObject({ code: 'AUTH_REQUIRED', close: 4401 });
    }
    await expectHonestPairWorks(srv);
  });

  it('before auth every error is fatal with its own close code', async () => {
    const srv = await start();
    const bad = await connect(srv.url);
    bad.sendRaw('{not json');
    expect(await refusal(bad)).toMatchObject({ code: 'BAD_JSON', close: 4400 });
    const bin = await connect(srv.url);
    bin.sendRaw(Buffer.from([1, 2, 3]), true);
    expect(await refusal(bin)).toMatchObject({ code: 'BINARY_UNSUPPORTED', close: 4415 });
    const malformed = await connect(srv.url);
    malformed.send({ type: 'auth', sessionId: newIdentity().sessionId });
    expect(await refusal(malformed)).toMatchObject({ code: 'BAD_FRAME', close: 4422 });
    const badId = await connect(srv.url);
    badId.send({ ...badId.authFrame(newIdentity()), sessionId: '05' + 'AB'.repeat(32) });
    expect(await refusal(badId)).toMatchObject({ code: 'INVALID_SESSION_ID', close: 4410 });
  });

  it('no auth within AUTH_TIMEOUT → AUTH_TIMEOUT 4408', async () => {
    const srv = await start({ authTimeoutMs: 200 });
    const c = await connect(srv.url);
    expect(await refusal(c)).toEqual({ code: 'AUTH_TIMEOUT', close: 4408, reason: 'AUTH_TIMEOUT' });
    await expectHonestPairWorks(srv);
  });

  it('more sockets than MAX_CONNECTIONS → SERVER_FULL 4503', async () => {
    const srv = await start({ maxConnections: 2 });
    await connect(srv.url);
    await connect(srv.url);
    const ws = await import('ws');
    const third = new ws.WebSocket(srv.url);
    const got: string[] = [];
    third.on('message', (d) => got.push(d.toString()));
    const close = await new Promise<number>((resolve) => third.on('close', (code) => resolve(code)));
    expect(close).toBe(ERRORS.SERVER_FULL.close);
    expect(JSON.parse(got[0]!)).toMatchObject({ type: 'error', code: 'SERVER_FULL' });
  });

  it('more devices than MAX_DEVICES_PER_ID → TOO_MANY_DEVICES 4504', async () => {
    const srv = await start({ maxDevicesPerId: 2 });
    const me = newIdentity();
    for (let i = 0; i < 2; i++) await (await connect(srv.url)).auth(me);
    const third = await connect(srv.url);
    third.identity = me;
    third.send(third.authFrame(me));
    expect(await refusal(third)).toMatchObject({ code: 'TOO_MANY_DEVICES', close: 4504 });
    await expectHonestPairWorks(srv);
  });

  it('more grants than MAX_GRANTS in auth → TOO_MANY_GRANTS', async () => {
    const srv = await start({ maxGrants: 2 });
    const me = newIdentity();
    const friend = newIdentity();
    const c = await connect(srv.url);
    c.send(c.authFrame(me, { grants: [grant(friend, me), grant(friend, me), grant(friend, me)] }));
    expect(await refusal(c)).toMatchObject({ code: 'TOO_MANY_GRANTS', close: 4435 });
  });

  it('the same identity restored from its entropy may connect from another device', async () => {
    const srv = await start();
    const me = newIdentity();
    const again = identityFromEntropy(me.entropy);
    const a = await connect(srv.url);
    await a.auth(me);
    const b = await connect(srv.url);
    expect((await b.auth(again)).sessionId).toBe(me.sessionId);
  });
});

describe('frames after auth', () => {
  async function authed(config = {}) {
    const srv = await start(config);
    const c = await connect(srv.url);
    await c.auth(newIdentity());
    return { srv, c };
  }

  it('answers bad frames with their codes and stays open', async () => {
    const { srv, c } = await authed();
    c.sendRaw('{"type":');
    expect((await c.next('error')).code).toBe('BAD_JSON');
    c.send({ type: 'teleport', id: randomId() });
    expect((await c.next('error')).code).toBe('UNKNOWN_TYPE');
    c.sendRaw(Buffer.from('{"type":"ping"}'), true);
    expect((await c.next('error')).code).toBe('BINARY_UNSUPPORTED');
    const id = randomId();
    c.send({ type: 'send', id, to: newIdentity().sessionId, ct: 'AAAA', extra: 1 });
    expect(await c.next('error')).toMatchObject({ code: 'BAD_FRAME', ref: id });
    const id2 = randomId();
    c.send({ type: 'send', id: id2, to: '05' + 'zz'.repeat(32), ct: 'AAAA' });
    expect(await c.next('error')).toMatchObject({ code: 'INVALID_SESSION_ID', ref: id2 });
    const id3 = randomId();
    c.send({ type: 'send', id: id3, to: newIdentity().sessionId, ct: 'not base64!' });
    expect(await c.next('error')).toMatchObject({ code: 'BAD_FRAME', ref: id3 });
    await c.barrier();
    expect(c.isClosed).toBe(false);
    await expectHonestPairWorks(srv);
  });

  it('a frame over MAX_FRAME_BYTES → FRAME_TOO_LARGE 4413', async () => {
    const { srv, c } = await authed({ maxFrameBytes: 4096 });
    c.send({ type: 'send', id: randomId(), to: c.sessionId, ct: Buffer.alloc(4000).toString('base64') });
    expect(await refusal(c)).toMatchObject({ code: 'FRAME_TOO_LARGE', close: 4413 });
    await expectHonestPairWorks(srv);
  });

  it('a frame over twice MAX_FRAME_BYTES is cut off by uWS before it is read', async () => {
    const { srv, c } = await authed({ maxFrameBytes: 4096 });
    c.sendRaw('x'.repeat(9000));
    // This uWS build drops the TCP connection (1006) rather than sending close 1009.
    expect([1006, 1009]).toContain((await c.closed()).code);
    expect(c.received.filter((f) => f.type === 'error')).toEqual([]);
    await expectHonestPairWorks(srv);
  });

  it('ten protocol errors → TOO_MANY_ERRORS 4420', async () => {
    const { srv, c } = await authed();
    for (let i = 0; i < 10; i++) c.sendRaw('nope');
    const closed = await c.closed();
    expect(closed.code).toBe(4420);
    expect(c.received.filter((f) => f.type === 'error').map((f) => f.code)).toEqual([...Array(10).fill('BAD_JSON'), 'TOO_MANY_ERRORS']);
    await expectHonestPairWorks(srv);
  });

  it('refusals a correct client can meet (NO_GRANT) do not count towards TOO_MANY_ERRORS', async () => {
    const { c } = await authed();
    const stranger = newIdentity().sessionId;
    for (let i = 0; i < 15; i++) c.sendEnvelope(stranger);
    for (let i = 0; i < 15; i++) expect((await c.next('error')).code).toBe('NO_GRANT');
    await c.barrier();
    expect(c.isClosed).toBe(false);
  });
});
