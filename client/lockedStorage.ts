// The app lock's record codec: a passphrase-derived key seals every IndexedDB record at rest
// (IndexedDbStorage applies it on each put and get, so MessengerClient never sees it). What stays in
// clear is what IndexedDB must read to key and index a record (CLEAR_FIELDS); everything else of the
// record is inside one XChaCha20-Poly1305 box whose associated data names the store and the key, so
// a record copied under another key, or into another store, does not open.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type StoreName = 'meta' | 'contacts' | 'messages' | 'conversations' | 'invitations' | 'outbox';

/** The record's primary key (IndexedDB key path); meta is keyed out of line. */
export const KEY_PATH: Readonly<Record<Exclude<StoreName, 'meta'>, string>> = {
  contacts: 'sessionId',
  messages: 'id',
  conversations: 'peer',
  invitations: 'id',
  outbox: 'id',
};

/** Fields left in clear because the store's key path or an index reads them (indexedDbStorage.ts). */
export const CLEAR_FIELDS: Readonly<Record<StoreName, readonly string[]>> = {
  meta: [],
  contacts: ['sessionId'],
  messages: ['id', 'peer', 'seq'],
  conversations: ['peer', 'lastSeq'],
  invitations: ['id', 'createdAt'],
  outbox: ['id', 'seq'],
};

/**
 * scrypt, sized for a phone: N = 2^15, r = 8 → 32 MiB of memory and roughly 0.5–1.5 s on a mid-range
 * phone's JavaScript (about 0.2 s on a laptop), paid once per unlock. The parameters are stored with
 * the lock, so they can be raised later without breaking existing locks.
 */
export const PHONE_KDF: KdfParams = { alg: 'scrypt', N: 2 ** 15, r: 8, p: 1 };

export interface KdfParams {
  readonly alg: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** [meta] 'lock', in clear: how to derive the key, and a sealed known record that checks it. */
export interface LockRecord {
  readonly v: 1;
  readonly kdf: KdfParams;
  readonly salt: Uint8Array;
  readonly check: Uint8Array;
  readonly createdAt: number;
}

/** [meta] 'lockAttempts', in clear: wrong passphrases so far, so a reload does not reset the delay. */
export interface LockAttempts {
  readonly failures: number;
  readonly lastFailureAt: number;
}

export type LockErrorCode = 'LOCKED' | 'WRONG_PASSPHRASE' | 'RECORD_TAMPERED' | 'RECORD_NOT_SEALED';

export class LockError extends Error {
  constructor(
    readonly code: LockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

/** Seals a record for one store and key; opens it back, or throws LockError. */
export interface RecordCodec {
  seal(store: StoreName, key: string, value: object): object;
  open(store: StoreName, key: string, stored: object): object;
}

const NONCE = 24;
const AD_TAG = 'session-messenger/lock/v1';
const CHECK_KEY = 'lock-check';

export async function deriveLockKey(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
  if (kdf.alg !== 'scrypt') throw new LockError('WRONG_PASSPHRASE', `unknown key derivation ${String(kdf.alg)}`);
  // NFKC: the same passphrase typed on another keyboard (composed or not) gives the same key.
  return scryptAsync(utf8ToBytes(passphrase.normalize('NFKC')), salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32, asyncTick: 20 });
}

function ad(store: StoreName, key: string): Uint8Array {
  return utf8ToBytes(`${AD_TAG}\0${store}\0${key}`);
}

// Records hold Uint8Array (the identity's entropy), which JSON would turn into an object of indices.
// What structured clone refuses (a function) is refused here too, not silently dropped, so a bad
// write fails the same with the lock on as off.
function toJson(value: object): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError('a record holds a value that cannot be stored');
    return v instanceof Uint8Array ? { $bytes: bytesToHex(v) } : v;
  });
}
function fromJson(text: string): object {
  return JSON.parse(text, (_k, v: unknown) =>
    v && typeof v === 'object' && typeof (v as { $bytes?: unknown }).$bytes === 'string' ? hexToBytes((v as { $bytes: string }).$bytes) : v,
  ) as object;
}

export function recordCodec(key: Uint8Array): RecordCodec {
  return {
    seal(store, k, value) {
      const nonce = randomBytes(NONCE);
      const box = xchacha20poly1305(key, nonce, ad(store, k)).encrypt(utf8ToBytes(toJson(value)));
      const sealed = new Uint8Array(NONCE + box.length);
      sealed.set(nonce);
      sealed.set(box, NONCE);
      const out: Record<string, unknown> = { sealed };
      for (const f of CLEAR_FIELDS[store]) out[f] = (value as Record<string, unknown>)[f];
      return out;
    },
    open(store, k, stored) {
      const sealed = (stored as { sealed?: unknown }).sealed;
      // With the lock on, a record in clear was not written by this app: refuse it, do not trust it.
      if (!(sealed instanceof Uint8Array) || sealed.length < NONCE + 16)
        throw new LockError('RECORD_NOT_SEALED', `a ${store} record is not sealed`);
      let value: Record<string, unknown>;
      try {
        const plain = xchacha20poly1305(key, sealed.subarray(0, NONCE), ad(store, k)).decrypt(sealed.subarray(NONCE));
        value = fromJson(new TextDecoder().decode(plain)) as Record<string, unknown>;
      } catch {
        throw new LockError('RECORD_TAMPERED', `a ${store} record does not open under its key`);
      }
      // The clear copies steer the indexes (which conversation, which order): they must match the box.
      for (const f of CLEAR_FIELDS[store]) {
        if ((stored as Record<string, unknown>)[f] !== value[f])
          throw new LockError('RECORD_TAMPERED', `a ${store} record's ${f} was changed`);
      }
      return value;
    },
  };
}

/** True when a stored value is a sealed record (the lock is on for it). */
export function isSealed(stored: unknown): boolean {
  return typeof stored === 'object' && stored !== null && (stored as { sealed?: unknown }).sealed instanceof Uint8Array;
}

/** A new lock: fresh salt, the derived key's codec, and the check record that proves a passphrase. */
export async function createLock(
  passphrase: string,
  kdf: KdfParams = PHONE_KDF,
  now = Date.now(),
): Promise<{ record: LockRecord; codec: RecordCodec }> {
  const salt = randomBytes(16);
  const codec = recordCodec(await deriveLockKey(passphrase, salt, kdf));
  const check = (codec.seal('meta', CHECK_KEY, { ok: true }) as { sealed: Uint8Array }).sealed;
  return { record: { v: 1, kdf, salt, check, createdAt: now }, codec };
}

/** The codec for a lock, or LockError WRONG_PASSPHRASE. */
export async function openLock(record: LockRecord, passphrase: string): Promise<RecordCodec> {
  const codec = recordCodec(await deriveLockKey(passphrase, record.salt, record.kdf));
  try {
    codec.open('meta', CHECK_KEY, { sealed: record.check });
  } catch {
    throw new LockError('WRONG_PASSPHRASE', 'wrong passphrase');
  }
  return codec;
}
