// Attachment encryption, version 2: a file padded, then sealed with a fresh random key in fixed-size chunks
// (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, "Online Authenticated-Encryption
// and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), so a truncated, reordered, extended or
// altered file never decrypts. docs/protocol.md "Attachments".
//
//   stream = u32be(len(file)) ‖ file ‖ zero bytes, to attachmentPaddedSize(len(file))
//   sealed = header (24) ‖ chunk_0 ‖ … ‖ chunk_{n-1}        (n ≥ 1; only the last may be short)
//   header = 0x02 ‖ 0x00 0x00 0x00 ‖ prefix (16, random) ‖ CHUNK_BYTES (u32 BE)
//   chunk_i = XChaCha20-Poly1305(key, nonce_i, stream_i, aad_i)
//   nonce_i = prefix ‖ i (u32 BE) ‖ last (1) ‖ 0x00 0x00 0x00
//   aad_i   = header ‖ i (u32 BE) ‖ last (1)                  last = 1 for chunk n-1, else 0
//   digest  = SHA-256(sealed)                                  checked before any chunk is opened
//
// The index and the final flag are in both the nonce and the associated data: a chunk moved to
// another place, or a file cut at a chunk boundary (whose new last chunk carries last = 0), fails
// its tag. The key is never reused, so the random prefix is defence in depth, not a requirement.
//
// Padding: without it the server (and anyone on the path) sees each file's exact length, which names
// a well-known file (a meme, a published PDF). The stream is rounded up as Signal rounds attachments
// (PaddingInputStream.getPaddedSize: max(541, ⌊1.05^⌈log_1.05 n⌉⌋), at most 5 % more), and the true
// length travels inside the encryption, so the digest and every tag cover it and the padding. The
// reader trusts only the length (never the bucket rule, whose floating point may differ by engine),
// checks it against what it decrypted and that the padding is zero. Version 1 (no length, no
// padding: stream = file) is still opened, for files sent before padding.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from './random.ts';

export const ATTACHMENT_VERSION = 2;
/** Files sealed before padding: opened, never made. */
export const ATTACHMENT_VERSION_UNPADDED = 1;
export const ATTACHMENT_HEADER_BYTES = 24;
/** Plaintext bytes per chunk: big enough that the tags cost 0.02 %, small enough to stream. */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
export const ATTACHMENT_TAG_BYTES = 16;
export const ATTACHMENT_KEY_BYTES = 32;
const LENGTH_BYTES = 4;
/** Signal's floor: every file of up to 537 bytes is one size. */
export const ATTACHMENT_PAD_FLOOR = 541;

export type AttachmentFailure = 'header' | 'length' | 'padding' | 'digest' | 'chunk' | 'key';

export class AttachmentError extends Error {
  readonly reason: AttachmentFailure;
  constructor(reason: AttachmentFailure, message: string) {
    super(message);
    this.name = 'AttachmentError';
    this.reason = reason;
  }
}

/** Number of chunks for a plaintext of size bytes (an empty file is one empty final chunk). */
export function attachmentChunks(size: number, chunkBytes = ATTACHMENT_CHUNK_BYTES): number {
  return Math.max(1, Math.ceil(size / chunkBytes));
}

/** Sealed length of a stream of size bytes (for version 1, the file itself). */
export function attachmentCiphertextSize(size: number, chunkBytes = ATTACHMENT_CHUNK_BYTES): number {
  return ATTACHMENT_HEADER_BYTES + size + attachmentChunks(size, chunkBytes) * ATTACHMENT_TAG_BYTES;
}

/** The largest stream whose sealed size is at most maxSealed bytes (0 when none fits). */
function largestStream(maxSealed: number, chunkBytes: number): number {
  const n = Math.ceil((maxSealed - ATTACHMENT_HEADER_BYTES) / (chunkBytes + ATTACHMENT_TAG_BYTES));
  let s = maxSealed - ATTACHMENT_HEADER_BYTES - Math.max(1, n) * ATTACHMENT_TAG_BYTES;
  while (s > 0 && attachmentCiphertextSize(s, chunkBytes) > maxSealed) s--;
  return Math.max(0, s);
}

/**
 * Stream bytes (length prefix, file, padding) for a file of size bytes. With maxSealed (the
 * server's limit on a blob), a bucket that would not fit is cut to the most that does, so a file
 * just under the limit still goes: all such files share that one size.
 */
export function attachmentPaddedSize(size: number, opts: { maxSealed?: number; chunkBytes?: number } = {}): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > 0xffffffff) throw new RangeError(`size: expected 0..2^32-1, got ${size}`);
  const n = LENGTH_BYTES + size;
  const bucket = Math.max(n, ATTACHMENT_PAD_FLOOR, Math.floor(1.05 ** Math.ceil(Math.log(n) / Math.log(1.05))));
  if (opts.maxSealed === undefined) return bucket;
  const most = largestStream(opts.maxSealed, opts.chunkBytes ?? ATTACHMENT_CHUNK_BYTES);
  return n <= most ? Math.min(bucket, most) : bucket;
}

/** What the server is told and stores for a file of size bytes sealed now (padded, version 2). */
export function attachmentSealedSize(size: number, opts: { maxSealed?: number; chunkBytes?: number } = {}): number {
  return attachmentCiphertextSize(attachmentPaddedSize(size, opts), opts.chunkBytes);
}

function header(prefix: Uint8Array, chunkBytes: number): Uint8Array {
  const h = new Uint8Array(ATTACHMENT_HEADER_BYTES);
  h[0] = ATTACHMENT_VERSION;
  h.set(prefix, 4);
  new DataView(h.buffer).setUint32(20, chunkBytes);
  return h;
}

function nonceAndAad(hdr: Uint8Array, index: number, last: boolean): { nonce: Uint8Array; aad: Uint8Array } {
  const nonce = new Uint8Array(24);
  nonce.set(hdr.subarray(4, 20), 0);
  new DataView(nonce.buffer).setUint32(16, index);
  nonce[20] = last ? 1 : 0;
  const aad = new Uint8Array(ATTACHMENT_HEADER_BYTES + 5);
  aad.set(hdr, 0);
  new DataView(aad.buffer).setUint32(ATTACHMENT_HEADER_BYTES, index);
  aad[ATTACHMENT_HEADER_BYTES + 4] = last ? 1 : 0;
  return { nonce, aad };
}

export interface SealedAttachment {
  readonly ciphertext: Uint8Array;
  readonly key: Uint8Array;
  /** SHA-256 of the ciphertext. */
  readonly digest: Uint8Array;
}

/**
 * Pads and encrypts a file under a fresh key. `key` and `prefix` are for test vectors only: a key
 * must never seal two files (the nonces would repeat). maxSealed: see attachmentPaddedSize.
 */
export function sealAttachment(
  file: Uint8Array,
  opts: { key?: Uint8Array; prefix?: Uint8Array; chunkBytes?: number; maxSealed?: number } = {},
): SealedAttachment {
  const key = opts.key ?? randomBytes(ATTACHMENT_KEY_BYTES);
  const prefix = opts.prefix ?? randomBytes(16);
  const chunkBytes = opts.chunkBytes ?? ATTACHMENT_CHUNK_BYTES;
  if (key.length !== ATTACHMENT_KEY_BYTES)
    throw new AttachmentError('key', `key: expected ${ATTACHMENT_KEY_BYTES} bytes, got ${key.length}`);
  if (prefix.length !== 16) throw new AttachmentError('header', `prefix: expected 16 bytes, got ${prefix.length}`);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > 1 << 24)
    throw new AttachmentError('header', `chunkBytes: expected 1..2^24, got ${chunkBytes}`);
  const plain = new Uint8Array(attachmentPaddedSize(file.length, { chunkBytes, ...(opts.maxSealed ? { maxSealed: opts.maxSealed } : {}) }));
  new DataView(plain.buffer).setUint32(0, file.length);
  plain.set(file, LENGTH_BYTES);
  const hdr = header(prefix, chunkBytes);
  const n = attachmentChunks(plain.length, chunkBytes);
  const out = new Uint8Array(attachmentCiphertextSize(plain.length, chunkBytes));
  out.set(hdr, 0);
  let w = ATTACHMENT_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const { nonce, aad } = nonceAndAad(hdr, i, i === n - 1);
    const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plain.subarray(i * chunkBytes, Math.min(plain.length, (i + 1) * chunkBytes)));
    out.set(sealed, w);
    w += sealed.length;
  }
  return { ciphertext: out, key, digest: sha256(out) };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * Decrypts a downloaded file: the digest first (the server gave back what was uploaded), then every
 * chunk in order (nothing was cut, moved or altered). Throws AttachmentError, never returns a part.
 */
export function openAttachment(file: Uint8Array, key: Uint8Array, digest: Uint8Array): Uint8Array {
  if (key.length !== ATTACHMENT_KEY_BYTES)
    throw new AttachmentError('key', `key: expected ${ATTACHMENT_KEY_BYTES} bytes, got ${key.length}`);
  if (!equalBytes(sha256(file), digest)) throw new AttachmentError('digest', 'the file does not match its digest');
  if (file.length < ATTACHMENT_HEADER_BYTES + ATTACHMENT_TAG_BYTES)
    throw new AttachmentError('length', `file of ${file.length} bytes is shorter than a header and one tag`);
  const hdr = file.subarray(0, ATTACHMENT_HEADER_BYTES);
  const version = hdr[0];
  if ((version !== ATTACHMENT_VERSION && version !== ATTACHMENT_VERSION_UNPADDED) || hdr[1] !== 0 || hdr[2] !== 0 || hdr[3] !== 0)
    throw new AttachmentError('header', `unknown attachment version ${hdr[0]}`);
  const chunkBytes = new DataView(hdr.buffer, hdr.byteOffset).getUint32(20);
  if (chunkBytes < 1 || chunkBytes > 1 << 24) throw new AttachmentError('header', `chunk size ${chunkBytes} out of range`);
  const body = file.length - ATTACHMENT_HEADER_BYTES;
  const sealedChunk = chunkBytes + ATTACHMENT_TAG_BYTES;
  const n = Math.max(1, Math.ceil(body / sealedChunk));
  const plainSize = body - n * ATTACHMENT_TAG_BYTES;
  // A trailing piece too short for a tag, or one that only fits an earlier chunk count.
  if (plainSize < 0 || attachmentCiphertextSize(plainSize, chunkBytes) !== file.length)
    throw new AttachmentError('length', `${file.length} bytes is not a whole number of chunks`);
  const out = new Uint8Array(plainSize);
  for (let i = 0; i < n; i++) {
    const { nonce, aad } = nonceAndAad(hdr, i, i === n - 1);
    const start = ATTACHMENT_HEADER_BYTES + i * sealedChunk;
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, nonce, aad).decrypt(file.subarray(start, Math.min(file.length, start + sealedChunk)));
    } catch {
      throw new AttachmentError('chunk', `chunk ${i} of ${n} does not authenticate (altered, moved, or the file was cut or extended)`);
    }
    out.set(plain, i * chunkBytes);
  }
  return version === ATTACHMENT_VERSION_UNPADDED ? out : unpadStream(out);
}

/** The file inside a decrypted version 2 stream. Authenticated already: a bad length is the sender's. */
function unpadStream(stream: Uint8Array): Uint8Array {
  if (stream.length < LENGTH_BYTES) throw new AttachmentError('length', `stream of ${stream.length} bytes has no length`);
  const len = new DataView(stream.buffer, stream.byteOffset, stream.byteLength).getUint32(0);
  if (len > stream.length - LENGTH_BYTES)
    throw new AttachmentError('length', `length ${len} is past the end of ${stream.length - LENGTH_BYTES} bytes`);
  for (let i = LENGTH_BYTES + len; i < stream.length; i++)
    if (stream[i] !== 0) throw new AttachmentError('padding', 'the padding is not zero');
  return stream.subarray(LENGTH_BYTES, LENGTH_BYTES + len);
}
