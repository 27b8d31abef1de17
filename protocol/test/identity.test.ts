import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  createIdentity,
  describeSessionIdProblem,
  edKeyMatchesSessionId,
  hexToBytes,
  identityFromEntropy,
  identityFromPhrase,
  isSessionId,
  isValidPhrase,
  normaliseSessionId,
  parseSessionId,
  parseUserSessionId,
  phraseFromIdentity,
  ProtocolError,
  type SessionId,
} from '../index.ts';
import vectors from './vectors/vectors.json' with { type: 'json' };

describe('identity', () => {
  it.each(vectors.identity.valid)('derives $sessionId from entropy $entropy', (v) => {
    const id = identityFromEntropy(hexToBytes(v.entropy));
    expect(phraseFromIdentity(id)).toBe(v.phrase);
    expect(bytesToHex(id.edPublicKey)).toBe(v.edPublicKey);
    expect(bytesToHex(id.xPublicKey)).toBe(v.xPublicKey);
    expect(id.sessionId).toBe(v.sessionId);
    expect(identityFromPhrase(v.phrase).sessionId).toBe(v.sessionId);
  });

  it('restores the same identity from a phrase with messy spacing and case', () => {
    const v = vectors.identity.valid[1]!;
    expect(identityFromPhrase(`  ${v.phrase.toUpperCase().replaceAll(' ', '   ')}\n`).sessionId).toBe(v.sessionId);
  });

  it.each(vectors.identity.invalidPhrases)('rejects phrase %j', (p) => {
    expect(isValidPhrase(p)).toBe(false);
    expect(() => identityFromPhrase(p)).toThrow(/recovery phrase/);
  });

  it('creates distinct random identities whose keys bind to their IDs', () => {
    const a = createIdentity();
    const b = createIdentity();
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(isSessionId(a.sessionId)).toBe(true);
    expect(edKeyMatchesSessionId(a.edPublicKey, a.sessionId)).toBe(true);
    expect(edKeyMatchesSessionId(a.edPublicKey, b.sessionId)).toBe(false);
    expect(edKeyMatchesSessionId(new Uint8Array(32).fill(255), a.sessionId)).toBe(false);
  });
});

describe('Session ID', () => {
  it.each(vectors.sessionIds.invalid)('rejects %j with INVALID_SESSION_ID', (s) => {
    expect(isSessionId(s)).toBe(false);
    try {
      parseSessionId(s);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe('INVALID_SESSION_ID');
    }
  });

  it('rejects non-strings', () => {
    for (const v of [null, undefined, 5, {}, ['05']]) expect(() => parseSessionId(v)).toThrow(ProtocolError);
  });

  it('forgives surrounding whitespace from a paste', () => {
    const id = createIdentity().sessionId;
    expect(parseSessionId(`  ${id}\n`)).toBe(id);
  });

  it('explains in words what is wrong with a pasted ID', () => {
    const id = createIdentity().sessionId as SessionId;
    expect(describeSessionIdProblem(id)).toBeNull();
    expect(describeSessionIdProblem('')).toMatch(/Enter/);
    expect(describeSessionIdProblem(id.slice(0, 40))).toMatch(/66 characters.*40/);
    expect(describeSessionIdProblem('06' + id.slice(2))).toMatch(/starts with 05/);
    expect(describeSessionIdProblem(id.slice(0, 65) + 'z')).toMatch(/0-9 and a-f/);
    // Upper case and line breaks are how the ID looks when copied from a screen: not a problem.
    expect(describeSessionIdProblem(id.toUpperCase())).toBeNull();
    expect(describeSessionIdProblem(`${id.slice(0, 30)}\n${id.slice(30)}`)).toBeNull();
  });

  it('normalises an ID as a person pastes it: line breaks, spaces, zero-width characters, upper case', () => {
    const id = createIdentity().sessionId;
    const pasted = ` ${id.slice(0, 22).toUpperCase()}\r\n${id.slice(22, 44)} \u200b${id.slice(44)}\u00a0\n`;
    expect(normaliseSessionId(pasted)).toBe(id);
    expect(parseUserSessionId(pasted)).toBe(id);
    // The wire stays strict: only surrounding whitespace is forgiven there.
    expect(() => parseSessionId(pasted)).toThrow(ProtocolError);
    expect(() => parseUserSessionId(`${id}0`)).toThrow(ProtocolError);
  });
});

describe('Ed25519 key ⇄ Session ID binding', () => {
  it('agrees with the decompress-and-convert map of noble for random keys, both signs of x', async () => {
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    for (let i = 0; i < 200; i++) {
      const a = createIdentity();
      const b = createIdentity();
      expect(edKeyMatchesSessionId(a.edPublicKey, a.sessionId)).toBe(true);
      expect(edKeyMatchesSessionId(b.edPublicKey, a.sessionId)).toBe(false);
      // The same y with the other sign of x maps to the same u, as noble's toMontgomery agrees.
      const flipped = a.edPublicKey.slice();
      flipped[31]! ^= 0x80;
      let nobleSays = false;
      try {
        nobleSays = bytesToHex(ed25519.utils.toMontgomery(flipped)) === a.sessionId.slice(2);
      } catch {
        nobleSays = false;
      }
      expect(edKeyMatchesSessionId(flipped, a.sessionId)).toBe(nobleSays);
    }
  });

  it('rejects non-canonical y and u encodings', () => {
    const a = createIdentity();
    const p = 2n ** 255n - 19n;
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
    const y = BigInt('0x' + bytesToHex(a.edPublicKey.slice().reverse())) & ((1n << 255n) - 1n);
    expect(edKeyMatchesSessionId(le(y + p), a.sessionId)).toBe(false);
    const u = BigInt('0x' + bytesToHex(a.xPublicKey.slice().reverse()));
    if (u + p < 2n ** 256n) expect(edKeyMatchesSessionId(a.edPublicKey, ('05' + bytesToHex(le(u + p))) as SessionId)).toBe(false);
    expect(edKeyMatchesSessionId(new Uint8Array(31), a.sessionId)).toBe(false);
  });
});
