// The QR fallback decodes what the app's own QR code (uqr) draws, from raw RGBA pixels as a
// camera frame on a canvas would give them.
import jsQR from 'jsqr';
import { encode } from 'uqr';
import { describe, expect, it } from 'vitest';
import { decodeRgba } from '../src/models/qrFallback.ts';

function render(text: string, px = 6, quiet = 4): { rgba: Uint8ClampedArray; size: number } {
  const { data } = encode(text);
  const n = data.length;
  const size = (n + quiet * 2) * px;
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      if (!data[y]![x]) continue;
      for (let dy = 0; dy < px; dy++)
        for (let dx = 0; dx < px; dx++) {
          const i = (((y + quiet) * px + dy) * size + (x + quiet) * px + dx) * 4;
          rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
        }
    }
  return { rgba, size };
}

describe('QR fallback (jsQR)', () => {
  it('reads a Session ID from a frame, and nothing from a blank one', () => {
    const id = `05${'ab'.repeat(32)}`;
    const { rgba, size } = render(id);
    expect(decodeRgba(jsQR, rgba, size, size)).toBe(id);
    expect(decodeRgba(jsQR, new Uint8ClampedArray(size * size * 4).fill(255), size, size)).toBeNull();
  });
});
