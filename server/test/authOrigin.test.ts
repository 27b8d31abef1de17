// Auth v2 (issue 11, finding 1): a signature is bound to the server origin the client dialled, the
// hello epoch and every field of the frame. A man in the middle, or another deployment relaying this
// server's nonce, gets a signature that logs in nowhere; a frame with any field changed is refused.
// Run against the memory store and a real Redis.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authFieldsHash, bytesToHex, ERRORS, randomId, toBase64, type ClientFrames } from '../../protocol/index.ts';
import { CutProxy } from './helpers/proxy.ts';
import { grant, newIdentity, RawClient, revocation } from './helpers/rawClient.ts';
import { expectHonestPairWorks, start, track } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const STORES = await storesUnderTest('the Redis runs of the auth v2 tests');

async function connect(url: string): Promise<RawClient> {
  return track(await RawClient.connect(url));
}

async function refusal(c: RawClient): Promise<{ code: string; close: number }> {
  const err = await c.next('error');
  return { code: err.code, close: (await c.closed()).code };
}

describe.each(STORES)('auth v2 on the $name store', ({ config }) => {
  it('a login through a man in the middle is refused, and the mailbox stays untouched', async () => {
    const srv = await start(config());
    const victim = newIdentity();
    const friend = newIdentity();
    // Something waits for the victim: an attacker logged in as her would ack it away.
    const f = track(await RawClient.connect(srv.url));
    await f.auth(friend, { grants: [grant(victim, friend)] });
    const waiting = f.sendEnvelope(victim.sessionId);
    await f.next('sent');

    // The victim dials what she believes is a relay; it forwards bytes to the real server (the
    // nonce and epoch she signs are the real server's), but she signs the origin she dialled.
    const mitm = await CutProxy.start(srv.port);
    try {
      const c = await connect(mitm.url);
      c.send(c.authFrame(victim));
      expect(await refusal(c)).toEqual({ code: 'AUTH_ORIGIN_MISMATCH', close: ERRORS.AUTH_ORIGIN_MISMATCH.close });
    } finally {
      await mitm.close();
    }
    const honest = track(await RawClient.connect(srv.url));
    await honest.auth(victim);
    expect((await honest.next('envelope')).id).toBe(waiting);
  });

  it('a signature made for another deployment logs in at neither, whatever the relay rewrites', async () => {
    const real = await start(config());
    const evil = await start(config());
    const victim = newIdentity();
    // The evil deployment opens a socket to the real one and shows the victim the real nonce and
    // epoch as if they were its own; the victim signs for the origin she dialled: the evil one.
    const toReal = await connect(real.url);
    const atEvil = await connect(evil.url);
    const stolen = toReal.authFrame(victim, { url: evil.url });
    expect(stolen.origin).toBe(new URL(evil.url).origin);

    toReal.send(stolen);
    expect(await refusal(toReal)).toMatchObject({ code: 'AUTH_ORIGIN_MISMATCH' });
    // Rewriting the origin to the real server's breaks the signature.
    const again = await connect(real.url);
    const relayed = again.authFrame(victim, { url: evil.url });
    again.send({ ...relayed, origin: new URL(real.url).origin });
    expect(await refusal(again)).toEqual({ code: 'AUTH_BAD_SIGNATURE', close: ERRORS.AUTH_BAD_SIGNATURE.close });
    // And at the evil deployment itself the relayed nonce is not its own.
    atEvil.send(relayed);
    expect(await refusal(atEvil)).toMatchObject({ code: 'AUTH_NONCE_REPLAYED' });
    await expectHonestPairWorks(real);
  });
});

type AuthFrame = ClientFrames['auth'];
type Mutation = (f: AuthFrame) => AuthFrame;

/** One schema-valid change per field of the frame; each must cost the login. */
const MUTATIONS: Record<string, Mutation> = {
  origin: (f) => ({ ...f, origin: f.origin.replace('127.0.0.1', 'localhost') }),
  deviceId: (f) => ({ ...f, deviceId: randomId() }),
  sessionId: (f) => ({ ...f, sessionId: newIdentity().sessionId }),
  edPublicKey: (f) => ({ ...f, edPublicKey: toBase64(newIdentity().edPublicKey) }),
  nonce: (f) => ({ ...f, nonce: toBase64(new Uint8Array(32)) }),
  grantsAdded: (f) => ({ ...f, grants: [...f.grants, grant(newIdentity(), f.sessionId)] }),
  grantsDropped: (f) => ({ ...f, grants: f.grants.slice(1) }),
  revocationsDropped: (f) => ({ ...f, revocations: [] }),
  resumeChanged: (f) => ({ ...f, resume: { epoch: f.resume!.epoch, offset: f.resume!.offset + 1 } }),
  resumeDropped: (f) => {
    const { resume: _, ...rest } = f;
    return rest;
  },
  hidePresenceFlipped: (f) => ({ ...f, hidePresence: !f.hidePresence }),
  hidePresenceDropped: (f) => {
    const { hidePresence: _, ...rest } = f;
    return rest;
  },
};

describe('auth v2: any single field changed is refused', () => {
  it('property: for each field, a changed frame does not log in; the unchanged one does', { timeout: 120_000 }, async () => {
    // localhost and 127.0.0.1 are both this server's origins, so the origin change is only refused
    // because the signature covers it.
    const srv = await start();
    const me = newIdentity();
    const friend = newIdentity();
    const blocked = newIdentity();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(MUTATIONS)), async (field) => {
        const c = await connect(srv.url);
        const frame = c.authFrame(me, {
          grants: [grant(friend, me), grant(newIdentity(), me)],
          revocations: [revocation(me, blocked)],
          resume: { epoch: c.hello!.epoch, offset: 0 },
          hidePresence: true,
        });
        c.send(MUTATIONS[field]!(frame));
        const r = await c.next((x) => x.type === 'error' || x.type === 'ready');
        expect(r.type, field).toBe('error');
        expect(['AUTH_BAD_SIGNATURE', 'AUTH_KEY_MISMATCH', 'AUTH_NONCE_REPLAYED'], field).toContain(r.code);
        c.ws.terminate();
      }),
      { numRuns: Object.keys(MUTATIONS).length * 2 },
    );
    const ok = await connect(srv.url);
    const frame = ok.authFrame(me, { grants: [grant(friend, me)], revocations: [revocation(me, blocked)], hidePresence: true });
    ok.send(frame);
    expect((await ok.next((x) => x.type === 'error' || x.type === 'ready')).type).toBe('ready');
  });

  it('covers a field added later without naming it: the hash is over every field but the signed ones', () => {
    const frame = {
      type: 'auth',
      sessionId: newIdentity().sessionId,
      edPublicKey: toBase64(new Uint8Array(32)),
      deviceId: randomId(),
      nonce: toBase64(new Uint8Array(32)),
      origin: 'ws://a',
      signature: '',
      grants: [],
      revocations: [],
    } as AuthFrame;
    const base = bytesToHex(authFieldsHash(frame));
    expect(bytesToHex(authFieldsHash({ ...frame, future: 1 } as AuthFrame))).not.toBe(base);
    // Key order and the signature do not matter; the fields signed directly are not hashed twice.
    const reordered = Object.fromEntries(Object.entries(frame).reverse()) as AuthFrame;
    expect(bytesToHex(authFieldsHash({ ...reordered, signature: 'x' }))).toBe(base);
  });
});
