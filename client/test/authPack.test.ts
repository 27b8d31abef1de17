// Grant overflow: an auth frame holds what fits in hello.limits.maxFrameBytes (blocks first); the
// rest follows ready as revoke and grants frames, before anything that needs them.
import { describe, expect, it } from 'vitest';
import {
  createAuthFrame,
  createGrant,
  createRevocation,
  encodeFrame,
  identityFromEntropy,
  randomBytes,
  randomId,
  toBase64,
  type Grant,
  type Revocation,
  type SessionId,
} from '../../protocol/index.ts';
import { FRAME_MARGIN_BYTES, packAuth } from '../authPack.ts';
import { MemoryStorage } from '../index.ts';
import { harness, peer } from './fakes.ts';

const me = identityFromEntropy(new Uint8Array(16).fill(7));
const grantor = peer();
const NOW = 1_700_000_000_000;

/** n grants to me, all signed by one granter (only the bytes matter here), newest expiry first. */
function grants(n: number): Grant[] {
  return Array.from({ length: n }, (_, i) => createGrant(grantor, me.sessionId, NOW - i * 1000));
}
function revocations(n: number): Revocation[] {
  return Array.from({ length: n }, () => createRevocation(me, peer().sessionId, NOW));
}
function full(g: Grant[], r: Revocation[]) {
  return createAuthFrame({
    identity: me,
    deviceId: randomId(),
    nonce: toBase64(randomBytes(32)),
    epoch: 'e1',
    url: 'ws://127.0.0.1:1/ws',
    grants: g,
    revocations: r,
    resume: { epoch: 'e1', offset: 12 },
  });
}

describe('packAuth', () => {
  it('leaves a frame that fits alone', () => {
    const f = full(grants(3), revocations(2));
    expect(packAuth(f, { maxFrameBytes: 65536, maxGrants: 1000 })).toEqual({ auth: f, after: [] });
  });

  it('fills auth up to the limit with a margin, and sends the rest in grants frames that fit too', () => {
    const g = grants(500);
    const { auth, after } = packAuth(full(g, []), { maxFrameBytes: 65536, maxGrants: 1000 });
    expect(encodeFrame(auth).length).toBeLessThanOrEqual(65536 - FRAME_MARGIN_BYTES);
    expect(auth.grants.length).toBeGreaterThan(150);
    expect(auth.grants.length).toBeLessThan(200);
    for (const f of after) expect(encodeFrame(f).length).toBeLessThanOrEqual(65536 - FRAME_MARGIN_BYTES);
    expect(after.every((f) => f.type === 'grants')).toBe(true);
    // Nothing lost, nothing twice, order kept (newest expiry first).
    expect([...auth.grants, ...after.flatMap((f) => (f.type === 'grants' ? f.grants : []))]).toEqual(g);
  });

  it('puts every block in auth before any grant, and blocks that do not fit go first after ready', () => {
    const r = revocations(300);
    const g = grants(50);
    const { auth, after } = packAuth(full(g, r), { maxFrameBytes: 65536, maxGrants: 1000 });
    expect(auth.grants).toEqual([]);
    expect(auth.revocations.length).toBeGreaterThan(150);
    const types = after.map((f) => f.type);
    expect(types.lastIndexOf('revoke')).toBeLessThan(types.indexOf('grants'));
    expect([...auth.revocations, ...after.flatMap((f) => (f.type === 'revoke' ? [f.revocation] : []))]).toEqual(r);
    expect(after.flatMap((f) => (f.type === 'grants' ? f.grants : []))).toEqual(g);
  });

  it('sends no more than maxGrants grants in all, and no grants frame holds more', () => {
    const { auth, after } = packAuth(full(grants(40), []), { maxFrameBytes: 4096, maxGrants: 25 });
    const later = after.flatMap((f) => (f.type === 'grants' ? f.grants : []));
    expect(auth.grants.length + later.length).toBe(25);
    for (const f of after) expect(encodeFrame(f).length).toBeLessThanOrEqual(4096 - FRAME_MARGIN_BYTES);
  });
});

describe('connect with more grants than an auth frame holds', () => {
  it('sends revoke and grants frames right after ready, before presence_sub and sends', async () => {
    const storage = new MemoryStorage();
    const h0 = await harness({ storage });
    const mine = identityFromEntropy((await storage.getIdentity())!.entropy);
    const now = h0.timers.now;
    const contacts = Array.from({ length: 400 }, () => peer());
    for (const [i, p] of contacts.entries()) {
      await storage.putContact({
        sessionId: p.sessionId,
        state: 'accepted',
        heldGrant: createGrant(p, mine.sessionId, now - i),
        createdAt: now,
        updatedAt: now,
      });
    }
    for (let i = 0; i < 240; i++) {
      const blocked = peer();
      await storage.putContact({
        sessionId: blocked.sessionId,
        state: 'blocked',
        revocation: createRevocation(mine, blocked.sessionId as SessionId, now),
        createdAt: now,
        updatedAt: now,
      });
    }
    const first = contacts[0]!.sessionId;
    await h0.c.sendMessage({ recipientId: first, content: 'queued before connect' });
    const { s, auth } = await h0.connect();
    expect(encodeFrame(auth).length).toBeLessThanOrEqual(65536);
    expect(auth.revocations.length).toBeGreaterThan(150);
    const after = s.sent.slice(s.sent.indexOf(auth) + 1);
    const kinds = after.map((f) => f.type);
    const lastGrants = kinds.lastIndexOf('grants');
    expect(kinds.indexOf('revoke')).toBe(0);
    expect(kinds.lastIndexOf('revoke')).toBeLessThan(kinds.indexOf('grants'));
    expect(lastGrants).toBeLessThan(kinds.indexOf('presence_sub'));
    expect(lastGrants).toBeLessThan(kinds.indexOf('send'));
    const presented = [...auth.grants, ...s.frames('grants').flatMap((f) => f.grants)];
    expect(new Set(presented.map((g) => g.from))).toEqual(new Set(contacts.map((c) => c.sessionId)));
    expect(auth.revocations.length + s.frames('revoke').length).toBe(240);
    for (const f of after) expect(encodeFrame(f).length).toBeLessThanOrEqual(65536);
  });
});
