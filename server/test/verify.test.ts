// The native (OpenSSL) verifier must decide exactly as protocol's strict noble verifier on every
// input that matters: valid signatures, tampering, malleated S, and keys OpenSSL alone would accept.
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { nobleVerify } from '../../protocol/index.ts';
import { nativeVerify, nativeVerifyOnce } from '../src/auth/verify.ts';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function le(n: bigint, len = 32): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}
function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

describe('nativeVerify', () => {
  const sk = ed25519.utils.randomSecretKey();
  const pk = ed25519.getPublicKey(sk);
  const msg = new TextEncoder().encode('session-messenger/auth/v1\0 test message');
  const sig = ed25519.sign(msg, sk);

  const identity = le(1n);
  const trivialSig = new Uint8Array(64);
  trivialSig.set(identity, 0); // R = identity, S = 0

  const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
    ['valid', sig, msg, pk],
    ['tampered message', sig, new TextEncoder().encode('session-messenger/auth/v1\0 test messagf'), pk],
    ['tampered R', Uint8Array.from(sig, (b, i) => (i === 3 ? b ^ 1 : b)), msg, pk],
    ['tampered S', Uint8Array.from(sig, (b, i) => (i === 40 ? b ^ 1 : b)), msg, pk],
    [
      'S + L (malleated)',
      (() => {
        const s = sig.slice();
        s.set(le(fromLe(sig.slice(32)) + L), 32);
        return s;
      })(),
      msg,
      pk,
    ],
    ['all-zero signature', new Uint8Array(64), msg, pk],
    ['other key', sig, msg, ed25519.getPublicKey(ed25519.utils.randomSecretKey())],
    ['identity public key with the trivial signature', trivialSig, msg, identity],
    ['non-canonical identity key (y = p + 1)', trivialSig, msg, le(P + 1n)],
    ['truncated signature', sig.slice(0, 63), msg, pk],
    ['truncated key', sig, msg, pk.slice(0, 31)],
  ];

  for (const [name, s, m, k] of cases) {
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
