// Padding (issue 11, finding 9): a box's size no longer gives the body kind or its exact length.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BOX_MIN_BYTES,
  BOX_OVERHEAD,
  boxSize,
  hexToBytes,
  identityFromEntropy,
  open,
  pad,
  PAD_FLOOR,
  paddedSize,
  padme,
  seal,
  unpad,
} from '../index.ts';
import vectors from './vectors/vectors.json' with { type: 'json' };

const v = vectors.box;
const alice = identityFromEntropy(hexToBytes(v.senderEntropy));
const bob = identityFromEntropy(hexToBytes(v.recipientEntropy));

describe('padding', () => {
  it('gives every body up to the floor one box size, and follows the pinned sizes above it', () => {
    for (const n of [0, 1, 2, 50, 200, PAD_FLOOR - 4]) expect(seal(alice, bob.sessionId, new Uint8Array(n)).length).toBe(BOX_MIN_BYTES);
    for (const s of v.sizes) {
      expect(boxSize(s.body), `body ${s.body}`).toBe(s.box);
      expect(seal(alice, bob.sessionId, new Uint8Array(s.body)).length).toBe(s.box);
    }
    expect(BOX_MIN_BYTES).toBe(BOX_OVERHEAD + 512);
  });

  it('Padmé: never below the length, at most 12% above it, monotonic, and few distinct sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 24 }), (n) => {
        const p = padme(n);
        expect(p).toBeGreaterThanOrEqual(n);
        expect(p - n).toBeLessThanOrEqual(Math.ceil(n * 0.12));
        expect(padme(n + 1)).toBeGreaterThanOrEqual(p);
        expect(padme(p)).toBe(p);
      }),
      { numRuns: 2000 },
    );
    // 513..65536 bytes (7 doublings): at most 16 buckets per doubling, not one per byte.
    const buckets = new Set(Array.from({ length: 65536 - 512 }, (_, i) => paddedSize(509 + i)));
    expect(buckets.size).toBeLessThanOrEqual(7 * 16);
  });

  it('pad/unpad round-trips and accepts only the one encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        const p = pad(body);
        expect(p.length).toBe(paddedSize(body.length));
        expect(unpad(p)).toEqual(body);
        const dirty = p.slice();
        if (dirty.length > 4 + body.length) {
          dirty[dirty.length - 1] = 7;
          expect(unpad(dirty)).toBeUndefined();
        }
        expect(unpad(new Uint8Array([...p, 0]))).toBeUndefined();
      }),
    );
  });

  it('opens what it seals at every size class', () => {
    for (const n of [0, 508, 509, 4096, 70_000]) {
      const body = new Uint8Array(n).map((_, i) => (i * 7) & 255);
      expect(open(bob, seal(alice, bob.sessionId, body)).body).toEqual(body);
    }
  });
});
