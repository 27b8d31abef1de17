// End-to-end box, version 2: sender-authenticated, recipient-bound (DESIGN.md "E2E construction"),
// with the body padded (padding.ts) so the size tells neither the body kind nor its exact length.
//
//   box   = 0x02 ‖ E (32) ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, inner, aad = 0x02 ‖ E)
//   key   = HKDF-SHA256(X25519(e, recipientX), salt = E ‖ recipientX, info "session-messenger/box/v2")
//   inner = senderId (33: 0x05 ‖ senderX) ‖ senderEdPk (32) ‖ sig (64) ‖ pad(body)
//   sig   = Ed25519(body ‖ senderEdPk ‖ recipientX)
//
// Version 1 (the same without padding) is no longer accepted: nothing stores boxes across the
// protocol bump, and a v1 sender would leak the very sizes v2 hides.
// The signature covers the recipient's key, so a box cannot be re-encrypted to someone else and
// still verify; the senderId ⇄ senderEdPk check stops a valid key from claiming another ID.
// Version 2 (Double Ratchet) will live beside this module behind the same version byte.
import { x25519 } from '@noble/curves/ed25519.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from './bytes.ts';
import type { Identity } from './identity.ts';
import { pad, PAD_FLOOR, paddedSize, unpad } from './padding.ts';
import { randomBytes } from './random.ts';
import { edKeyMatchesSessionId, sessionIdFromX25519, x25519FromSessionId, type SessionId } from './sessionId.ts';
import { nobleVerify, sign, type VerifyFn } from './sign.ts';

export const BOX_VERSION = 2;
const BOX_INFO = utf8ToBytes('session-messenger/box/v2');
const HEADER = 1 + 32 + 24;
const TAG = 16;
const INNER_FIXED = 33 + 32 + 64;
/** Bytes a box adds to its padded body. */
export const BOX_OVERHEAD = HEADER + TAG + INNER_FIXED;
/** The smallest box: every body up to PAD_FLOOR - 4 bytes gives a box of exactly this size. */
export const BOX_MIN_BYTES = BOX_OVERHEAD + PAD_FLOOR;

/** Bytes of the box sealed around a body of `bodyLength` bytes. */
export function boxSize(bodyLength: number): number {
  return BOX_OVERHEAD + paddedSize(bodyLength);
}

export type BoxFailure = 'truncated' | 'version' | 'key' | 'decrypt' | 'sender' | 'signature' | 'padding';

export class BoxError extends Error {
  readonly reason: BoxFailure;
  constructor(reason: BoxFailure, message: string) {
    super(message);
    this.name = 'BoxError';
    this.reason = reason;
  }
}

export interface Opened {
  readonly senderId: SessionId;
  readonly senderEdPublicKey: Uint8Array;
  readonly body: Uint8Array;
}

/** Test-only determinism: vectors pin the ephemeral key and nonce. Never pass these in production. */
export interface SealOptions {
  readonly ephemeralSecretKey?: Uint8Array;
  readonly nonce?: Uint8Array;
}

function boxKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concatBytes(ephemeralPublic, recipientX), BOX_INFO, 32);
}

export function seal(sender: Identity, recipient: SessionId, body: Uint8Array, opts: SealOptions = {}): Uint8Array {
  const recipientX = x25519FromSessionId(recipient);
  const e = opts.ephemeralSecretKey ?? x25519.utils.randomSecretKey();
  const E = x25519.getPublicKey(e);
  // Throws on a low-order recipient key (all-zero shared secret), so nothing is sealed to it.
  const shared = x25519.getSharedSecret(e, recipientX);
  const key = boxKey(shared, E, recipientX);
  const nonce = opts.nonce ?? randomBytes(24);
  const sig = sign(concatBytes(body, sender.edPublicKey, recipientX), sender.edSecretKey);
  const senderIdBytes = concatBytes(Uint8Array.of(5), sender.xPublicKey);
  const inner = concatBytes(senderIdBytes, sender.edPublicKey, sig, pad(body));
  const aad = concatBytes(Uint8Array.of(BOX_VERSION), E);
  const ct = xchacha20poly1305(key, nonce, aad).encrypt(inner);
  return concatBytes(aad, nonce, ct);
}

export function open(recipient: Identity, box: Uint8Array, verify: VerifyFn = nobleVerify): Opened {
  if (box.length < 1) throw new BoxError('truncated', 'box is empty');
  if (box[0] !== BOX_VERSION) throw new BoxError('version', `unsupported box version ${box[0]}`);
  if (box.length < BOX_MIN_BYTES)
    throw new BoxError('truncated', `box is ${box.length} bytes, shorter than the ${BOX_MIN_BYTES}-byte minimum`);
  const E = box.subarray(1, 33);
  const nonce = box.subarray(33, HEADER);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(recipient.xSecretKey, E);
  } catch {
    throw new BoxError('key', 'ephemeral key is invalid or of low order');
  }
  const key = boxKey(shared, E, recipient.xPublicKey);
  let inner: Uint8Array;
  try {
    inner = xchacha20poly1305(key, nonce, box.subarray(0, 33)).decrypt(box.subarray(HEADER));
  } catch {
    throw new BoxError('decrypt', 'authentication failed: tampered, truncated or not for this recipient');
  }
  if (inner[0] !== 5) throw new BoxError('sender', 'sender id has the wrong prefix');
  const senderX = inner.subarray(1, 33);
  const senderEdPublicKey = inner.slice(33, 65);
  const sig = inner.subarray(65, 129);
  const body = unpad(inner.subarray(129));
  if (body === undefined) throw new BoxError('padding', 'padding is malformed');
  const senderId = sessionIdFromX25519(senderX.slice());
  if (!edKeyMatchesSessionId(senderEdPublicKey, senderId)) {
    throw new BoxError('sender', `signing key does not belong to sender ${bytesToHex(senderX).slice(0, 8)}…`);
  }
  if (!verify(sig, concatBytes(body, senderEdPublicKey, recipient.xPublicKey), senderEdPublicKey)) {
    throw new BoxError('signature', 'sender signature does not verify for this recipient');
  }
  return { senderId, senderEdPublicKey, body };
}
