import { describe, expect, it } from 'vitest';
import { base64Length, equalBytes, fromBase64, randomBytes, toBase64, u64be } from '../index.ts';

describe('base64', () => {
  it('agrees with Node for every length up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const b = randomBytes(n);
      const s = toBase64(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(s)).toEqual(b);
      expect(base64Length(s)).toBe(n);
    }
  });

  it.each(['A', 'AB=', 'A===', 'QR==', 'QUJ=', 'QU J', 'QUJD\n', 'QUJD=', 'é===', 'QQ-_'])('rejects non-canonical %j', (s) => {
    expect(base64Length(s)).toBe(-1);
    expect(() => fromBase64(s)).toThrow(TypeError);
  });
});

describe('misc', () => {
  it('encodes u64 big-endian and refuses unsafe values', () => {
    expect(Array.from(u64be(2 ** 40 + 5))).toEqual([0, 0, 1, 0, 0, 0, 0, 5]);
    expect(() => u64be(-1)).toThrow(RangeError);
    expect(() => u64be(2 ** 53)).toThrow(RangeError);
  });

  it('compares bytes', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 3))).toBe(false);
  });
});
