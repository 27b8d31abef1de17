// Ed25519 inputs every verifier test holds its verifier to (nativeVerify, the verify pool, the
// strict key test): the field and group orders, little-endian scalars, and the key classes where a
// lenient verifier (OpenSSL alone) would decide differently from protocol's strict noble verifier.
import { ed25519 } from '@noble/curves/ed25519.js';

/** The field prime and the order of the prime-order subgroup. */
export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export function le(n: bigint, len = 32): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}

export function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** [name, signature, message, public key]: only 'valid' verifies. */
export type SignatureCase = [string, Uint8Array, Uint8Array, Uint8Array];

/** A fresh key each call; the small-order keys are paired with the trivial signature (R = identity, S = 0). */
export function signatureCases(): SignatureCase[] {
  const sk = ed25519.utils.randomSecretKey();
  const pk = ed25519.getPublicKey(sk);
  const msg = new TextEncoder().encode('session-messenger/auth/v1\0 test message');
  const sig = ed25519.sign(msg, sk);
  const identity = le(1n);
  const trivial = new Uint8Array(64);
  trivial.set(identity, 0);
  const malleated = sig.slice();
  malleated.set(le(fromLe(sig.slice(32)) + L), 32);
  const zeroWithSign = le(0n);
  zeroWithSign[31] = 0x80;
  return [
    ['valid', sig, msg, pk],
    ['tampered message', sig, new TextEncoder().encode('session-messenger/auth/v1\0 test messagf'), pk],
    ['tampered R', Uint8Array.from(sig, (b, i) => (i === 3 ? b ^ 1 : b)), msg, pk],
    ['tampered S', Uint8Array.from(sig, (b, i) => (i === 40 ? b ^ 1 : b)), msg, pk],
    ['S + L (malleated)', malleated, msg, pk],
    ['all-zero signature', new Uint8Array(64), msg, pk],
    ['other key', sig, msg, ed25519.getPublicKey(ed25519.utils.randomSecretKey())],
    ['identity public key with the trivial signature', trivial, msg, identity],
    ['non-canonical identity key (y = p + 1)', trivial, msg, le(P + 1n)],
    ['non-canonical y = p', trivial, msg, le(P)],
    ['order-2 key (y = p − 1)', trivial, msg, le(P - 1n)],
    ['y = 0 (order 4), sign bit set', trivial, msg, zeroWithSign],
    ['truncated signature', sig.slice(0, 63), msg, pk],
    ['truncated key', sig, msg, pk.slice(0, 31)],
  ];
}
