// verify.ts refuses bad public keys by libsodium's byte test (canonical y, not a small-order
// encoding) instead of decompressing the point. These tests hold its decisions to protocol's
// nobleVerify (strict RFC 8032) over every key class where the two tests could differ: valid keys,
// all small-order encodings with both sign bits, every non-canonical y, keys off the curve, and
// random bytes; with real signatures and with forgeries.
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { nobleVerify } from '../../protocol/index.ts';
import { nativeVerify, nativeVerifyOnce, strictKey } from '../src/auth/verify.ts';
import { fromLe, L, le, P } from './helpers/ed25519Cases.ts';

const Point = ed25519.Point;

function withSign(key: Uint8Array, sign: 0 | 1): Uint8Array {
  const k = key.slice();
  k[31] = (k[31]! & 0x7f) | (sign << 7);
  return k;
}
function random(n: number): Uint8Array {
  return ed25519.utils.randomSecretKey().slice(0, n);
}
function onCurve(key: Uint8Array): boolean {
  try {
    Point.fromBytes(key, false);
    return true;
  } catch {
    return false;
  }
}

/** The 8-torsion subgroup, derived from noble rather than copied from libsodium's list. */
function torsionPoints(): InstanceType<typeof Point>[] {
  for (;;) {
    const y = random(32);
    if (!onCurve(y)) continue;
    const q = Point.fromBytes(y); // a random curve point: order L·h for some h dividing 8
    const t = q.multiplyUnsafe(L - 1n).add(q); // L·q: q's torsion component
    if (t.double().double().is0()) continue; // want a generator of order 8
    const all = [Point.ZERO];
    for (let i = 1; i < 8; i++) all.push(all[i - 1]!.add(t));
    return all;
  }
}

const msg = new TextEncoder().encode('session-messenger/auth/v1\0 strict key test');
const trivialSig = new Uint8Array(64);
trivialSig.set(le(1n), 0); // R = identity, S = 0: "valid" under a small-order key in OpenSSL

function expectAgreement(sig: Uint8Array, m: Uint8Array, key: Uint8Array): boolean {
  const expected = nobleVerify(sig, m, key);
  expect(nativeVerify(sig, m, key)).toBe(expected);
  expect(nativeVerifyOnce(sig, m, key)).toBe(expected);
  return expected;
}

describe('strictKey (libsodium is_canonical + has_small_order) agrees with noble strict', () => {
  it('accepts random valid keys, and both verifiers take their real signatures and refuse forgeries', () => {
    for (let i = 0; i < 40; i++) {
      const sk = ed25519.utils.randomSecretKey();
      const pk = ed25519.getPublicKey(sk);
      const m = random(1 + (i % 32));
      expect(strictKey(pk)).toBe(true);
      expect(expectAgreement(ed25519.sign(m, sk), m, pk)).toBe(true);
      expect(expectAgreement(trivialSig, m, pk)).toBe(false);
      const other = ed25519.sign(m, ed25519.utils.randomSecretKey());
      expect(expectAgreement(other, m, pk)).toBe(false);
    }
  });

  it('refuses every small-order point, with either sign bit', () => {
    const points = torsionPoints();
    expect(new Set(points.map((p) => p.toHex())).size).toBe(8);
    for (const p of points) {
      expect(p.isSmallOrder()).toBe(true);
      for (const sign of [0, 1] as const) {
        const key = withSign(p.toBytes(), sign);
        expect(strictKey(key)).toBe(false);
        expect(expectAgreement(trivialSig, msg, key)).toBe(false);
        // R = the key itself, S = 0: the forgery a small-order key admits for some messages.
        const sig = new Uint8Array(64);
        sig.set(key, 0);
        expect(expectAgreement(sig, msg, key)).toBe(false);
      }
    }
  });

  it('refuses every non-canonical y (p … 2^255 − 1), with either sign bit', () => {
    for (let y = P; y < 2n ** 255n; y++) {
      for (const sign of [0, 1] as const) {
        const key = withSign(le(y), sign);
        expect(strictKey(key)).toBe(false);
        expect(expectAgreement(trivialSig, msg, key)).toBe(false);
        const canonical = withSign(le(y - P), sign);
        if (onCurve(canonical) && !Point.fromBytes(canonical).isSmallOrder()) {
          // The same point, canonically encoded, is a usable key: only the encoding is refused.
          expect(strictKey(canonical)).toBe(true);
        }
      }
    }
    // The values right below p are canonical; p − 1 alone is small-order (order 2).
    for (let y = P - 20n; y < P; y++) expect(strictKey(le(y))).toBe(y !== P - 1n);
  });

  it('passes a canonical y that is off the curve, which OpenSSL then refuses to verify with', () => {
    let offCurve = 0;
    while (offCurve < 50) {
      const key = random(32);
      if (onCurve(key) || !strictKey(key)) continue;
      offCurve++;
      const x = Buffer.from(key).toString('base64url');
      const sig = new Uint8Array([...random(32), ...random(32)]);
      sig[63]! &= 0x0f;
      for (const s of [trivialSig, sig]) {
        let accepted: boolean;
        try {
          const ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
          accepted = cryptoVerify(null, msg, ko, s);
        } catch {
          accepted = false; // refused at import or at decode: either way, not verified
        }
        expect(accepted).toBe(false);
      }
      expect(expectAgreement(trivialSig, msg, key)).toBe(false);
    }
  });

  it('agrees on random 32-byte keys and random signatures', () => {
    for (let i = 0; i < 200; i++) {
      const key = random(32);
      expect(strictKey(key)).toBe(onCurve(key) ? !Point.fromBytes(key).isSmallOrder() : fromLe(withSign(key, 0)) < P);
      const sig = new Uint8Array([...random(32), ...random(32)]);
      sig[63]! &= 0x0f; // S < 2^252 < L, so the scalar check does not decide it
      expect(expectAgreement(sig, msg, key)).toBe(false);
      expect(expectAgreement(trivialSig, msg, key)).toBe(false);
    }
  });

  it('is stricter than noble only for keys with a torsion component, which no client derives', () => {
    // noble checks the cofactored equation [8](R + kA − SB) = 0, OpenSSL the cofactorless
    // R = SB − kA. For A = aB + T (T of order 8) and an honest-looking signature the two differ
    // by kT, so OpenSSL accepts only when 8 | k. The server never accepts what noble refuses.
    const t = torsionPoints()[1]!;
    for (let i = 0; i < 64; i++) {
      const a = (fromLe(random(32)) % (L - 1n)) + 1n;
      const r = (fromLe(random(32)) % (L - 1n)) + 1n;
      const A = Point.BASE.multiply(a).add(t).toBytes();
      const R = Point.BASE.multiply(r).toBytes();
      const m = random(16);
      const k = fromLe(createHash('sha512').update(R).update(A).update(m).digest()) % L;
      const sig = new Uint8Array([...R, ...le((r + k * a) % L)]);
      expect(strictKey(A)).toBe(true);
      expect(nobleVerify(sig, m, A)).toBe(true);
      const native = nativeVerifyOnce(sig, m, A);
      expect(native).toBe(k % 8n === 0n);
      expect(nativeVerify(sig, m, A)).toBe(native);
    }
  });
});
