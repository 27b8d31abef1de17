// A grant as the verify worker reads it, written and read on the main thread: the record layout is
// documented, and read on the worker's side, in verifyWorker.ts. Staging writes a list's records in
// the turn that parsed the frame (so the parsed grants die young: issue 14, the storm's GC) and says
// which worker each goes to; readGrantRecord turns one back into a grant when a batch is decided on
// this thread (verifyPool.ts decideHere).
import type { Grant } from '../../../protocol/index.ts';
import { GRANT_FIXED } from './verifyWorker.ts';

/** What checkGrant's first lines refuse without decoding anything: the worker is not asked. */
const SID_LENGTH = 66;
const PK_B64_LENGTH = 44;
const SIG_B64_LENGTH = 88;
/** The most UTF-8 bytes a plausible grant's four strings take: three per UTF-16 unit. */
const GRANT_MAX_TEXT = 3 * (2 * SID_LENGTH + PK_B64_LENGTH + SIG_B64_LENGTH);
/** The scratch buffer's least size; it grows to the largest list seen. */
const SCRATCH_MIN_BYTES = 2048;

/** A list of grants written as the worker's records, not yet asked (VerifyPool.submit). */
export interface StagedGrants {
  /** The list's length: the verdicts' length. */
  readonly n: number;
  /** Records written (the plausible grants). */
  readonly count: number;
  /** Per record: the grant's index in the list, its worker, its offset in buf. */
  readonly at: Int32Array;
  /** The records, each with its kind byte left for submit to write. */
  readonly buf: Buffer;
}

let scratch: Buffer | undefined;

/** The records of `grants` presented by `holder`, spread over `workers` by granter. */
export function stageGrants(grants: readonly Grant[], holder: string, workers: number): StagedGrants {
  const need = grants.length * (GRANT_FIXED + GRANT_MAX_TEXT);
  // Written at the worst case's room, then the bytes used copied out: one allocation of their size.
  if (scratch === undefined || scratch.length < need) scratch = Buffer.allocUnsafeSlow(Math.max(SCRATCH_MIN_BYTES, need));
  const buf = scratch;
  const at = new Int32Array(3 * grants.length);
  let count = 0;
  let o = 0;
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i]!;
    if (!plausible(g, holder)) continue;
    at[3 * count] = i;
    // A granter's grants go to one worker: its key and its grants' hashes are cached there.
    at[3 * count + 1] = (g.from.charCodeAt(2) * 31 + g.from.charCodeAt(65)) % workers;
    at[3 * count + 2] = o;
    count++;
    o = putString(buf, o + 1, g.from); // the kind byte is written at submit
    o = putString(buf, o, g.to);
    buf.writeDoubleLE(g.iat, o);
    buf.writeDoubleLE(g.exp, o + 8);
    o = putString(buf, o + 16, g.edPk);
    o = putString(buf, o, g.sig);
  }
  return { n: grants.length, count, at, buf: Buffer.from(buf.subarray(0, o)) };
}

/** The grant of the record at `o` (its kind byte), and where the record ends. */
export function readGrantRecord(buf: Buffer, o: number): { readonly grant: Grant; readonly end: number } {
  let from: string;
  let to: string;
  let edPk: string;
  let sig: string;
  [from, o] = getString(buf, o + 1);
  [to, o] = getString(buf, o);
  const iat = buf.readDoubleLE(o);
  const exp = buf.readDoubleLE(o + 8);
  [edPk, o] = getString(buf, o + 16);
  [sig, o] = getString(buf, o);
  return { grant: { from, to, iat, exp, edPk, sig }, end: o };
}

/**
 * checkGrant's refusals that need no decoding, in its own terms: a field of the wrong type or length
 * can be no Session ID or canonical base64 of the right size. What passes is bounded
 * (GRANT_MAX_TEXT), so its record fits the room staging reserved.
 */
function plausible(g: Grant, holder: string): boolean {
  return (
    g.to === holder &&
    typeof g.to === 'string' &&
    g.to.length === SID_LENGTH &&
    typeof g.from === 'string' &&
    g.from.length === SID_LENGTH &&
    g.from !== g.to &&
    typeof g.edPk === 'string' &&
    g.edPk.length === PK_B64_LENGTH &&
    typeof g.sig === 'string' &&
    g.sig.length === SIG_B64_LENGTH &&
    Number.isSafeInteger(g.iat) &&
    Number.isSafeInteger(g.exp) &&
    g.iat >= 0 &&
    g.exp > g.iat
  );
}

/** UTF-8, not latin1: a character past U+00FF must not shrink into a valid-looking hex or base64 one. */
function putString(buf: Buffer, o: number, s: string): number {
  const n = buf.write(s, o + 2, 'utf8');
  buf.writeUInt16LE(n, o);
  return o + 2 + n;
}

function getString(buf: Buffer, o: number): [string, number] {
  const n = buf.readUInt16LE(o);
  return [buf.toString('utf8', o + 2, o + 2 + n), o + 2 + n];
}
