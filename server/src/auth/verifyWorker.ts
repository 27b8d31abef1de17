// The verification worker's source and its record format. It is CommonJS run with `eval`, so it
// starts the same under tsx, vitest or plain node (no TypeScript loader inside a worker), which
// means it cannot import protocol/: the few rules it applies are restated here, and the tests
// (verifyPool.test.ts, grantsPool.test.ts) hold each decision to protocol's checkGrant and noble.
//
// A batch is one buffer of records, each starting with its kind:
//   SIG_ONCE / SIG_CACHED  [kind][pk 32][sig 64][u32le msg length][msg]
//   GRANT / GRANT_PEEK / GRANT_KNOWN
//                          [kind][u16le n][from]…[u16le n][to][f64le iat][f64le exp][u16le n][edPk][u16le n][sig]
// (a grant's strings are UTF-8 as the main thread wrote them). The answer is one byte per record
// (AUTHENTIC, NOT_AUTHENTIC, or UNKNOWN: a GRANT_PEEK that passed the syntax checks but is not in
// the cache, so it was neither decoded nor verified), the SHA-256 of each grant record (32 bytes at 32 × index: the
// key of the shared cache, grantCache.ts) and how many signatures were verified.
//
// A GRANT record is the whole authenticity half of checkGrant (Session ID syntax, the key's
// binding to `from`, the signed message, the strict key, the signature), behind a cache of
// SHA-256 hashes of records that passed: a grant is re-presented at every connect, and the same
// grant is always routed to the same worker. The main thread keeps only the checks that need no
// decoding (types, lengths, to = holder, the integers), so no per-grant object waits on a worker.

/**
 * The y-encodings of the small-order points, sign bit clear: libsodium's blocklist
 * (ge25519_has_small_order in crypto_core/ed25519/ref10/ed25519_ref10.c, used by
 * crypto_sign_verify_detached). 0 (order 4), 1 (identity), the two order-8 y values, p − 1 (order 2),
 * and p, p + 1: non-canonical forms of 0 and 1, which the canonical check refuses first anyway.
 */
export const SMALL_ORDER_HEX: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

export const SIG_ONCE = 0;
export const SIG_CACHED = 1;
/** Checked in full unless cached. */
export const GRANT = 2;
/** Answered from the cache or UNKNOWN: the shared cache is asked before a signature is verified. */
export const GRANT_PEEK = 3;
/** Cached without a verification: the shared cache (trusted like the store) knows it authentic. */
export const GRANT_KNOWN = 4;

export const NOT_AUTHENTIC = 0;
export const AUTHENTIC = 1;
export const UNKNOWN = 2;
export const HASH_BYTES = 32;

/** Fixed bytes of a signature record before its message. */
export const SIG_HEADER = 101;
/** Fixed bytes of a grant record besides its four strings' bytes. */
export const GRANT_FIXED = 1 + 2 * 4 + 16;

export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify, hash } = require('node:crypto');
const SMALL_ORDER_Y = ${JSON.stringify(SMALL_ORDER_HEX)}.map((h) => Buffer.from(h, 'hex'));
const DOMAIN_GRANT = Buffer.from(workerData.domainGrant);
const KEYS_MAX = 4096;
const AUTHENTIC_MAX = workerData.authenticMax;
const keys = new Map();
const authentic = new Set();
const SID = /^05[0-9a-f]{64}$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const P = 2n ** 255n - 19n;

function isCanonicalY(s) {
  if ((s[31] & 0x7f) !== 0x7f || s[0] < 0xed) return true;
  for (let i = 1; i < 31; i++) if (s[i] !== 0xff) return true;
  return false;
}
function hasSmallOrder(s) {
  next: for (const b of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (s[i] !== b[i]) continue next;
    if ((s[31] & 0x7f) === b[31]) return true;
  }
  return false;
}
function importKey(pk, cached) {
  const x = pk.toString('base64url');
  let key = cached ? keys.get(x) : undefined;
  if (key !== undefined) return key;
  key = false;
  if (pk.length === 32 && isCanonicalY(pk) && !hasSmallOrder(pk)) {
    try { key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }); } catch {}
  }
  if (cached) {
    keys.set(x, key);
    if (keys.size > KEYS_MAX) keys.delete(keys.keys().next().value);
  }
  return key;
}
function sigOk(pk, sig, msg, cached) {
  const key = importKey(pk, cached);
  try { return key !== false && verify(null, msg, key, sig); } catch { return false; }
}
/** protocol's fromBase64: canonical standard base64 with padding, or null. */
function canonicalB64(s) {
  if (s.length % 4 !== 0 || !B64.test(s)) return null;
  const out = Buffer.from(s, 'base64');
  return out.toString('base64') === s ? out : null;
}
function le(b) {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}
/** protocol's edKeyMatchesSessionId: u·(1 − y) ≡ 1 + y (mod p), both canonical. */
function bound(pk, from) {
  const yb = Buffer.from(pk);
  yb[31] &= 0x7f;
  const y = le(yb);
  const u = le(Buffer.from(from.slice(2), 'hex'));
  if (y >= P || u >= P) return false;
  return (u * (1n - y + P) - (1n + y)) % P === 0n;
}
function u64(n) {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}
let verified = 0;
function remember(key) {
  authentic.add(key);
  if (authentic.size > AUTHENTIC_MAX) authentic.delete(authentic.values().next().value);
}
function grantCheck(kind, digest, from, to, iat, exp, edPk, sigText) {
  if (!SID.test(from) || !SID.test(to) || from === to) return ${NOT_AUTHENTIC};
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || iat < 0 || exp <= iat) return ${NOT_AUTHENTIC};
  const key = digest.toString('base64');
  if (authentic.has(key)) return ${AUTHENTIC};
  if (kind === ${GRANT_KNOWN}) {
    remember(key);
    return ${AUTHENTIC};
  }
  // Unknown before decoding: the binding's BigInt arithmetic is most of a check without its
  // verify, and a grant the shared cache knows needs neither.
  if (kind === ${GRANT_PEEK}) return ${UNKNOWN};
  const pk = canonicalB64(edPk);
  const sig = canonicalB64(sigText);
  if (pk === null || sig === null || pk.length !== 32 || sig.length !== 64 || !bound(pk, from)) return ${NOT_AUTHENTIC};
  const msg = Buffer.concat([DOMAIN_GRANT, Buffer.from(from), Buffer.from(to), u64(iat), u64(exp)]);
  verified++;
  if (!sigOk(pk, sig, msg, true)) return ${NOT_AUTHENTIC};
  remember(key);
  return ${AUTHENTIC};
}
function str(b, o) {
  const n = b.readUInt16LE(o);
  return [b.toString('utf8', o + 2, o + 2 + n), o + 2 + n];
}
parentPort.on('message', (m) => {
  if (m.crash) throw new Error('verify worker: crash requested by a test');
  const b = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
  const res = new Uint8Array(m.n);
  const hashes = new Uint8Array(m.n * ${HASH_BYTES});
  verified = 0;
  let o = 0;
  for (let i = 0; i < m.n; i++) {
    const kind = b[o];
    if (kind >= ${GRANT}) {
      const start = o + 1;
      let from, to, edPk, sig;
      [from, o] = str(b, start);
      [to, o] = str(b, o);
      const iat = b.readDoubleLE(o);
      const exp = b.readDoubleLE(o + 8);
      [edPk, o] = str(b, o + 16);
      [sig, o] = str(b, o);
      const digest = hash('sha256', b.subarray(start, o), 'buffer');
      hashes.set(digest, i * ${HASH_BYTES});
      res[i] = grantCheck(kind, digest, from, to, iat, exp, edPk, sig);
    } else {
      const len = b.readUInt32LE(o + 97);
      const msg = b.subarray(o + ${SIG_HEADER}, o + ${SIG_HEADER} + len);
      verified++;
      res[i] = sigOk(b.subarray(o + 1, o + 33), b.subarray(o + 33, o + 97), msg, kind === ${SIG_CACHED}) ? 1 : 0;
      o += ${SIG_HEADER} + len;
    }
  }
  parentPort.postMessage({ id: m.id, res, hashes, verified }, [res.buffer, hashes.buffer]);
});
`;
