// Contact grants: "I, from, accept envelopes and presence queries from `to` until exp", signed by
// `from`. The server enforces them without a contact database; clients hold and present them.
// A revocation (block) voids every grant from→to issued at or before its own iat.
import { concatBytes, fromBase64, toBase64, u64be, utf8ToBytes } from './bytes.ts';
import type { ErrorCode } from './codes.ts';
import type { Identity } from './identity.ts';
import { edKeyMatchesSessionId, isSessionId, type SessionId } from './sessionId.ts';
import { DOMAIN_GRANT, DOMAIN_REVOKE, nobleVerify, sign, type VerifyFn } from './sign.ts';

export const GRANT_LIFETIME_MS = 30 * 24 * 3600_000;
/** A grant is renewed by its granter when less than this is left. */
export const GRANT_RENEW_BEFORE_MS = 10 * 24 * 3600_000;

export interface Grant {
  readonly from: string;
  readonly to: string;
  /** Issued at, ms since epoch. */
  readonly iat: number;
  /** Expires at, ms since epoch. */
  readonly exp: number;
  /** Granter's Ed25519 public key, base64. */
  readonly edPk: string;
  /** Ed25519 signature, base64. */
  readonly sig: string;
}

export interface Revocation {
  readonly from: string;
  readonly to: string;
  readonly iat: number;
  readonly edPk: string;
  readonly sig: string;
}

function grantMessage(from: string, to: string, iat: number, exp: number): Uint8Array {
  return concatBytes(DOMAIN_GRANT, utf8ToBytes(from), utf8ToBytes(to), u64be(iat), u64be(exp));
}

function revocationMessage(from: string, to: string, iat: number): Uint8Array {
  return concatBytes(DOMAIN_REVOKE, utf8ToBytes(from), utf8ToBytes(to), u64be(iat));
}

export function createGrant(granter: Identity, to: SessionId, now: number, lifetimeMs = GRANT_LIFETIME_MS): Grant {
  const exp = now + lifetimeMs;
  const sig = sign(grantMessage(granter.sessionId, to, now, exp), granter.edSecretKey);
  return { from: granter.sessionId, to, iat: now, exp, edPk: toBase64(granter.edPublicKey), sig: toBase64(sig) };
}

export function createRevocation(granter: Identity, to: SessionId, now: number): Revocation {
  const sig = sign(revocationMessage(granter.sessionId, to, now), granter.edSecretKey);
  return { from: granter.sessionId, to, iat: now, edPk: toBase64(granter.edPublicKey), sig: toBase64(sig) };
}

function signedBy(from: string, edPk: string, sig: string, message: Uint8Array, verify: VerifyFn): boolean {
  if (!isSessionId(from)) return false;
  let pk: Uint8Array;
  let s: Uint8Array;
  try {
    pk = fromBase64(edPk);
    s = fromBase64(sig);
  } catch {
    return false;
  }
  if (pk.length !== 32 || s.length !== 64) return false;
  return edKeyMatchesSessionId(pk, from) && verify(s, message, pk);
}

/** null when the grant is valid for `holder` at `now`; otherwise the error code to report. */
export function checkGrant(g: Grant, holder: string, now: number, verify: VerifyFn = nobleVerify): ErrorCode | null {
  if (!isSessionId(g.to) || g.to !== holder || g.from === g.to) return 'GRANT_INVALID';
  if (!Number.isSafeInteger(g.iat) || !Number.isSafeInteger(g.exp) || g.iat < 0 || g.exp <= g.iat) return 'GRANT_INVALID';
  if (!signedBy(g.from, g.edPk, g.sig, grantMessage(g.from, g.to, g.iat, g.exp), verify)) return 'GRANT_INVALID';
  if (g.exp <= now) return 'GRANT_EXPIRED';
  return null;
}

/** null when the revocation is validly signed by its `from`. */
export function checkRevocation(r: Revocation, verify: VerifyFn = nobleVerify): ErrorCode | null {
  if (!isSessionId(r.to) || r.from === r.to || !Number.isSafeInteger(r.iat) || r.iat < 0) return 'GRANT_INVALID';
  if (!signedBy(r.from, r.edPk, r.sig, revocationMessage(r.from, r.to, r.iat), verify)) return 'GRANT_INVALID';
  return null;
}

export function isRevokedBy(g: Pick<Grant, 'iat'>, revokedAt: number | undefined): boolean {
  return revokedAt !== undefined && g.iat <= revokedAt;
}
