// Session ID = "05" + hex(X25519 public key). The only identity a person has.
import { bytesToHex, hexToBytes } from './bytes.ts';
import { ProtocolError } from './codes.ts';

export type SessionId = string & { readonly __brand: 'SessionId' };

const SESSION_ID_RE = /^05[0-9a-f]{64}$/;

export function isSessionId(value: unknown): value is SessionId {
  return typeof value === 'string' && SESSION_ID_RE.test(value);
}

/** Parses user or wire input; surrounding whitespace (a paste) is forgiven, nothing else is. */
export function parseSessionId(value: unknown): SessionId {
  const s = typeof value === 'string' ? value.trim() : value;
  if (!isSessionId(s)) {
    const got = typeof s === 'string' ? `${s.length} characters` : typeof s;
    throw new ProtocolError('INVALID_SESSION_ID', `got ${got}`);
  }
  return s;
}

/**
 * A Session ID as a person pastes or types it: selected across the line breaks of a narrow screen,
 * with spaces, zero-width characters or in upper case. Hex has one spelling, so these change
 * nothing about which ID is meant.
 */
export function normaliseSessionId(text: string): string {
  return text.replace(/[\s\u200b-\u200d\u2060\ufeff]+/g, '').toLowerCase();
}

/** parseSessionId for input a person typed (normaliseSessionId first); wire input stays strict. */
export function parseUserSessionId(value: unknown): SessionId {
  return parseSessionId(typeof value === 'string' ? normaliseSessionId(value) : value);
}

/** Why a pasted string is not a Session ID, in words a person understands; null when it is one. */
export function describeSessionIdProblem(value: string): string | null {
  const s = normaliseSessionId(value);
  if (s.length === 0) return 'Enter a Session ID.';
  if (!/^[0-9a-f]*$/.test(s)) return 'A Session ID has only the characters 0-9 and a-f.';
  if (!s.startsWith('05')) return 'A Session ID starts with 05.';
  if (s.length !== 66) return `A Session ID is 66 characters long; this one has ${s.length}.`;
  return null;
}

export function sessionIdFromX25519(xPublicKey: Uint8Array): SessionId {
  if (xPublicKey.length !== 32) throw new TypeError(`X25519 public key: expected 32 bytes, got ${xPublicKey.length}`);
  return ('05' + bytesToHex(xPublicKey)) as SessionId;
}

export function x25519FromSessionId(id: SessionId): Uint8Array {
  return hexToBytes(id.slice(2));
}

const P = 2n ** 255n - 19n;

function leBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * True when the Ed25519 key converts to the X25519 key inside the Session ID. This is what binds a
 * signing key to an ID: without it anyone could sign for any ID.
 *
 * The birational map is u = (1 + y) / (1 − y) (RFC 7748 §4.1), so the check is one multiplication,
 * u·(1 − y) ≡ 1 + y (mod p), instead of decompressing the point and inverting (~20× slower; it was
 * a quarter of the server's CPU per connection). It does not prove y is on the curve: every caller
 * verifies a signature under this key next, and verification rejects invalid points.
 */
export function edKeyMatchesSessionId(edPublicKey: Uint8Array, id: SessionId): boolean {
  if (edPublicKey.length !== 32) return false;
  const yBytes = edPublicKey.slice();
  yBytes[31]! &= 0x7f; // the top bit is the sign of x, which the map ignores
  const y = leBigInt(yBytes);
  const u = leBigInt(x25519FromSessionId(id));
  if (y >= P || u >= P) return false; // non-canonical encodings would give one ID two keys
  return (u * (1n - y + P) - (1n + y)) % P === 0n;
}

/** Shortened form for logs at info level: enough to correlate, not enough to identify. */
export function redactSessionId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : '…';
}
