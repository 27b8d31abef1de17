// The encrypted backup file, version 1 (docs/protocol.md "Backup file"). Pure: bytes in, bytes out.
//
//   file   = header ‖ chunk*                       (the last chunk carries the final flag)
//   header = "SMBK" ‖ version (1) ‖ salt (32) ‖ noncePrefix (16) ‖ check (16)      = 69 bytes
//   key    = HKDF-SHA256(ikm = identity entropy, salt, info "session-messenger/backup/v1")
//   check  = HKDF-SHA256(ikm = identity entropy, salt, info "session-messenger/backup/v1/check")[0..16]
//   chunk  = length (u32 BE, of ct) ‖ ct
//   ct     = XChaCha20-Poly1305(key, nonce = noncePrefix ‖ index (u32 BE) ‖ final (1) ‖ 000000,
//                               plaintext ≤ 64 KiB, aad = header)
//
// The index and the final flag live in the nonce, so a chunk moved, dropped, repeated or marked
// final early does not open; a file that ends before its final chunk is truncated; the header is
// every chunk's AAD. `check` tells "another identity made this" apart from "damaged" before any
// chunk is tried (a damaged salt looks like another identity: the message says both).
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, utf8ToBytes } from './bytes.ts';
import { randomBytes } from './random.ts';

export const BACKUP_MAGIC = utf8ToBytes('SMBK');
export const BACKUP_VERSION = 1;
export const BACKUP_HEADER_BYTES = 4 + 1 + 32 + 16 + 16;
export const BACKUP_CHUNK_BYTES = 64 * 1024;
const TAG = 16;
const KEY_INFO = utf8ToBytes('session-messenger/backup/v1');
const CHECK_INFO = utf8ToBytes('session-messenger/backup/v1/check');

/** Stable codes of a backup that cannot be read; nothing is stored when one is thrown. */
export const BACKUP_ERRORS = {
  BACKUP_NOT_A_BACKUP: 'this file is not a Session backup',
  BACKUP_VERSION: 'this backup was made by a newer version of Session',
  BACKUP_WRONG_IDENTITY: 'this backup belongs to another recovery phrase (or its header is damaged)',
  BACKUP_CORRUPT: 'this backup is damaged: a part of it does not verify',
  BACKUP_TRUNCATED: 'this backup is incomplete: it ends before its last part',
  BACKUP_CONTENT: 'this backup opened but its contents are not valid',
} as const;
export type BackupErrorCode = keyof typeof BACKUP_ERRORS;

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, detail?: string) {
    super(detail ? `${BACKUP_ERRORS[code]} (${detail})` : BACKUP_ERRORS[code]);
    this.name = 'BackupError';
    this.code = code;
  }
}

function keys(entropy: Uint8Array, salt: Uint8Array): { key: Uint8Array; check: Uint8Array } {
  return { key: hkdf(sha256, entropy, salt, KEY_INFO, 32), check: hkdf(sha256, entropy, salt, CHECK_INFO, 16) };
}

function nonce(prefix: Uint8Array, index: number, final: boolean): Uint8Array {
  const n = new Uint8Array(24);
  n.set(prefix, 0);
  new DataView(n.buffer).setUint32(16, index);
  n[20] = final ? 1 : 0;
  return n;
}

/** Test-only determinism. */
export interface BackupSealOptions {
  readonly salt?: Uint8Array;
  readonly noncePrefix?: Uint8Array;
  readonly chunkBytes?: number;
}

/** Encrypts plaintext for whoever holds the same identity entropy (the phrase). */
export function sealBackup(entropy: Uint8Array, plaintext: Uint8Array, opts: BackupSealOptions = {}): Uint8Array {
  const salt = opts.salt ?? randomBytes(32);
  const prefix = opts.noncePrefix ?? randomBytes(16);
  const size = opts.chunkBytes ?? BACKUP_CHUNK_BYTES;
  const { key, check } = keys(entropy, salt);
  const header = concatBytes(BACKUP_MAGIC, Uint8Array.of(BACKUP_VERSION), salt, prefix, check);
  const parts: Uint8Array[] = [header];
  const count = Math.max(1, Math.ceil(plaintext.length / size));
  for (let i = 0; i < count; i++) {
    const final = i === count - 1;
    const ct = xchacha20poly1305(key, nonce(prefix, i, final), header).encrypt(plaintext.subarray(i * size, (i + 1) * size));
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, ct.length);
    parts.push(len, ct);
  }
  return concatBytes(...parts);
}

/** The plaintext, or a BackupError saying what is wrong with the file. */
export function openBackup(entropy: Uint8Array, file: Uint8Array): Uint8Array {
  if (file.length < 5 || !equalBytes(file.subarray(0, 4), BACKUP_MAGIC)) throw new BackupError('BACKUP_NOT_A_BACKUP');
  if (file[4] !== BACKUP_VERSION) throw new BackupError('BACKUP_VERSION', `version ${file[4]}`);
  if (file.length < BACKUP_HEADER_BYTES) throw new BackupError('BACKUP_TRUNCATED', 'header');
  const header = file.subarray(0, BACKUP_HEADER_BYTES);
  const salt = header.subarray(5, 37);
  const prefix = header.subarray(37, 53);
  const { key, check } = keys(entropy, salt);
  if (!equalBytes(header.subarray(53, 69), check)) throw new BackupError('BACKUP_WRONG_IDENTITY');
  const out: Uint8Array[] = [];
  let pos = BACKUP_HEADER_BYTES;
  for (let i = 0; ; i++) {
    if (pos === file.length) throw new BackupError('BACKUP_TRUNCATED', `no final part after ${i}`);
    if (pos + 4 > file.length) throw new BackupError('BACKUP_TRUNCATED', `part ${i} length`);
    const len = new DataView(file.buffer, file.byteOffset + pos, 4).getUint32(0);
    if (len < TAG || len > BACKUP_CHUNK_BYTES * 4 + TAG) throw new BackupError('BACKUP_CORRUPT', `part ${i} length ${len}`);
    if (pos + 4 + len > file.length) throw new BackupError('BACKUP_TRUNCATED', `part ${i}`);
    const ct = file.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    const last = pos === file.length;
    // Tried as final only at the end of the file: a final part followed by more bytes, or a
    // non-final one at the end, fails to open either way.
    try {
      out.push(xchacha20poly1305(key, nonce(prefix, i, last), header).decrypt(ct));
    } catch {
      if (last) {
        // The last bytes may be a whole non-final part: the file was cut after it.
        try {
          xchacha20poly1305(key, nonce(prefix, i, false), header).decrypt(ct);
          throw new BackupError('BACKUP_TRUNCATED', `ends after part ${i}`);
        } catch (e) {
          if (e instanceof BackupError) throw e;
        }
      }
      throw new BackupError('BACKUP_CORRUPT', `part ${i}`);
    }
    if (last) return concatBytes(...out);
  }
}
