// Auth frames for the load generator. protocol's createAuthFrame signs with @noble (≈0.85 ms per
// signature on this machine), which would cap one client core at ~1.2k authentications/s and fold
// client signing time into hello→ready. Ed25519 is deterministic, so Node's native Ed25519 over
// protocol's own authMessage (auth v2) gives the byte-identical frame in ≈0.03 ms; smoke.test.ts checks
// that it equals createAuthFrame's output. `--signer noble` uses createAuthFrame itself.
import { createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import {
  authMessage,
  createAuthFrame,
  toBase64,
  unsignedAuthFrame,
  type ClientFrames,
  type Grant,
  type Identity,
} from '../../protocol/index.ts';

export type SignerKind = 'native' | 'noble';

/** JWK with the public half given: ~0.14 ms, where PKCS#8 (which derives it) takes ~0.85 ms here. */
export function nativeKey(identity: Identity): KeyObject {
  const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(identity.edSecretKey), x: b64url(identity.edPublicKey) },
    format: 'jwk',
  });
}

export interface AuthParams {
  readonly identity: Identity;
  readonly deviceId: string;
  readonly nonce: string;
  /** The hello's epoch and the URL dialled: auth v2 signs both. */
  readonly epoch: string;
  readonly url: string;
  readonly grants: Grant[];
  /** Needed for the native signer; made once per identity before timings start. */
  readonly key?: KeyObject;
}

export function authFrame(p: AuthParams, signer: SignerKind): ClientFrames['auth'] {
  const input = { identity: p.identity, deviceId: p.deviceId, nonce: p.nonce, epoch: p.epoch, url: p.url, grants: p.grants };
  if (signer === 'noble' || !p.key) return createAuthFrame(input);
  // The frame createAuthFrame builds, signed natively (the test compares the two).
  const frame = unsignedAuthFrame(input);
  return { ...frame, signature: toBase64(nodeSign(null, authMessage(frame, p.epoch), p.key)) };
}
