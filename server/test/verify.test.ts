// The native (OpenSSL) verifier must decide exactly as protocol's strict noble verifier on every
// input that matters: valid signatures, tampering, malleated S, and keys OpenSSL alone would accept.
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { nobleVerify } from '../../protocol/index.ts';
import { nativeVerify, nativeVerifyOnce } from '../src/auth/verify.ts';
import { signatureCases } from './helpers/ed25519Cases.ts';

describe('nativeVerify', () => {
  for (const [name, s, m, k] of signatureCases()) {
    it(`agrees with noble strict: ${name}`, () => {
      const expected = name === 'valid';
      expect(nobleVerify(s, m, k)).toBe(expected);
      expect(nativeVerify(s, m, k)).toBe(expected);
      expect(nativeVerifyOnce(s, m, k)).toBe(expected);
    });
  }

  it('agrees on many random valid and corrupted signatures', () => {
    for (let i = 0; i < 50; i++) {
      const k = ed25519.utils.randomSecretKey();
      const p = ed25519.getPublicKey(k);
      const m = ed25519.utils.randomSecretKey();
      const s = ed25519.sign(m, k);
      expect(nativeVerify(s, m, p)).toBe(true);
      expect(nativeVerifyOnce(s, m, p)).toBe(true);
      const bad = s.slice();
      bad[i % 64]! ^= 1 << (i % 8);
      expect(nativeVerify(bad, m, p)).toBe(nobleVerify(bad, m, p));
      expect(nativeVerifyOnce(bad, m, p)).toBe(nobleVerify(bad, m, p));
    }
  });
});
