// Challenge-response authentication (auth v2, docs/protocol.md "Auth signature"): the client proves
// it holds the key behind its Session ID, for this server and this frame only. The signature covers
// the server origin the client dialled and the hello epoch, so a nonce relayed from another
// deployment (or through a man in the middle) signs for the wrong origin; and a hash of every other
// field of the frame, so grants, revocations, resume and whatever is added later cannot be altered.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64, toBase64, utf8ToBytes } from './bytes.ts';
import { canonicalJson } from './canonical.ts';
import type { ErrorCode } from './codes.ts';
import type { ClientFrames } from './frames.ts';
import type { Grant, Revocation } from './grant.ts';
import type { Identity } from './identity.ts';
import { normaliseOrigin } from './origin.ts';
import { edKeyMatchesSessionId, type SessionId } from './sessionId.ts';
import { domain, nobleVerify, sign, type VerifyFn } from './sign.ts';

export { normaliseOrigin } from './origin.ts';

export const DOMAIN_AUTH = domain('auth/v2');

type AuthFrame = ClientFrames['auth'];

/** Fields placed in the signed message themselves; every other field is covered by fieldsHash. */
const SIGNED_DIRECTLY = new Set(['origin', 'nonce', 'sessionId', 'deviceId', 'signature']);

export interface AuthInput {
  identity: Identity;
  deviceId: string;
  /** The hello this frame answers. */
  nonce: string;
  epoch: string;
  /** The WebSocket URL this socket dialled (normalised to its origin here). */
  url: string;
  resume?: { epoch: string; offset: number } | undefined;
  grants?: Grant[];
  revocations?: Revocation[];
  hidePresence?: boolean;
}

/** What the server expects of an auth frame on one socket. */
export interface AuthChallenge {
  readonly nonce: string;
  readonly epoch: string;
  /** This server's public origins, normalised (normaliseOrigin). */
  readonly origins: ReadonlySet<string>;
  /**
   * SHA-256 of a text's UTF-8, if the caller has a faster one than noble's (the server: Node's,
   * ~10× on the 15 KB of an auth frame with 50 grants; issue 14).
   */
  readonly sha256Text?: (text: string) => Uint8Array;
  /**
   * authFieldsHash(frame) by a faster route the caller holds to the same bytes (the server: one flat
   * string built for the schema's fields, without canonicalJson's generic walk; issue 14). Wins
   * over sha256Text.
   */
  readonly fieldsHash?: (frame: AuthFrame) => Uint8Array;
}

const nobleSha256Text = (text: string): Uint8Array => sha256(utf8ToBytes(text));

function lengthPrefixed(text: string): Uint8Array {
  const b = utf8ToBytes(text);
  if (b.length > 0xffff) throw new RangeError('auth: field longer than 65535 bytes');
  return concatBytes(new Uint8Array([b.length >> 8, b.length & 255]), b);
}

/** SHA-256 of the canonical JSON of every field not in the message itself (type included). */
export function authFieldsHash(frame: AuthFrame, sha256Text = nobleSha256Text): Uint8Array {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(frame)) if (!SIGNED_DIRECTLY.has(k)) rest[k] = v;
  return sha256Text(canonicalJson(rest));
}

/**
 * The signed bytes: tag ‖ len‖origin ‖ len‖epoch ‖ nonce (32) ‖ sessionId (66) ‖ len‖deviceId ‖
 * SHA-256(canonical other fields); len is 2 bytes big-endian.
 */
export function authMessage(frame: AuthFrame, epoch: string, sha256Text = nobleSha256Text): Uint8Array {
  return messageWith(frame, epoch, authFieldsHash(frame, sha256Text));
}

function messageWith(frame: AuthFrame, epoch: string, fieldsHash: Uint8Array): Uint8Array {
  return concatBytes(
    DOMAIN_AUTH,
    lengthPrefixed(frame.origin),
    lengthPrefixed(epoch),
    fromBase64(frame.nonce),
    utf8ToBytes(frame.sessionId),
    lengthPrefixed(frame.deviceId),
    fieldsHash,
  );
}

const PLACEHOLDER_SIGNATURE = toBase64(new Uint8Array(64));

/** The frame with a placeholder signature (as long as a real one): shape it, then signAuthFrame. */
export function unsignedAuthFrame(input: Omit<AuthInput, 'epoch'>): AuthFrame {
  const { identity, deviceId, nonce } = input;
  const frame: AuthFrame = {
    type: 'auth',
    sessionId: identity.sessionId,
    edPublicKey: toBase64(identity.edPublicKey),
    deviceId,
    nonce,
    origin: normaliseOrigin(input.url),
    signature: PLACEHOLDER_SIGNATURE,
    grants: input.grants ?? [],
    revocations: input.revocations ?? [],
  };
  if (input.resume) frame.resume = input.resume;
  if (input.hidePresence !== undefined) frame.hidePresence = input.hidePresence;
  return frame;
}

/** Signs the frame as it stands (after the last change to any field). */
export function signAuthFrame(frame: AuthFrame, epoch: string, identity: Identity): AuthFrame {
  return { ...frame, signature: toBase64(sign(authMessage(frame, epoch), identity.edSecretKey)) };
}

export function createAuthFrame(input: AuthInput): AuthFrame {
  return signAuthFrame(unsignedAuthFrame(input), input.epoch, input.identity);
}

/**
 * Checks an auth frame (already schema-valid) against this socket's challenge.
 * Order matters: cheap checks first, the signature last, so junk costs the server little.
 */
export function verifyAuthFrame(frame: AuthFrame, challenge: AuthChallenge, verify: VerifyFn = nobleVerify): ErrorCode | null {
  if (frame.nonce !== challenge.nonce) return 'AUTH_NONCE_REPLAYED';
  if (!challenge.origins.has(frame.origin)) return 'AUTH_ORIGIN_MISMATCH';
  const edPk = fromBase64(frame.edPublicKey);
  if (!edKeyMatchesSessionId(edPk, frame.sessionId as SessionId)) return 'AUTH_KEY_MISMATCH';
  const fieldsHash = challenge.fieldsHash?.(frame) ?? authFieldsHash(frame, challenge.sha256Text);
  if (!verify(fromBase64(frame.signature), messageWith(frame, challenge.epoch, fieldsHash), edPk)) return 'AUTH_BAD_SIGNATURE';
  return null;
}
