// The account document as the server stores it: one opaque blob per Session ID.
//
//   key   = HKDF-SHA256(identity Ed25519 seed, info "session-messenger/account/v1", 32 bytes)
//   blob  = 0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, padded, aad = 0x01 ‖ sessionId)
//   plain = counter (u64 BE) ‖ length (u32 BE) ‖ deflate(JSON document) ‖ zero padding (Padmé)
//
// Only devices holding the phrase can read or write it; the server sees its (padded) size and when
// it changes. The counter rises with every upload: a device remembers the highest it has merged and
// refuses anything lower, so a server replaying an old blob rolls nothing back (merging an old copy
// would be harmless anyway, being a join, but a device must also not believe it is up to date).
// Deflate (CompressionStream, in browsers and Node ≥ 18) keeps 1,000 contacts with their grants
// well inside ACCOUNT_MAX_BYTES.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { parseAccount, type AccountDoc } from './account.ts';
import { concatBytes, utf8ToBytes } from './bytes.ts';
import type { Identity } from './identity.ts';
import { randomBytes } from './random.ts';

export const ACCOUNT_BLOB_VERSION = 1;
const INFO = utf8ToBytes('session-messenger/account/v1');
const NONCE = 24;
const HEADER = 1 + NONCE;
const PREFIX = 12;
/** Smallest padded plaintext: an empty account and a small one look the same. */
const PAD_FLOOR = 1024;

export type AccountSealFailure = 'truncated' | 'version' | 'decrypt' | 'format';

export class AccountSealError extends Error {
  constructor(
    readonly reason: AccountSealFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AccountSealError';
  }
}

export function accountKey(identity: Pick<Identity, 'edSecretKey'>): Uint8Array {
  return hkdf(sha256, identity.edSecretKey, undefined, INFO, 32);
}

/** Padmé (Nikitin et al.): at most ~12 % overhead, and a length leaks O(log log n) bits. */
export function accountPadme(len: number): number {
  if (len <= PAD_FLOOR) return PAD_FLOOR;
  const e = Math.floor(Math.log2(len));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil((len + mask) / (mask + 1)) * (mask + 1);
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function aad(sessionId: string): Uint8Array {
  return concatBytes(new Uint8Array([ACCOUNT_BLOB_VERSION]), utf8ToBytes(sessionId));
}

export async function sealAccount(
  identity: Pick<Identity, 'edSecretKey' | 'sessionId'>,
  counter: number,
  doc: AccountDoc,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError(`counter: expected a non-negative integer, got ${counter}`);
  const packed = await pipe(utf8ToBytes(JSON.stringify(doc)), new CompressionStream('deflate-raw'));
  const plain = new Uint8Array(accountPadme(PREFIX + packed.length));
  const view = new DataView(plain.buffer);
  view.setBigUint64(0, BigInt(counter));
  view.setUint32(8, packed.length);
  plain.set(packed, PREFIX);
  const nonce = randomBytes(NONCE);
  const ct = xchacha20poly1305(accountKey(identity), nonce, aad(identity.sessionId)).encrypt(plain);
  return concatBytes(new Uint8Array([ACCOUNT_BLOB_VERSION]), nonce, ct);
}

export interface OpenedAccount {
  readonly counter: number;
  readonly doc: AccountDoc;
}

/** Opens a blob sealed by a device of the same identity; throws AccountSealError otherwise. */
export async function openAccount(identity: Pick<Identity, 'edSecretKey' | 'sessionId'>, blob: Uint8Array): Promise<OpenedAccount> {
  if (blob.length < HEADER + 16 + PREFIX) throw new AccountSealError('truncated', `account blob of ${blob.length} bytes is too short`);
  if (blob[0] !== ACCOUNT_BLOB_VERSION) throw new AccountSealError('version', `account blob version ${blob[0]} is not supported`);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(accountKey(identity), blob.subarray(1, HEADER), aad(identity.sessionId)).decrypt(blob.subarray(HEADER));
  } catch {
    throw new AccountSealError('decrypt', 'account blob does not open with this identity (another identity, or altered)');
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const counter = Number(view.getBigUint64(0));
  const len = view.getUint32(8);
  if (!Number.isSafeInteger(counter) || PREFIX + len > plain.length)
    throw new AccountSealError('format', 'account blob header is inconsistent');
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(
      await pipe(plain.subarray(PREFIX, PREFIX + len), new DecompressionStream('deflate-raw')),
    );
    return { counter, doc: parseAccount(JSON.parse(json)) };
  } catch (err) {
    throw new AccountSealError('format', `account document is malformed: ${(err as Error).message}`);
  }
}

/** Whether a device that has merged up to `highest` should take a blob carrying `counter`. */
export function isRollback(counter: number, highest: number): boolean {
  return counter < highest;
}
