// fast-check arbitraries derived from the frame schemas themselves (Check.spec), so every frame
// type defined in protocol/frames.ts, now or later, is generated without a hand-written twin.
// Strings, arrays and byte strings are kept short: the properties are about shape, not size.
import fc from 'fast-check';
import { bytesToHex, toBase64 } from '../bytes.ts';
import type { Check } from '../schema.ts';

const MAX_ITEMS = 3;
const MAX_BYTES = 48;
const MAX_CHARS = 24;
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

export function arbitraryOf(check: Check<unknown>): fc.Arbitrary<unknown> {
  const s = check.spec;
  switch (s.kind) {
    case 'str': {
      const max = Math.min(s.max, Math.max(s.min, MAX_CHARS));
      if (s.re) {
        const re = s.re;
        // A character class repeated (the usual shape): draw from the characters it allows, at the
        // lengths the schema allows. stringMatching alone rarely reaches a long minimum (a
        // 87-character key), and filtering its output for length would search for ever.
        const chars = PRINTABLE.filter((c) => re.test(c.repeat(Math.max(1, s.min))));
        const lengths = { minLength: s.min, maxLength: Math.max(s.min, Math.min(s.max, MAX_CHARS)) };
        if (chars.length > 0) return fc.string({ unit: fc.constantFrom(...chars), ...lengths }).filter((x) => re.test(x));
        return fc.stringMatching(re).filter((x) => x.length >= s.min && x.length <= s.max);
      }
      // Any UTF-16 code units, lone surrogates included: JSON must carry them unchanged.
      return fc.string({ unit: 'binary', minLength: s.min, maxLength: max }).filter((x) => x.length >= s.min && x.length <= s.max);
    }
    case 'literal':
      return fc.constant(s.value);
    case 'oneOf':
      return fc.constantFrom(...s.values);
    case 'int':
      return fc.oneof(
        fc.bigInt({ min: BigInt(s.min), max: BigInt(s.max) }).map(Number),
        fc.constantFrom(s.min, s.max),
        fc.integer({ min: s.min, max: Math.min(s.max, s.min + 1000) }),
      );
    case 'bool':
      return fc.boolean();
    case 'b64':
      return fc.uint8Array({ minLength: s.min, maxLength: Math.min(s.max, Math.max(s.min, MAX_BYTES)) }).map(toBase64);
    case 'sessionId':
      return fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => '05' + bytesToHex(b));
    case 'arr':
      return fc.array(arbitraryOf(s.item), { maxLength: Math.min(s.max, MAX_ITEMS) });
    case 'opt':
      return arbitraryOf(s.inner);
    case 'obj': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [k, c] of Object.entries(s.shape)) {
        model[k] = arbitraryOf(c);
        if (!c.optional) required.push(k);
      }
      return fc.record(model, { requiredKeys: required });
    }
  }
}

/** A JSON value of a different type than `v` (string ↔ number ↔ boolean ↔ null ↔ array ↔ object). */
export function otherTypeThan(v: unknown): fc.Arbitrary<unknown> {
  const kind = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
  const all: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 8 }),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  ];
  return fc.oneof(...all).filter((x) => kind(x) !== kind(v));
}
