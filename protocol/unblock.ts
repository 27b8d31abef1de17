// An unblock: "I, from, lift my block of `to`", signed by `from`. Blocks are monotonic at the server
// (a newer grant does not lift a revocation); only an unblock whose iat is after the revocation's
// does. Same shape as a revocation, its own domain tag, so neither signature passes for the other.
import { concatBytes, utf8ToBytes, u64be, toBase64, fromBase64 } from './bytes.ts';
import type { ErrorCode } from './codes.ts';
import type { Identity } from './identity.ts';
import { edKeyMatchesSessionId, isSessionId, type SessionId } from './sessionId.ts';
import { domain, nobleVerify, sign, type VerifyFn } from './sign.ts';
import type { Revocation } from './grant.ts';

export const DOMAIN_UNBLOCK = domain('unblock/v1');

/** Same fields as a Revocation. */
export type Unblock = Revocation;

function unblockMessage(from: string, to: string, iat: number): Uint8Array {
  return concatBytes(DOMAIN_UNBLOCK, utf8ToBytes(from), utf8ToBytes(to), u64be(iat));
}

export function createUnblock(granter: Identity, to: SessionId, iat: number): Unblock {
  const sig = sign(unblockMessage(granter.sessionId, to, iat), granter.edSecretKey);
  return { from: granter.sessionId, to, iat, edPk: toBase64(granter.edPublicKey), sig: toBase64(sig) };
}

/** null when the unblock is validly signed by its `from`. */
export function checkUnblock(u: Unblock, verify: VerifyFn = nobleVerify): ErrorCode | null {
  if (!isSessionId(u.from) || !isSessionId(u.to) || u.from === u.to || !Number.isSafeInteger(u.iat) || u.iat < 0) return 'GRANT_INVALID';
  let pk: Uint8Array;
  let s: Uint8Array;
  try {
    pk = fromBase64(u.edPk);
    s = fromBase64(u.sig);
  } catch {
    return 'GRANT_INVALID';
  }
  if (pk.length !== 32 || s.length !== 64 || !edKeyMatchesSessionId(pk, u.from)) return 'GRANT_INVALID';
  return verify(s, unblockMessage(u.from, u.to, u.iat), pk) ? null : 'GRANT_INVALID';
}
