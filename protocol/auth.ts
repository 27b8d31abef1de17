// Challenge-response authentication: the client proves it holds the key behind its Session ID.
import { fromBase64, toBase64 } from './bytes.ts';
import type { ErrorCode } from './codes.ts';
import type { ClientFrames } from './frames.ts';
import type { Grant, Revocation } from './grant.ts';
import type { Identity } from './identity.ts';
import { edKeyMatchesSessionId, type SessionId } from './sessionId.ts';
import { authMessage, nobleVerify, sign, type VerifyFn } from './sign.ts';

export interface AuthInput {
  identity: Identity;
  deviceId: string;
  nonce: string;
  resume?: { epoch: string; offset: number } | undefined;
  grants?: Grant[];
  revocations?: Revocation[];
  hidePresence?: boolean;
}

export function createAuthFrame(input: AuthInput): ClientFrames['auth'] {
  const { identity, deviceId, nonce } = input;
  const signature = sign(authMessage(fromBase64(nonce), identity.sessionId, deviceId), identity.edSecretKey);
  const frame: ClientFrames['auth'] = {
    type: 'auth',
    sessionId: identity.sessionId,
    edPublicKey: toBase64(identity.edPublicKey),
    deviceId,
    nonce,
    signature: toBase64(signature),
    grants: input.grants ?? [],
    revocations: input.revocations ?? [],
  };
  if (input.resume) frame.resume = input.resume;
  if (input.hidePresence !== undefined) frame.hidePresence = input.hidePresence;
  return frame;
}

/**
 * Checks an auth frame (already schema-valid) against the nonce this connection was given.
 * Order matters: cheap checks first, the signature last, so junk costs the server little.
 */
export function verifyAuthFrame(frame: ClientFrames['auth'], issuedNonce: string, verify: VerifyFn = nobleVerify): ErrorCode | null {
  if (frame.nonce !== issuedNonce) return 'AUTH_NONCE_REPLAYED';
  const edPk = fromBase64(frame.edPublicKey);
  if (!edKeyMatchesSessionId(edPk, frame.sessionId as SessionId)) return 'AUTH_KEY_MISMATCH';
  const msg = authMessage(fromBase64(frame.nonce), frame.sessionId, frame.deviceId);
  if (!verify(fromBase64(frame.signature), msg, edPk)) return 'AUTH_BAD_SIGNATURE';
  return null;
}
