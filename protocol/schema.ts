// A small typed schema language: one definition gives the TypeScript type and the runtime check.
// Errors name the path, what was expected and what was received (like noble's abytes).
import type { ErrorCode } from './codes.ts';
import { isSessionId } from './sessionId.ts';

export class SchemaError extends Error {
  readonly code: ErrorCode;
  readonly path: string;
  constructor(path: string, expected: string, got: unknown, code: ErrorCode = 'BAD_FRAME') {
    super(`${path}: expected ${expected}, got ${describe(got)}`);
    this.name = 'SchemaError';
    this.path = path;
    this.code = code;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'string') return v.length > 24 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

/**
 * What a check accepts, as data: lets tests derive generators from the schemas themselves
 * (protocol/test/arbitraries.ts), so every frame defined here is covered by the property tests.
 */
export type Spec =
  | { readonly kind: 'str'; readonly min: number; readonly max: number; readonly re?: RegExp }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'b64'; readonly min: number; readonly max: number }
  | { readonly kind: 'sessionId' }
  | { readonly kind: 'arr'; readonly item: Check<unknown>; readonly max: number }
  | { readonly kind: 'opt'; readonly inner: Check<unknown> }
  | { readonly kind: 'obj'; readonly shape: Readonly<Record<string, Check<unknown>>> };

export interface Check<T> {
  readonly optional: boolean;
  readonly spec: Spec;
  parse(v: unknown, path: string, strict: boolean): T;
}

export type Infer<C> = C extends Check<infer T> ? T : never;

function check<T>(spec: Spec, parse: (v: unknown, path: string, strict: boolean) => T): Check<T> & { readonly optional: false } {
  return { optional: false as const, spec, parse };
}

export function str(opts: { min?: number; max?: number; re?: RegExp; what?: string } = {}): Check<string> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 1024;
  const what = opts.what ?? `string of ${min}..${max} characters`;
  return check(opts.re ? { kind: 'str', min, max, re: opts.re } : { kind: 'str', min, max }, (v, path) => {
    if (typeof v !== 'string' || v.length < min || v.length > max || (opts.re && !opts.re.test(v))) {
      throw new SchemaError(path, what, v);
    }
    return v;
  });
}

export function literal<const L extends string>(value: L): Check<L> {
  return check({ kind: 'literal', value }, (v, path) => {
    if (v !== value) throw new SchemaError(path, JSON.stringify(value), v);
    return value;
  });
}

export function oneOf<const L extends string>(values: readonly L[]): Check<L> {
  const set = new Set<string>(values);
  return check({ kind: 'oneOf', values }, (v, path) => {
    if (typeof v !== 'string' || !set.has(v)) throw new SchemaError(path, `one of ${values.join('|')}`, v);
    return v as L;
  });
}

export function int(opts: { min?: number; max?: number } = {}): Check<number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return check({ kind: 'int', min, max }, (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new SchemaError(path, `integer in ${min}..${max}`, v);
    }
    return v;
  });
}

export function bool(): Check<boolean> {
  return check({ kind: 'bool' }, (v, path) => {
    if (typeof v !== 'boolean') throw new SchemaError(path, 'boolean', v);
    return v;
  });
}

/**
 * Canonical base64 (RFC 4648 §3.5: padded, and the unused low bits of the last symbol zero): the
 * same language as bytes.ts base64Length, which walks the characters in JS. Here one native scan
 * for a character outside the symbols and the pad checks the alphabet, and the pad's place and
 * the last group are looked at in JS: a fraction of the cost on every send's ciphertext. (The
 * scan is unanchored on purpose: `^[A-Za-z0-9+/]*={0,2}$` took 3.3 µs on a 544-character
 * ciphertext, this 0.4 µs; issue 14.)
 */
const B64_FOREIGN = /[^A-Za-z0-9+/=]/;
const B64_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64_VALUE[c.charCodeAt(0)] = i;
const PAD = 61; // '='

/** Decoded length of canonical base64, or -1: base64Length's contract. */
export function canonicalBase64Length(s: string): number {
  const n = s.length;
  if (n % 4 !== 0 || B64_FOREIGN.test(s)) return -1;
  // The pad only as the last one or two characters: the first one found is at n - 1, or at n - 2
  // with the other at n - 1.
  const eq = s.indexOf('=');
  if (eq !== -1 && (eq < n - 2 || s.charCodeAt(n - 1) !== PAD)) return -1;
  const pad = eq === -1 ? 0 : n - eq;
  // Non-zero bits in the last symbol's unused low bits would give two encodings of one value.
  if (pad > 0 && (B64_VALUE[s.charCodeAt(n - 1 - pad)]! & (pad === 2 ? 15 : 3)) !== 0) return -1;
  return (n / 4) * 3 - pad;
}

/** Canonical base64 whose decoded length is within bounds. */
export function b64(opts: { min?: number; max?: number; len?: number }): Check<string> {
  const min = opts.len ?? opts.min ?? 0;
  const max = opts.len ?? opts.max ?? 1 << 20;
  const what = opts.len !== undefined ? `base64 of ${opts.len} bytes` : `base64 of ${min}..${max} bytes`;
  return check({ kind: 'b64', min, max }, (v, path) => {
    if (typeof v !== 'string' || v.length > Math.ceil(max / 3) * 4 + 4) throw new SchemaError(path, what, v);
    const n = canonicalBase64Length(v);
    if (n < min || n > max) throw new SchemaError(path, what, v);
    return v;
  });
}

export function sessionId(): Check<string> {
  return check({ kind: 'sessionId' }, (v, path) => {
    if (!isSessionId(v)) throw new SchemaError(path, 'Session ID ("05" + 64 lowercase hex)', v, 'INVALID_SESSION_ID');
    return v;
  });
}

const HEX_ID = /^[0-9a-f]{32}$/;
/** 128-bit random id as 32 lowercase hex characters. */
export function hexId(): Check<string> {
  return str({ re: HEX_ID, min: 32, max: 32, what: '32 lowercase hex characters' });
}

export function arr<T>(item: Check<T>, opts: { max: number; code?: ErrorCode }): Check<T[]> {
  return check({ kind: 'arr', item, max: opts.max }, (v, path, strict) => {
    if (!Array.isArray(v)) throw new SchemaError(path, `array of at most ${opts.max}`, v);
    if (v.length > opts.max) throw new SchemaError(path, `array of at most ${opts.max}`, v, opts.code ?? 'BAD_FRAME');
    const out = new Array<T>(v.length);
    // The item's path is made only for its error: the check is pure, so run again with the path it
    // throws the same error (issue 14: a path string per grant and field of every auth frame).
    for (let i = 0; i < v.length; i++) {
      if (!inPlaceOn) {
        out[i] = item.parse(v[i], `${path}[${i}]`, strict);
        continue;
      }
      try {
        out[i] = item.parse(v[i], '', strict);
      } catch {
        out[i] = item.parse(v[i], `${path}[${i}]`, strict);
      }
    }
    return out;
  });
}

export interface OptionalCheck<T> extends Check<T | undefined> {
  readonly optional: true;
}

export function opt<T>(c: Check<T>): OptionalCheck<T> {
  return {
    optional: true,
    spec: { kind: 'opt', inner: c },
    parse: (v, path, strict) => (v === undefined ? undefined : c.parse(v, path, strict)),
  };
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

let inPlaceOn = true;

/** Tests: runs `fn` with every object and array checked by the copying walk, to hold the in-place checks to it. */
export function walkOnlyForTest<T>(fn: () => T): T {
  inPlaceOn = false;
  try {
    return fn();
  } finally {
    inPlaceOn = true;
  }
}

const SCALAR_KINDS = new Set<Spec['kind']>(['str', 'literal', 'oneOf', 'int', 'bool', 'b64', 'sessionId']);

/** A check that returns the very value it accepts. */
function isScalar(c: Check<unknown>): boolean {
  return SCALAR_KINDS.has(c.spec.kind) || (c.spec.kind === 'opt' && isScalar(c.spec.inner));
}

/** An object; with strict parsing (the server's), unknown keys are rejected, not ignored. */
export function obj<S extends Shape>(shape: S): Check<{ [K in keyof ObjOf<S>]: ObjOf<S>[K] }> {
  const keys = Object.keys(shape);
  const own = new Set(keys);
  const checks = keys.map((k) => shape[k]!);
  /**
   * All-scalar objects (a grant, a revocation) are checked strictly where JSON.parse left them and
   * returned as they are: no copy and no path string per field (issue 14: 50 grants per auth frame).
   * Anything the walk below would treat differently (an unknown or inherited key, an undefined
   * value, any failed check) is left to the walk, which then decides and words the error as ever.
   */
  const inPlace = keys.every((k) => isScalar(shape[k]!))
    ? (src: Record<string, unknown>): object | undefined => {
        for (const k in src) if (!own.has(k) || src[k] === undefined) return undefined;
        try {
          for (let i = 0; i < keys.length; i++) checks[i]!.parse(src[keys[i]!], '', true);
        } catch {
          return undefined;
        }
        return src;
      }
    : undefined;
  return check({ kind: 'obj', shape }, (v, path, strict) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, 'object', v);
    const src = v as Record<string, unknown>;
    if (strict && inPlace !== undefined && inPlaceOn) {
      const same = inPlace(src);
      if (same !== undefined) return same as never;
    }
    if (strict) {
      for (const k in src) if (!(k in shape)) throw new SchemaError(`${path}.${k}`, 'no such field', src[k]);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const val = shape[k]!.parse(src[k], `${path}.${k}`, strict);
      if (val !== undefined) out[k] = val;
    }
    return out as never;
  });
}
