// The whole grant check in the verification worker (verifyWorker.ts) must decide exactly as
// protocol's checkGrant at now = 0 on every way a grant can be wrong, keep deciding so once its
// authenticity cache is warm, and answer everything across a worker crash mid-batch and close().
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { checkGrant, createGrant, createIdentity, nobleVerify, type Grant, type Identity } from '../../protocol/index.ts';
import { nativeVerify, nativeVerifyOnce } from '../src/auth/verify.ts';
import { poolMaker } from './helpers/verifyPools.ts';

const fallbackCalls: number[] = [];
function fallback(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): boolean {
  fallbackCalls.push(1);
  return (cache ? nativeVerify : nativeVerifyOnce)(sig, msg, pk);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const flip = (s: string, i: number) => {
  const b = Buffer.from(s, 'base64');
  b[i]! ^= 1;
  return b64(b);
};

/** A grant from a key bound to its Session ID that is a small-order point: y = 0 gives u = 1. */
function smallOrderGrant(holder: string): Grant {
  const pk = new Uint8Array(32);
  const from = '05' + Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))).toString('hex');
  return { from, to: holder, iat: 1, exp: 2, edPk: b64(pk), sig: b64(new Uint8Array(64)) };
}

function variants(a: Identity, b: Identity, c: Identity): [string, Grant][] {
  const g = createGrant(a, b.sessionId, 1_000_000);
  const other = createGrant(c, b.sessionId, 1_000_000);
  const lastPk = g.edPk.at(-2)!;
  return [
    ['valid', g],
    ['valid, another granter', other],
    ['for someone else', createGrant(a, c.sessionId, 1_000_000)],
    ['from = to', { ...g, from: b.sessionId }],
    ['tampered signature', { ...g, sig: flip(g.sig, 40) }],
    ['tampered iat', { ...g, iat: g.iat + 1 }],
    ['tampered exp', { ...g, exp: g.exp + 1 }],
    ['another granter’s key', { ...g, edPk: other.edPk }],
    ['another granter’s id, its key', { ...g, from: c.sessionId, edPk: other.edPk }],
    ['exp = iat', { ...g, exp: g.iat }],
    ['negative iat', { ...g, iat: -1 }],
    ['fractional exp', { ...g, exp: g.exp + 0.5 }],
    ['unsafe exp', { ...g, exp: 2 ** 53 }],
    ['iat as a string', { ...g, iat: String(g.iat) as unknown as number }],
    ['upper-case hex in from', { ...g, from: g.from.toUpperCase() }],
    // Latin-1 would write U+0130 as 0x30 ('0'): the worker must not read a valid ID out of it.
    ['a character past U+00FF in from', { ...g, from: g.from.slice(0, 10) + '\u0130' + g.from.slice(11) }],
    ['url-safe base64 character in the key', { ...g, edPk: '-' + g.edPk.slice(1) }],
    // The last symbol carries two unused bits; setting one decodes to the same bytes, a second spelling.
    ['non-canonical key base64 (unused bits set)', { ...g, edPk: g.edPk.slice(0, -2) + B64[B64.indexOf(lastPk) | 1] + '=' }],
    ['key of 33 bytes', { ...g, edPk: b64(new Uint8Array(33)) }],
    ['signature of 63 bytes', { ...g, sig: b64(new Uint8Array(63)) }],
    ['small-order key bound to its id, trivial signature', smallOrderGrant(b.sessionId)],
    [
      'malleated S',
      (() => {
        const sig = Buffer.from(g.sig, 'base64');
        let n = 0n;
        for (let i = 63; i >= 32; i--) n = (n << 8n) | BigInt(sig[i]!);
        n += 2n ** 252n + 27742317777372353535851937790883648493n;
        for (let i = 32; i < 64; i++, n >>= 8n) sig[i] = Number(n & 255n);
        return { ...g, sig: b64(sig) };
      })(),
    ],
  ];
}

describe('VerifyPool.checkGrants', () => {
  const make = poolMaker(fallback);
  const [a, b, c] = [createIdentity(), createIdentity(), createIdentity()];

  it('decides every variant as checkGrant at now = 0, cold and with the valid ones cached', async () => {
    const pool = make(2);
    const vs = variants(a, b, c);
    const expected = vs.map(([, g]) => (checkGrant(g, b.sessionId, 0, nobleVerify) === null ? 1 : 0));
    expect(vs.filter((_, i) => expected[i]).map(([name]) => name)).toEqual(['valid', 'valid, another granter']);
    // Cold, then warm: the second pass answers the valid ones from the worker's cache and must
    // still refuse every altered copy of them.
    for (let pass = 0; pass < 2; pass++) {
      const got = await pool.checkGrants(
        vs.map(([, g]) => g),
        b.sessionId,
      );
      for (let i = 0; i < vs.length; i++) expect([vs[i]![0], got[i]], `pass ${pass}`).toEqual([vs[i]![0], expected[i]]);
    }
  });

  it('a forged grant is verified though the genuine one is cached', async () => {
    const pool = make(1);
    const g = createGrant(a, b.sessionId, 2_000_000);
    expect([...(await pool.checkGrants([g], b.sessionId))]).toEqual([1]);
    const forged = { ...g, exp: g.exp + 3_600_000 };
    expect([...(await pool.checkGrants([g, forged, g], b.sessionId))]).toEqual([1, 0, 1]);
  });

  it('answers every grant of a batch whose worker crashes mid-way, and the replacement works', async () => {
    const pool = make(1);
    const grants = Array.from({ length: 120 }, (_, i) => {
      const g = createGrant(createIdentity(), b.sessionId, 3_000_000 + i);
      return i % 4 === 0 ? { ...g, sig: flip(g.sig, i % 64) } : g;
    });
    const asked = pool.checkGrants(grants, b.sessionId);
    // Queued behind nothing: it reaches the worker before or after the batch; either way the batch
    // must come back whole and right.
    pool.crashWorkerForTest(0);
    expect([...(await asked)]).toEqual(grants.map((_, i) => (i % 4 === 0 ? 0 : 1)));
    await expect.poll(() => pool.restarts).toBe(1);
    const g = createGrant(a, c.sessionId, 4_000_000);
    expect([...(await pool.checkGrants([g], c.sessionId))]).toEqual([1]);
  });

  it('grants staged before close are decided on this thread when submitted after it', async () => {
    const pool = make(1);
    const g = createGrant(a, b.sessionId, 6_000_000);
    const staged = pool.stage([g, { ...g, sig: flip(g.sig, 5) }, { ...g, to: c.sessionId }], b.sessionId);
    await pool.close();
    expect([...(await pool.submit(staged))]).toEqual([1, 0, 0]);
  });

  it('grants and signatures asked in one turn share a batch and each caller gets its own answers', async () => {
    const pool = make(2);
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const m = new TextEncoder().encode('mixed');
    const g = createGrant(a, b.sessionId, 5_000_000);
    const [x, y, z] = await Promise.all([
      pool.checkGrants([g, { ...g, iat: 1 }], b.sessionId),
      pool.verify(ed25519.sign(m, sk), m, pk, true),
      pool.checkGrants([], b.sessionId),
    ]);
    expect([...x]).toEqual([1, 0]);
    expect(y).toBe(true);
    expect([...z]).toEqual([]);
  });

  it('batches of many turns in flight at once each come back right, and again on reused buffers', async () => {
    // Batch buffers are shared with the worker and reused once answered (verifyPool.ts): a buffer
    // taken back too early would hand one turn's verdicts another turn's bytes.
    const pool = make(1);
    const granters = Array.from({ length: 6 }, () => createIdentity());
    for (let wave = 0; wave < 2; wave++) {
      const turns: { grants: Grant[]; want: number[] }[] = [];
      const asked: Promise<Uint8Array>[] = [];
      for (let t = 0; t < 12; t++) {
        // Sizes that outgrow one another, so buffers grow and are swapped as they come back.
        const n = 1 + ((t * 7 + wave * 5) % 24);
        const grants = Array.from({ length: n }, (_, i) => {
          const g = createGrant(granters[(t + i) % granters.length]!, b.sessionId, 7_000_000 + wave * 1000 + t * 50 + i);
          return (t + i + wave) % 3 === 0 ? { ...g, sig: flip(g.sig, (t + i) % 64) } : g;
        });
        turns.push({ grants, want: grants.map((_, i) => ((t + i + wave) % 3 === 0 ? 0 : 1)) });
        asked.push(pool.checkGrants(grants, b.sessionId));
        await new Promise((r) => setImmediate(r));
      }
      const got = await Promise.all(asked);
      for (let t = 0; t < turns.length; t++) expect([wave, t, [...got[t]!]]).toEqual([wave, t, turns[t]!.want]);
    }
  });

  it('after close, queued and later grant checks are decided on the calling thread', async () => {
    const pool = make(1);
    const g = createGrant(a, b.sessionId, 6_000_000);
    const before = fallbackCalls.length;
    const queued = pool.checkGrants([g, { ...g, sig: flip(g.sig, 3) }], b.sessionId);
    await pool.close();
    expect([...(await queued)]).toEqual([1, 0]);
    expect([...(await pool.checkGrants([g, { ...g, to: c.sessionId }], b.sessionId))]).toEqual([1, 0]);
    expect(fallbackCalls.length - before).toBe(3);
  });
});
