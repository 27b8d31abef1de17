// The strict parser checks all-scalar frames (send, ack, ping, …) where JSON.parse left them
// instead of walking obj() and copying (schema.ts obj(), issue 14). Differential: on valid
// frames and on frames broken every way the walk tells apart, both give the same frame or the
// same error code and message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientFrames, parseClientFrame, ProtocolError } from '../index.ts';
import { SchemaError, walkOnlyForTest, type Check } from '../schema.ts';
import { arbitraryOf, otherTypeThan } from './arbitraries.ts';

type Outcome = { ok: unknown; keys: string[] } | { code: string; message: string };

function outcome(parse: () => unknown): Outcome {
  try {
    const ok = parse();
    return { ok, keys: Object.keys(ok as object).sort() };
  } catch (e) {
    if (e instanceof ProtocolError) return { code: e.code, message: e.message };
    throw e;
  }
}

/** The generic walk, as parseWith ran it for every frame before the in-place check. */
function walk(text: string): Outcome {
  const raw = JSON.parse(text) as { type: keyof typeof clientFrames };
  // A type edited away fails before either path: nothing to compare.
  if (!Object.hasOwn(clientFrames, raw.type)) return outcome(() => parseClientFrame(text));
  return outcome(() => {
    try {
      return walkOnlyForTest(() => (clientFrames[raw.type] as Check<unknown>).parse(raw, raw.type, true));
    } catch (e) {
      throw e instanceof SchemaError ? new ProtocolError(e.code, e.message) : e;
    }
  });
}

const SCALAR = new Set(['str', 'literal', 'oneOf', 'int', 'bool', 'b64', 'sessionId']);
const scalarTypes = Object.entries(clientFrames).filter(
  ([, c]) =>
    c.spec.kind === 'obj' &&
    Object.values(c.spec.shape).every((f) => SCALAR.has(f.spec.kind) || (f.spec.kind === 'opt' && SCALAR.has(f.spec.inner.spec.kind))),
);

/** One frame as JSON text, valid or broken in one way: a field of another type or edited, a key added, dropped or reordered. */
const frameText = fc.oneof(...scalarTypes.map(([, c]) => arbitraryOf(c))).chain((x) => {
  const frame = x as Record<string, unknown>;
  const keys = Object.keys(frame).filter((k) => k !== 'type');
  const some = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('type');
  const texts: fc.Arbitrary<string>[] = [
    fc.constant(JSON.stringify(frame)),
    fc.shuffledSubarray(Object.keys(frame), { minLength: Object.keys(frame).length }).map((order) => {
      const o: Record<string, unknown> = {};
      for (const k of order) o[k] = frame[k];
      return JSON.stringify(o);
    }),
    some.chain((k) => otherTypeThan(frame[k]).map((v) => JSON.stringify({ ...frame, [k]: v }))),
    fc.tuple(some, fc.nat(), fc.constantFrom('A', '=', '0', 'f', 'g', '-', ' ', 'é', '')).map(([k, at, c]) => {
      const v = frame[k];
      if (typeof v !== 'string') return JSON.stringify({ ...frame, [k]: typeof v === 'number' ? v - 1 - (at % 3) : v });
      const i = v.length === 0 ? 0 : at % v.length;
      return JSON.stringify({ ...frame, [k]: v.slice(0, i) + c + v.slice(i + 1) });
    }),
    some.map((k) => JSON.stringify({ ...frame, [k]: undefined })),
    fc
      .constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'x', 'types')
      .map((k) => `${JSON.stringify(frame).slice(0, -1)},${JSON.stringify(k)}:1}`),
  ];
  return fc.oneof(...texts);
});

describe('strict parse of all-scalar frames in place', () => {
  it('covers the message path', () => {
    expect(scalarTypes.map(([t]) => t)).toEqual(expect.arrayContaining(['send', 'ack', 'ping']));
  });

  it('gives what the generic walk gives: the same frame, or the same code and message', () => {
    fc.assert(
      fc.property(frameText, (text) => {
        expect(
          outcome(() => parseClientFrame(text)),
          text,
        ).toEqual(walk(text));
      }),
      { numRuns: 1000 },
    );
  });
});

/** One grant or revocation of an auth frame broken in one of the ways above (or left valid). */
const authText = arbitraryOf(clientFrames.auth).chain((x) => {
  const frame = x as Record<string, unknown> & { grants: Record<string, unknown>[]; revocations: Record<string, unknown>[] };
  const lists = (['grants', 'revocations'] as const).filter((l) => frame[l].length > 0);
  if (lists.length === 0) return fc.constant(JSON.stringify(frame));
  return fc.tuple(fc.constantFrom(...lists), fc.nat()).chain(([list, at]) => {
    const i = at % frame[list].length;
    const item = frame[list][i]!;
    const keys = Object.keys(item);
    const put = (v: unknown) => JSON.stringify({ ...frame, [list]: frame[list].map((g, j) => (j === i ? v : g)) });
    return fc.oneof(
      fc.constant(put(item)),
      fc.shuffledSubarray(keys, { minLength: keys.length }).map((order) => put(Object.fromEntries(order.map((k) => [k, item[k]])))),
      fc.constantFrom(...keys).chain((k) => otherTypeThan(item[k]).map((v) => put({ ...item, [k]: v }))),
      fc.tuple(fc.constantFrom(...keys), fc.nat(), fc.constantFrom('A', '=', '0', 'f', 'g', '-', ' ', 'é', '')).map(([k, n, c]) => {
        const v = item[k];
        if (typeof v !== 'string') return put({ ...item, [k]: typeof v === 'number' ? v - 1 - (n % 3) : v });
        const p = v.length === 0 ? 0 : n % v.length;
        return put({ ...item, [k]: v.slice(0, p) + c + v.slice(p + 1) });
      }),
      fc.constantFrom(...keys).map((k) => put({ ...item, [k]: undefined })),
      // Own keys as JSON.parse makes them, __proto__ included.
      fc
        .constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'x', 'froms')
        .map((k) => put(JSON.parse(`${JSON.stringify(item).slice(0, -1)},${JSON.stringify(k)}:1}`))),
      fc.constant(put([item])),
      fc.constant(put(null)),
    );
  });
});

describe('strict parse of grants and revocations in place', () => {
  it('gives what the generic walk gives for auth frames: the same frame, or the same code and message', () => {
    fc.assert(
      fc.property(authText, (text) => {
        expect(
          outcome(() => parseClientFrame(text)),
          text,
        ).toEqual(walk(text));
      }),
      { numRuns: 1000 },
    );
  });
});
