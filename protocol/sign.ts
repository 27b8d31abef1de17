// Ed25519 signing with domain separation. Every signed statement starts with its own tag, so a
// signature made for one purpose (auth, grant, revocation) can never be replayed as another.
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8ToBytes } from './bytes.ts';

/** Verification is pluggable so the server can use a native implementation for the same check. */
export type VerifyFn = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** Strict RFC 8032 verification (no ZIP-215 leniency): one valid signature encoding per message. */
export const nobleVerify: VerifyFn = (signature, message, publicKey) => {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};

export function sign(message: Uint8Array, edSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, edSecretKey);
}

export function domain(tag: string): Uint8Array {
  return utf8ToBytes(`session-messenger/${tag}\0`);
}

export const DOMAIN_GRANT = domain('grant/v1');
export const DOMAIN_REVOKE = domain('revoke/v1');
