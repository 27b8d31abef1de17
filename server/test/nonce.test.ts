// Auth nonces come from a pooled random buffer: each must still be 32 fresh bytes, and none may be
// handed out twice across the pool's refills (a replayed nonce would let a recorded auth frame in).
import { describe, expect, it } from 'vitest';
import { nextNonce } from '../src/transport/nonce.ts';

describe('nextNonce', () => {
  it('gives 32 bytes in base64, never the same twice across several refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const n = nextNonce();
      expect(Buffer.from(n, 'base64')).toHaveLength(32);
      expect(Buffer.from(n, 'base64').toString('base64')).toBe(n);
      seen.add(n);
    }
    expect(seen.size).toBe(2000);
  });

  it('does not hand out a zero (unfilled) slice', () => {
    const zero = Buffer.alloc(32).toString('base64');
    for (let i = 0; i < 600; i++) expect(nextNonce()).not.toBe(zero);
  });
});
