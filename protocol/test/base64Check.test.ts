// The strict parser checks base64 with a native scan for a foreign character (schema.ts
// canonicalBase64Length) instead of bytes.ts's character walk: both must accept and reject exactly
// the same strings, and so must the anchored regex it replaced (issue 14).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Length, parseClientFrame, randomBytes, toBase64 } from '../index.ts';
import { canonicalBase64Length } from '../schema.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The alphabet, the pad, and characters either side of it that must never pass. */
const SYMBOLS = [...B64, '=', '-', '_', ' ', '\n', '.', 'é', '\u0000', '\u{1F600}'];

/** Strings on which the two disagree: collected, so one assertion reports them all. */
function disagreements(strings: Iterable<string>): string[] {
  const out: string[] = [];
  for (const s of strings) if (canonicalBase64Length(s) !== base64Length(s)) out.push(s);
  return out;
}

function agree(s: string): void {
  expect(canonicalBase64Length(s), JSON.stringify(s)).toBe(base64Length(s));
}

describe('canonicalBase64Length', () => {
  it('gives the decoded length of every canonical encoding up to 70 bytes', () => {
    for (let n = 0; n <= 70; n++) {
      const s = toBase64(randomBytes(n));
      expect(canonicalBase64Length(s)).toBe(n);
    }
  });

  it.each(['A', 'AB=', 'A===', 'QR==', 'QUJ=', 'QU J', 'QUJD\n', 'QUJD=', 'é===', 'QQ-_', '====', 'QUJD====', '=QUJ', 'QU=D'])(
    'rejects non-canonical %j',
    (s) => {
      expect(canonicalBase64Length(s)).toBe(-1);
      agree(s);
    },
  );

  it('agrees with base64Length on every final group of two and three symbols', () => {
    const all: string[] = [];
    for (const a of SYMBOLS) {
      for (const b of SYMBOLS) all.push(`QUJD${a}${b}==`, `QUJDR${a}${b}=`, `QUJDRU${a}${b}`, `${a}${b}==`, `A${a}${b}=`);
    }
    expect(disagreements(all)).toEqual([]);
    // Both accept some of them, and reject others: the comparison is not between two constants.
    expect(all.filter((s) => base64Length(s) >= 0).length).toBeGreaterThan(1000);
    expect(all.filter((s) => base64Length(s) < 0).length).toBeGreaterThan(1000);
  });

  it('agrees with base64Length on a ciphertext with one character changed anywhere', () => {
    const ct = toBase64(randomBytes(406));
    expect(canonicalBase64Length(ct)).toBe(406);
    const changed: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = i % ct.length;
      const c = SYMBOLS[(i * 7) % SYMBOLS.length]!;
      changed.push(ct.slice(0, at) + c + ct.slice(at + 1), ct.slice(0, at) + ct.slice(at + 1));
    }
    expect(disagreements(changed)).toEqual([]);
  });

  it('accepts exactly what the anchored regex it replaced accepted, on random strings', () => {
    // The check before issue 14, verbatim but for the alphabet test.
    const ANCHORED = /^[A-Za-z0-9+/]*={0,2}$/;
    const before = (s: string): number => {
      const n = s.length;
      if (n % 4 !== 0 || !ANCHORED.test(s)) return -1;
      const pad = n > 0 && s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
      const last = B64.indexOf(s[n - 1 - pad] ?? '');
      if (pad > 0 && (last & (pad === 2 ? 15 : 3)) !== 0) return -1;
      return (n / 4) * 3 - pad;
    };
    // Mostly symbols, often pads (anywhere, not only at the end), sometimes anything else.
    const unit = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...B64) },
      { weight: 3, arbitrary: fc.constant('=') },
      { weight: 1, arbitrary: fc.constantFrom(...SYMBOLS) },
    );
    const strings = fc.oneof(
      fc.string({ unit, maxLength: 24 }),
      fc.tuple(fc.string({ unit: fc.constantFrom(...B64), maxLength: 20 }), fc.string({ unit, maxLength: 4 })).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(strings, (s) => {
        expect(canonicalBase64Length(s), JSON.stringify(s)).toBe(before(s));
        agree(s);
      }),
      { numRuns: 5000 },
    );
  });

  it('checks a megabyte of base64 without running out of regex stack', () => {
    const s = toBase64(new Uint8Array((1 << 20) - 1).fill(7));
    expect(canonicalBase64Length(s)).toBe((1 << 20) - 1);
    expect(canonicalBase64Length(s.slice(0, -2) + '!=')).toBe(-1);
  });

  it('is what the strict parser applies to a send frame', () => {
    const frame = { type: 'send', id: '0'.repeat(32), to: '05' + 'ab'.repeat(32), ct: toBase64(randomBytes(11)) };
    expect(parseClientFrame(JSON.stringify(frame))).toEqual(frame);
    // 11 bytes end in one pad; a set low bit in the last symbol is a second encoding of the same bytes.
    const last = frame.ct.at(-2)!;
    const bad = frame.ct.slice(0, -2) + B64[B64.indexOf(last) | 1] + '=';
    expect(() => parseClientFrame(JSON.stringify({ ...frame, ct: bad }))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
  });
});
