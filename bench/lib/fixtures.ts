// Identities, grants and a ciphertext made before any timing starts, in the main thread, and handed
// to the worker threads. Key generation and signing with @noble (≈0.7 ms each here) would otherwise
// take a core away from the server under test. They are cached on disk: the same bytes every run.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  createGrant,
  equalBytes,
  identityFromEntropy,
  seal,
  sessionIdFromX25519,
  toBase64,
  utf8ToBytes,
  type Grant,
  type Identity,
} from '../../protocol/index.ts';

const CACHE_DIR = process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'session-messenger-bench');
const RECORD = 16 + 32 * 4;
const DAY = 86_400_000;

/** One device of one identity, as a worker needs it. */
export interface Device {
  readonly identity: Identity;
  /** Stable per identity, so a reconnect in the next run is the same device (its acks count). */
  readonly deviceId: string;
}

/** A pair of devices that may message each other: a holds b's grant and b holds a's. */
export interface PairFixture {
  readonly a: Device;
  readonly b: Device;
  readonly grantForA: Grant;
  readonly grantForB: Grant;
}

function entropyFor(i: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`session-messenger-bench/identity/${i}`).digest().subarray(0, 16));
}

function encode(id: Identity): Buffer {
  return Buffer.concat([id.entropy, id.edSecretKey, id.edPublicKey, id.xSecretKey, id.xPublicKey]);
}

function decode(buf: Buffer, i: number): Identity {
  const at = (k: number, n: number): Uint8Array => new Uint8Array(buf.subarray(i * RECORD + k, i * RECORD + k + n));
  const xPublicKey = at(112, 32);
  return {
    sessionId: sessionIdFromX25519(xPublicKey),
    entropy: at(0, 16),
    edSecretKey: at(16, 32),
    edPublicKey: at(48, 32),
    xSecretKey: at(80, 32),
    xPublicKey,
  };
}

function writeAtomic(path: string, data: string | Buffer): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function readOr<T>(path: string, parse: (b: Buffer) => T, fallback: T): T {
  try {
    return parse(readFileSync(path));
  } catch {
    return fallback;
  }
}

let identityMemo: Identity[] = [];

/** The first n bench identities (deterministic), from the cache where possible. */
export function identities(n: number): Identity[] {
  if (identityMemo.length >= n) return identityMemo.slice(0, n);
  const path = join(CACHE_DIR, 'identities-v1.bin');
  const buf = readOr(path, (b) => b, Buffer.alloc(0));
  const cached = Math.floor(buf.length / RECORD);
  const out: Identity[] = [];
  for (let i = 0; i < Math.min(n, cached); i++) out.push(decode(buf, i));
  // A stale or foreign cache is regenerated rather than trusted: spot-check a few entries.
  for (const i of [0, out.length >> 1, out.length - 1]) {
    const id = out[i];
    if (id && !equalBytes(identityFromEntropy(entropyFor(i)).edSecretKey, id.edSecretKey)) {
      out.length = 0;
      break;
    }
  }
  if (out.length < n) {
    for (let i = out.length; i < n; i++) out.push(identityFromEntropy(entropyFor(i)));
    writeAtomic(path, Buffer.concat(out.map(encode)));
  }
  identityMemo = out;
  return out.slice(0, n);
}

export function deviceIdFor(i: number): string {
  return (0xbe_0000_0000 + i).toString(16).padStart(32, '0');
}

export function devices(n: number): Device[] {
  return identities(n).map((identity, i) => ({ identity, deviceId: deviceIdFor(i) }));
}

interface GrantCache {
  readonly pairs: [Grant, Grant][];
}

/** Pairs (2k, 2k+1) of the bench identities with grants both ways, valid for at least a day. */
export function pairs(n: number, now = Date.now()): PairFixture[] {
  const devs = devices(2 * n);
  const path = join(CACHE_DIR, 'grants-v1.json');
  const cache = readOr<GrantCache>(path, (b) => JSON.parse(b.toString()) as GrantCache, { pairs: [] });
  const usable: [Grant, Grant][] = [];
  for (let k = 0; k < Math.min(n, cache.pairs.length); k++) {
    const [ga, gb] = cache.pairs[k]!;
    const a = devs[2 * k]!.identity.sessionId;
    const b = devs[2 * k + 1]!.identity.sessionId;
    if (ga.to !== a || gb.to !== b || ga.from !== b || gb.from !== a || Math.min(ga.exp, gb.exp) < now + DAY) break;
    usable.push([ga, gb]);
  }
  if (usable.length < n) {
    for (let k = usable.length; k < n; k++) {
      const a = devs[2 * k]!.identity;
      const b = devs[2 * k + 1]!.identity;
      usable.push([createGrant(b, a.sessionId, now), createGrant(a, b.sessionId, now)]);
    }
    writeAtomic(
      path,
      JSON.stringify({ pairs: usable.length >= cache.pairs.length ? usable : [...usable, ...cache.pairs.slice(usable.length)] }),
    );
  }
  return usable.slice(0, n).map(([grantForA, grantForB], k) => ({ a: devs[2 * k]!, b: devs[2 * k + 1]!, grantForA, grantForB }));
}

/**
 * A real v1 box around a typical text message (a 120-character line), base64 as on the wire.
 * The server cannot tell one box from another, so every message of a run carries this one.
 */
export function sampleCiphertext(contentChars = 120): string {
  const [a, b] = identities(2);
  const body = JSON.stringify({
    t: 'msg',
    id: 'f'.repeat(32),
    ts: 1_700_000_000_000,
    content: 'x'.repeat(contentChars),
    messageType: 'text',
  });
  return toBase64(seal(a!, b!.sessionId, utf8ToBytes(body)));
}
