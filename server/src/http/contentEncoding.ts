// Compressed copies of the PWA's text assets. On a slow phone link the transfer is most of a cold
// start: the entry script is ~100 KB as built and ~31 KB gzipped, ~26 KB with Brotli. Each file is
// compressed once (off the event loop, in libuv's thread pool) and kept with its identity copy.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Coding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Below this, headers and framing eat what compression saves. */
export const MIN_COMPRESS_BYTES = 1024;

const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|javascript|wasm)|image\/svg\+xml)/;

export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}

/**
 * The coding to answer with, from an Accept-Encoding header (RFC 9110 §12.5.3): Brotli if
 * acceptable, else gzip, else none. A q of 0 refuses a coding; `*` stands for any not named.
 */
export function negotiate(acceptEncoding: string, offered: readonly Coding[]): Coding | undefined {
  if (acceptEncoding === '') return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const star = q.get('*');
  let best: Coding | undefined;
  let bestQ = 0;
  for (const coding of offered) {
    const w = q.get(coding) ?? star ?? 0;
    if (w > bestQ) {
      best = coding;
      bestQ = w;
    }
  }
  return best;
}

export interface Encoded {
  readonly br: Buffer;
  readonly gzip: Buffer;
}

/** Both codings of a body; a coding that does not make it smaller is left out by the caller. */
export async function encodeBoth(body: Buffer): Promise<Encoded> {
  const [br, gzip] = await Promise.all([
    brotli(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gz(body, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  return { br, gzip };
}
