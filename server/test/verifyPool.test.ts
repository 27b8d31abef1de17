// The worker pool must decide exactly as nativeVerify (and so as protocol's strict noble verifier)
// on every key class the synchronous tests cover, survive a worker dying mid-batch, and answer
// everything after close(). deferVerify must turn a failed pooled verify into the check's own code.
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  checkGrant,
  createAuthFrame,
  createGrant,
  createIdentity,
  nobleVerify,
  verifyAuthFrame,
  type VerifyFn,
} from '../../protocol/index.ts';
import { normaliseOrigin } from '../../protocol/origin.ts';
import { deferVerify, nativeVerify, nativeVerifyOnce, strictKey } from '../src/auth/verify.ts';
import type { VerifyPool } from '../src/auth/verifyPool.ts';
import { poolMaker } from './helpers/verifyPools.ts';
import { signatureCases } from './helpers/ed25519Cases.ts';

const fallbackCalls: number[] = [];
function fallback(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): boolean {
  fallbackCalls.push(1);
  return (cache ? nativeVerify : nativeVerifyOnce)(sig, msg, pk);
}

/** What the pool's callers (deferVerify) do: the byte tests here, the signature in the pool. */
function pooled(pool: VerifyPool, sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): Promise<boolean> {
  if (sig.length !== 64 || !strictKey(pk)) return Promise.resolve(false);
  return pool.verify(sig, msg, pk, cache);
}

describe('VerifyPool', () => {
  const make = poolMaker(fallback);

  it('decides every key class as nativeVerify and noble strict, once-keys and cached keys', async () => {
    const pool = make(2);
    for (const [name, s, m, k] of signatureCases()) {
      const expected = name === 'valid';
      expect(nobleVerify(s, m, k), name).toBe(expected);
      expect(await pooled(pool, s, m, k, false), name).toBe(expected);
      expect(await pooled(pool, s, m, k, true), name).toBe(expected);
    }
  });

  it('answers a batch of many valid and corrupted signatures in order', async () => {
    const pool = make(2);
    const items = Array.from({ length: 300 }, (_, i) => {
      const k = ed25519.utils.randomSecretKey();
      const p = ed25519.getPublicKey(k);
      const m = ed25519.utils.randomSecretKey();
      const s = ed25519.sign(m, k);
      if (i % 3 === 0) s[i % 64]! ^= 1 << (i % 8);
      return { s, m, p, expected: nobleVerify(s, m, p) };
    });
    const got = await Promise.all(items.map((x, i) => pooled(pool, x.s, x.m, x.p, i % 2 === 0)));
    expect(got).toEqual(items.map((x) => x.expected));
    expect(got.filter((x) => !x).length).toBeGreaterThan(50);
  });

  it('replaces a worker that dies and still answers everything it held', async () => {
    const pool = make(1);
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const msgs = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`m${i}`));
    const asked = msgs.map((m, i) => pool.verify(i % 5 === 0 ? new Uint8Array(64) : ed25519.sign(m, sk), m, pk, true));
    // The crash is queued behind nothing: it reaches the worker before or after the batch, either way
    // the batch must come back right.
    pool.crashWorkerForTest(0);
    const got = await Promise.all(asked);
    expect(got).toEqual(msgs.map((_, i) => i % 5 !== 0));
    await expect.poll(() => pool.restarts).toBe(1);
    // The replacement works.
    const m = new TextEncoder().encode('after');
    expect(await pool.verify(ed25519.sign(m, sk), m, pk, false)).toBe(true);
  });

  it('after close, queued and later verifications are answered on the calling thread', async () => {
    const pool = make(1);
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const m = new TextEncoder().encode('closing');
    const before = fallbackCalls.length;
    const queued = pool.verify(ed25519.sign(m, sk), m, pk, false);
    await pool.close();
    expect(await queued).toBe(true);
    expect(await pool.verify(new Uint8Array(64), m, pk, false)).toBe(false);
    expect(fallbackCalls.length - before).toBe(2);
  });
});

describe('deferVerify', () => {
  const a = createIdentity();
  const b = createIdentity();

  it('returns the check’s own code for a forged signature, null for a good one', async () => {
    const nonce = Buffer.alloc(32, 9).toString('base64');
    const url = 'ws://127.0.0.1:8080/ws';
    const challenge = { nonce, epoch: 'e1', origins: new Set([normaliseOrigin(url)]) };
    const good = createAuthFrame({ identity: a, deviceId: 'dev-1', nonce, epoch: 'e1', url });
    expect(await deferVerify((v) => verifyAuthFrame(good, challenge, v), 'AUTH_BAD_SIGNATURE')).toBeNull();
    const sig = Buffer.from(good.signature, 'base64');
    sig[5]! ^= 1;
    const forged = { ...good, signature: sig.toString('base64') };
    expect(await deferVerify((v) => verifyAuthFrame(forged, challenge, v), 'AUTH_BAD_SIGNATURE')).toBe('AUTH_BAD_SIGNATURE');
    // A cheap check failing first keeps its code and needs no verification.
    expect(await deferVerify((v) => verifyAuthFrame(good, { ...challenge, nonce: 'other' }, v), 'AUTH_BAD_SIGNATURE')).toBe(
      'AUTH_NONCE_REPLAYED',
    );
  });

  it('a forged grant that is also expired is GRANT_INVALID, as the synchronous check says', async () => {
    const g = createGrant(a, b.sessionId, 1000, 1000);
    const forged = { ...g, exp: g.exp + 1 };
    const now = 10_000;
    expect(checkGrant(forged, b.sessionId, now, nativeVerify)).toBe('GRANT_INVALID');
    expect(await deferVerify((v) => checkGrant(forged, b.sessionId, now, v), 'GRANT_INVALID', nativeVerify)).toBe('GRANT_INVALID');
    expect(await deferVerify((v) => checkGrant(g, b.sessionId, now, v), 'GRANT_INVALID', nativeVerify)).toBe('GRANT_EXPIRED');
  });

  it('a verifier other than the native ones runs synchronously, as given', async () => {
    const calls: number[] = [];
    const counting: VerifyFn = (s, m, k) => {
      calls.push(1);
      return nobleVerify(s, m, k);
    };
    const g = createGrant(a, b.sessionId, Date.now());
    expect(await deferVerify((v) => checkGrant(g, b.sessionId, 0, v), 'GRANT_INVALID', counting)).toBeNull();
    expect(calls.length).toBe(1);
  });
});
