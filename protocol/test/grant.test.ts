import { describe, expect, it } from 'vitest';
import {
  checkGrant,
  checkRevocation,
  createGrant,
  createIdentity,
  hexToBytes,
  identityFromEntropy,
  isRevokedBy,
  type Grant,
} from '../index.ts';
import vectors from './vectors/vectors.json' with { type: 'json' };

const alice = identityFromEntropy(hexToBytes(vectors.box.senderEntropy));
const bob = identityFromEntropy(hexToBytes(vectors.box.recipientEntropy));
const carol = identityFromEntropy(hexToBytes(vectors.box.otherEntropy));
const g = vectors.grant;

describe('grants', () => {
  it('accepts the pinned grant for its holder before expiry', () => {
    expect(g.grant.from).toBe(alice.sessionId);
    expect(checkGrant(g.grant, bob.sessionId, g.now)).toBeNull();
    expect(checkRevocation(g.revocation)).toBeNull();
  });

  it.each(g.reject)('rejects: $name → $code', (r) => {
    const holder = 'holder' in r && r.holder ? r.holder : bob.sessionId;
    const now = 'now' in r && r.now ? r.now : g.now;
    expect(checkGrant(r.grant as Grant, holder, now)).toBe(r.code);
  });

  it('rejects a grant to oneself and a non-positive lifetime', () => {
    const self = createGrant(alice, alice.sessionId, 1000);
    expect(checkGrant(self, alice.sessionId, 1001)).toBe('GRANT_INVALID');
    expect(checkGrant({ ...createGrant(alice, bob.sessionId, 5000), exp: 5000 }, bob.sessionId, 1)).toBe('GRANT_INVALID');
  });

  it('rejects a revocation that its claimed granter did not sign', () => {
    const forged = { ...g.revocation, from: carol.sessionId };
    expect(checkRevocation(forged)).toBe('GRANT_INVALID');
    expect(checkRevocation({ ...g.revocation, iat: g.revocation.iat + 1 })).toBe('GRANT_INVALID');
  });

  it('a revocation voids grants issued up to it, not grants issued after (unblock)', () => {
    expect(isRevokedBy(g.grant, g.revocation.iat)).toBe(true);
    expect(isRevokedBy({ iat: g.revocation.iat + 1 }, g.revocation.iat)).toBe(false);
    expect(isRevokedBy(g.grant, undefined)).toBe(false);
  });

  it('fresh grants verify for random identities', () => {
    const x = createIdentity();
    const y = createIdentity();
    const gr = createGrant(x, y.sessionId, Date.now());
    expect(checkGrant(gr, y.sessionId, Date.now())).toBeNull();
    expect(checkGrant(gr, x.sessionId, Date.now())).toBe('GRANT_INVALID');
  });
});
