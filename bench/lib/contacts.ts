// Identities with contacts: device i holds a grant from each of the k devices after it (mod n), as
// a user with k contacts presents k grants at every connect. Signed with Node's native Ed25519 over
// protocol's grant message (≈0.05 ms a grant instead of noble's ≈0.85; deterministic, so the grant
// equals protocol's createGrant byte for byte — the smoke test checks). Kept in memory only: 10k × 50
// grants are ~150 MB of JSON, cheaper to sign again (~25 s) than to cache.
import { sign as nodeSign } from 'node:crypto';
import {
  concatBytes,
  DOMAIN_GRANT,
  GRANT_LIFETIME_MS,
  toBase64,
  u64be,
  utf8ToBytes,
  type Grant,
  type Identity,
} from '../../protocol/index.ts';
import { devices, type Device } from './fixtures.ts';
import { nativeKey } from './signer.ts';

export function nativeGrant(
  granter: Identity,
  key: ReturnType<typeof nativeKey>,
  to: string,
  iat: number,
  lifetimeMs = GRANT_LIFETIME_MS,
): Grant {
  const exp = iat + lifetimeMs;
  const msg = concatBytes(DOMAIN_GRANT, utf8ToBytes(granter.sessionId), utf8ToBytes(to), u64be(iat), u64be(exp));
  return { from: granter.sessionId, to, iat, exp, edPk: toBase64(granter.edPublicKey), sig: toBase64(nodeSign(null, msg, key)) };
}

const memo = new Map<string, Grant[][]>();

/** n devices and, for each, the grants of its k contacts. */
export function withContacts(n: number, k: number, now = Date.now()): { devices: Device[]; grants: Grant[][] } {
  const devs = devices(n);
  const tag = `${n}/${k}`;
  let grants = memo.get(tag);
  if (!grants) {
    const keys = devs.map((d) => nativeKey(d.identity));
    grants = devs.map((d, i) => {
      const out: Grant[] = [];
      for (let j = 1; j <= Math.min(k, n - 1); j++) {
        const g = (i + j) % n;
        out.push(nativeGrant(devs[g]!.identity, keys[g]!, d.identity.sessionId, now));
      }
      return out;
    });
    memo.set(tag, grants);
  }
  return { devices: devs, grants };
}
