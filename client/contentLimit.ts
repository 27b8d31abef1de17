// How long a message may be: what fits in one envelope the server accepts, counted the way it is
// sent (UTF-8 of the JSON-escaped text inside a sealed body), not in characters. A message that
// does not fit is refused when it is written, never queued to fail with a Retry that cannot work.
import { boxSize, utf8ToBytes, type Limits } from '../protocol/index.ts';
import { MAX_CONTENT_CHARS } from './body.ts';

/**
 * The body's own fields around the text, in its largest form: the copy for my other devices,
 * {"t":"sync","to":"05…","msg":{"id":"…","ts":…,"content":"…","messageType":"…"}}, with room to spare.
 */
const BODY_OVERHEAD_BYTES = 400;
/** The server's default MAX_FRAME_BYTES (65536) gives this maxCtBytes: used until a hello says. */
export const DEFAULT_MAX_CT_BYTES = 48_384;

/** Bytes the text takes inside a body. */
export function contentBytes(content: string): number {
  return utf8ToBytes(JSON.stringify(content)).length - 2;
}

/** The most content bytes one message may take under these server limits. */
export function maxContentBytes(limits?: Pick<Limits, 'maxCtBytes'>): number {
  const ct = limits?.maxCtBytes ?? DEFAULT_MAX_CT_BYTES;
  return Math.max(0, Math.min(MAX_CONTENT_CHARS * 3, largestBody(ct) - BODY_OVERHEAD_BYTES));
}

/** The largest body whose padded box (box v2: 512-byte floor, Padmé above) fits in `ct` bytes. */
function largestBody(ct: number): number {
  if (boxSize(0) > ct) return 0;
  let lo = 0;
  let hi = ct;
  // boxSize grows with the body, so the largest fitting length is found by bisection.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (boxSize(mid) <= ct) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Throws a RangeError saying both sizes when `content` would not fit in one envelope. */
export function checkContentFits(content: string, limits?: Pick<Limits, 'maxCtBytes'>): void {
  const size = contentBytes(content);
  const max = maxContentBytes(limits);
  if (size > max) throw new RangeError(`content: ${size} bytes do not fit in one message; at most ${max} bytes`);
}
