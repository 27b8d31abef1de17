// Ed25519 verification through Node's OpenSSL: the same decisions as protocol's nobleVerify (strict
// RFC 8032; tests keep them in agreement), many times faster, which matters when an auth frame
// carries 1000 grants. One difference is kept on purpose: OpenSSL checks the cofactorless equation,
// noble the cofactored one, so for a key with a torsion component (which no client derives) OpenSSL
// refuses some signatures noble accepts; it never accepts one noble refuses.
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { ErrorCode, VerifyFn } from '../../../protocol/index.ts';
import { VerifyPool } from './verifyPool.ts';
import { SMALL_ORDER_HEX } from './verifyWorker.ts';

const SMALL_ORDER_Y: readonly Buffer[] = SMALL_ORDER_HEX.map((h) => Buffer.from(h, 'hex'));

/** libsodium's ge25519_is_canonical: y (sign bit masked) < p = 2^255 − 19. */
function isCanonicalY(s: Uint8Array): boolean {
  if ((s[31]! & 0x7f) !== 0x7f || s[0]! < 0xed) return true;
  for (let i = 1; i < 31; i++) if (s[i] !== 0xff) return true;
  return false;
}

function hasSmallOrder(s: Uint8Array): boolean {
  next: for (const b of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (s[i] !== b[i]) continue next;
    if ((s[31]! & 0x7f) === b[31]) return true;
  }
  return false;
}

/**
 * OpenSSL accepts non-canonical and small-order public keys; with the identity point as key,
 * R = identity and S = 0 "verify" for every message. noble's strict mode refuses both, so do we,
 * by libsodium's byte test rather than a point decompression (~1 µs instead of ~100): a canonical
 * y that is not on the curve at all passes here and is refused by OpenSSL when it decodes the key.
 * Early exits are fine: a public key is not a secret.
 */
export function strictKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalY(publicKey) && !hasSmallOrder(publicKey);
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** x: the key in base64url, which is also the cache's key. */
function importKey(publicKey: Uint8Array, x: string): KeyObject | false {
  if (!strictKey(publicKey)) return false;
  // JWK, not SPKI DER: OpenSSL 3's DER decoder costs ~7× more per import (~210 µs vs ~30).
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return false;
  }
}

function verifyWith(key: KeyObject | false, signature: Uint8Array, message: Uint8Array): boolean {
  try {
    return key !== false && cryptoVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * For a key used once, the auth key: imported, used and dropped. Caching it would only cost ~1 KB
 * of native memory per entry and an LRU update per connection.
 */
export const nativeVerifyOnce: VerifyFn = (signature, message, publicKey) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return verifyWith(importKey(publicKey, base64url(publicKey)), signature, message);
};

const KEY_CACHE_MAX = 4096;
/** false marks a key that must never verify anything. */
const keyCache = new Map<string, KeyObject | false>();

/**
 * For keys that recur: a granter's key is in every grant it issued (one per contact), and a
 * blocker's key in each of the revocations it re-presents at every connect.
 */
export const nativeVerify: VerifyFn = (signature, message, publicKey) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const x = base64url(publicKey);
  let key = keyCache.get(x);
  if (key !== undefined) {
    // LRU: re-insert so the most recently used keys are evicted last.
    keyCache.delete(x);
    keyCache.set(x, key);
  } else {
    key = importKey(publicKey, x);
    keyCache.set(x, key);
    if (keyCache.size > KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  }
  return verifyWith(key, signature, message);
};

// ---- off the main thread (verifyPool.ts) ---------------------------------------------------------

let pool: VerifyPool | null | undefined;
let poolThreads = Math.max(1, Math.min(4, availableParallelism() - 1));

function fallback(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): boolean {
  return (cache ? nativeVerify : nativeVerifyOnce)(sig, msg, pk);
}

/**
 * Worker threads for signature checks (VERIFY_THREADS); 0 verifies on the main thread. Takes effect
 * for verifications asked after it; a running pool of another size is closed (its work finishes).
 */
export function configureVerifyPool(threads: number): void {
  if (threads === poolThreads && pool !== undefined) return;
  poolThreads = threads;
  const old = pool;
  pool = undefined;
  void old?.close();
}

/** The process's pool, started at first use; null when verification stays on the main thread. */
export function verifyPool(): VerifyPool | null {
  if (pool === undefined) pool = poolThreads > 0 ? new VerifyPool(poolThreads, fallback) : null;
  return pool;
}

/** Closes the pool (its remaining work finishes on this thread); the next verification starts a new one. */
export async function closeVerifyPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}

/**
 * Runs a protocol check (verifyAuthFrame, checkGrant, …) with its signature verifications deferred to
 * the worker pool. The check runs with a verifier that records and says yes; the recorded ones are
 * then verified in the pool (batched with everything else asked in this turn), and if any fails the
 * answer is `badSignature`, the code the check itself returns for a failed verify. This holds for
 * protocol's checks because each returns that code as soon as its verify says no, and a check that
 * failed on something else after a recorded verify still reports `badSignature` first when that
 * signature was bad, as the synchronous check would have.
 *
 * `verify` names the synchronous verifier the call site would have used: nativeVerify (recurring
 * keys, kept imported by the workers) and nativeVerifyOnce go to the pool; any other (a test's) runs
 * synchronously, unchanged.
 */
export function deferVerify(
  check: (verify: VerifyFn) => ErrorCode | null,
  badSignature: ErrorCode,
  verify: VerifyFn = nativeVerifyOnce,
): Promise<ErrorCode | null> {
  // Not async, so the promise returned does not hold `check` (and the frame it reads) while the
  // pool works: the auth handler lets the parsed frame go in the turn that parsed it.
  try {
    const p = verify === nativeVerify || verify === nativeVerifyOnce ? verifyPool() : null;
    if (p === null) return Promise.resolve(check(verify));
    const cache = verify === nativeVerify;
    const asked: Promise<boolean>[] = [];
    let refused = false;
    const code = check((signature, message, publicKey) => {
      // The strict-key and length tests are cheaper here than a round trip.
      if (signature.length !== 64 || !strictKey(publicKey)) {
        refused = true;
        return false;
      }
      asked.push(p.verify(signature, message, publicKey, cache));
      return true;
    });
    if (refused || asked.length === 0) return Promise.resolve(code);
    return Promise.all(asked).then((results) => (results.every(Boolean) ? code : badSignature));
  } catch (err) {
    return Promise.reject(err);
  }
}
