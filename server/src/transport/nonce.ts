// Auth challenge nonces (docs/protocol.md "Connection and authentication"): 32 random bytes per
// socket, drawn from a pooled buffer so a connection storm costs one CSPRNG call per 256 sockets
// instead of one each. Each slice is handed out once and the pool is refilled, never reused.
import { randomFillSync } from 'node:crypto';

const NONCE_BYTES = 32;
const POOL_NONCES = 256;

const pool = Buffer.alloc(NONCE_BYTES * POOL_NONCES);
let next = pool.length; // empty: filled on first use

/** A fresh nonce, base64 as it travels in hello and auth. */
export function nextNonce(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const nonce = pool.toString('base64', next, next + NONCE_BYTES);
  next += NONCE_BYTES;
  return nonce;
}
