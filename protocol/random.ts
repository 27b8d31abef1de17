// All randomness flows through here so tests can see where it is used; the source is the platform CSPRNG.
import { randomBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from './bytes.ts';

export { randomBytes };

/** 128-bit random id as 32 lowercase hex characters: envelope, invitation and device ids. */
export function randomId(): string {
  return bytesToHex(randomBytes(16));
}
