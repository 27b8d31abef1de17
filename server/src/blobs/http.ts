// The blob HTTP API on the WebSocket's port (docs/protocol.md "Blob HTTP API"):
//   PUT  /blob/<id>/<n>   one part, exactly its length, X-Blob-Token (upload)  → 200 status JSON
//   HEAD /blob/<id>       X-Blob-Token (upload or download) → X-Blob-Size, -Part-Bytes, -Complete, -Missing
//   GET  /blob/<id>       X-Blob-Token (download), optional Range: bytes=a-b → 200/206 octet-stream
//   DELETE /blob/<id>     X-Blob-Token (upload) → 200 {}: the uploader gives the blob up
// A part is held in memory (≤ 1 MiB) only until it is stored; downloads go out a slice at a time
// under uWS backpressure (tryEnd/onWritable), so no request holds a whole file. Errors are JSON
// { code, message } with the codes of protocol/codes.ts.
import type uWS from 'uWebSockets.js';
import { ProtocolError, type ErrorCode } from '../../../protocol/index.ts';
import type { ServerContext } from '../context.ts';
import { writeSecurityHeaders } from '../http/http.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Blobs } from './service.ts';
import type { BlobOp } from './tokens.ts';
import { isBlobId, partCount, type BlobMeta } from './types.ts';

const HTTP_STATUS: Partial<Record<ErrorCode, string>> = {
  BLOB_TOO_LARGE: '413 Content Too Large',
  BLOB_QUOTA: '507 Insufficient Storage',
  BLOB_NOT_FOUND: '404 Not Found',
  BLOB_EXPIRED: '410 Gone',
  BLOB_BAD_TOKEN: '403 Forbidden',
  BLOB_WRONG_LENGTH: '400 Bad Request',
  BLOB_BAD_PART: '400 Bad Request',
  BLOB_INCOMPLETE: '409 Conflict',
  BLOB_RANGE: '416 Range Not Satisfiable',
};
/** Bytes per write of a download: small enough that backpressure bounds what uWS buffers. */
const SLICE = 64 * 1024;

interface Req {
  aborted: boolean;
  /** The status line went out: a later failure can only cut the connection. */
  started?: boolean;
  /** Settles a download waiting for onWritable when the client goes away. */
  wake?: () => void;
  /** Runs when the client goes away (uWS keeps one onAborted handler per response). */
  onAbort?: () => void;
}

function track(res: uWS.HttpResponse): Req {
  const r: Req = { aborted: false };
  res.onAborted(() => {
    r.aborted = true;
    r.wake?.();
    r.onAbort?.();
  });
  return r;
}

/** Blob answers are bytes or JSON, never a document: nothing in them may load or run anything. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

function reply(res: uWS.HttpResponse, r: Req, status: string, body: string, extra: [string, string][] = []): void {
  if (r.aborted) return;
  r.aborted = true; // answered: later events must not touch the response
  res.cork(() => {
    res.writeStatus(status);
    writeSecurityHeaders(res, API_CSP);
    res.writeHeader('Cache-Control', 'no-store');
    for (const [k, v] of extra) res.writeHeader(k, v);
    res.writeHeader('Content-Type', 'application/json; charset=utf-8').end(body);
  });
}

function fail(res: uWS.HttpResponse, r: Req, ctx: ServerContext, err: unknown, closeAfter = false): void {
  const pe = err instanceof ProtocolError ? err : new ProtocolError('STORE_UNAVAILABLE');
  if (!(err instanceof ProtocolError)) ctx.log.error('blob_error', { error: err instanceof Error ? err.message : String(err) });
  ctx.metrics.inc('errors_total', pe.code);
  const status = HTTP_STATUS[pe.code] ?? '503 Service Unavailable';
  // Answered before its body was read: the rest of the body must not be taken for a next request.
  reply(res, r, status, JSON.stringify({ code: pe.code, message: pe.message }), closeAfter ? [['Connection', 'close']] : []);
}

/** Parses "bytes=a-b" / "bytes=a-" / "bytes=-n" against size: [start, end) or BLOB_RANGE. */
export function parseRange(header: string, size: number): [number, number] | undefined {
  if (header === '') return undefined;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new ProtocolError('BLOB_RANGE', 'expected bytes=start-end');
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || end <= start) throw new ProtocolError('BLOB_RANGE', `bytes ${start}.. of ${size}`);
  return [start, end];
}

/** Writes buf under backpressure; resolves when uWS took it all (or the client is gone). */
function write(res: uWS.HttpResponse, r: Req, buf: Uint8Array, total: number): Promise<void> {
  return new Promise((resolve) => {
    if (r.aborted) return resolve();
    res.cork(() => {
      const base = res.getWriteOffset();
      const [ok, done] = res.tryEnd(buf, total);
      if (ok || done) return resolve();
      r.wake = resolve;
      res.onWritable((offset) => {
        const [ok2, done2] = res.tryEnd(buf.subarray(offset - base), total);
        if (ok2 || done2) {
          r.wake = undefined;
          resolve();
        }
        return ok2;
      });
    });
  });
}

async function download(
  res: uWS.HttpResponse,
  r: Req,
  blobs: Blobs,
  metrics: Metrics,
  m: BlobMeta,
  range: [number, number] | undefined,
): Promise<void> {
  const [start, end] = range ?? [0, m.size];
  const total = end - start;
  r.started = true;
  res.cork(() => {
    res.writeStatus(range ? '206 Partial Content' : '200 OK');
    writeSecurityHeaders(res, API_CSP);
    res.writeHeader('Cache-Control', 'no-store');
    res.writeHeader('Content-Type', 'application/octet-stream');
    res.writeHeader('Accept-Ranges', 'bytes');
    if (range) res.writeHeader('Content-Range', `bytes ${start}-${end - 1}/${m.size}`);
  });
  const pb = m.partBytes;
  for (let p = Math.floor(start / pb); p <= Math.floor((end - 1) / pb) && !r.aborted; p++) {
    const base = p * pb;
    const bytes = await blobs.store.readPart(m.id, p, Math.max(start, base) - base, Math.min(end, base + pb) - base);
    for (let i = 0; i < bytes.length && !r.aborted; i += SLICE) await write(res, r, bytes.subarray(i, i + SLICE), total);
    if (!r.aborted) metrics.inc('blob_bytes_out_total', '', bytes.length);
  }
}

/**
 * Part buffers are reused: a fresh megabyte per part is garbage V8 collects late (it sits outside
 * the heap), so a 25 MB upload would otherwise grow the process by most of its size.
 */
class PartPool {
  private readonly free: Buffer[] = [];
  constructor(
    private readonly partBytes: number,
    private readonly keep: number,
  ) {}
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.partBytes);
  }
  give(b: Buffer): void {
    if (this.free.length < this.keep) this.free.push(b);
  }
}

/**
 * "/blob/<id>" → [id] and "/blob/<id>/<n>" → [id, n]. Routes are wildcards parsed here (not
 * ":id" parameters) so the Node transport (server/src/transport/) routes them the same way.
 */
function segments(req: uWS.HttpRequest): string[] {
  return req.getUrl().slice('/blob/'.length).split('/');
}

function tokenOf(req: uWS.HttpRequest): string {
  return req.getHeader('x-blob-token');
}

/** What a request on /blob/<id> needs, copied out of req before anything is awaited. */
function blobRequest(res: uWS.HttpResponse, req: uWS.HttpRequest, metrics: Metrics, route: string): { id: string; token: string; r: Req } {
  metrics.inc('http_requests_total', route);
  const seg = segments(req);
  return { id: seg.length === 1 ? seg[0]! : '', token: tokenOf(req), r: track(res) };
}

export function registerBlobRoutes(app: uWS.TemplatedApp, ctx: ServerContext, blobs: Blobs): void {
  const { metrics } = ctx;
  const pool = new PartPool(blobs.partBytes, 8);

  app.put('/blob/*', (res, req) => {
    metrics.inc('http_requests_total', 'blob_put');
    const seg = segments(req);
    const id = seg.length === 2 ? seg[0]! : '';
    const nText = seg[1] ?? '';
    const token = tokenOf(req);
    const contentLength = req.getHeader('content-length');
    const r = track(res);
    let expected: number;
    let index: number;
    try {
      if (!isBlobId(id)) throw new ProtocolError('BLOB_NOT_FOUND');
      const claims = blobs.check(token, 'upload', id);
      if (!/^\d{1,9}$/.test(nText)) throw new ProtocolError('BLOB_BAD_PART');
      index = Number(nText);
      expected = blobs.expectedLength(claims, index);
      if (contentLength !== '' && contentLength !== String(expected))
        throw new ProtocolError('BLOB_WRONG_LENGTH', `part ${index} is ${expected} bytes, Content-Length says ${contentLength}`);
    } catch (err) {
      return fail(res, r, ctx, err, true);
    }
    let held: Buffer | undefined = pool.take();
    const release = (): void => {
      if (held) pool.give(held);
      held = undefined;
    };
    let got = 0;
    let storing = false;
    // While the store writes from it, the buffer is not free, aborted or not.
    r.onAbort = () => !storing && release();
    res.onData((chunk, isLast) => {
      if (r.aborted || !held) return;
      const c = new Uint8Array(chunk); // only valid during this call: copied below
      if (got + c.length > expected) {
        release();
        return fail(res, r, ctx, new ProtocolError('BLOB_WRONG_LENGTH', `part ${index} is ${expected} bytes`), true);
      }
      held.set(c, got);
      got += c.length;
      if (!isLast) return;
      if (got !== expected) {
        release();
        return fail(res, r, ctx, new ProtocolError('BLOB_WRONG_LENGTH', `part ${index} is ${expected} bytes, got ${got}`));
      }
      storing = true;
      blobs
        .putPart(id, index, held.subarray(0, expected))
        .then(
          (s) => {
            metrics.inc('blob_bytes_in_total', '', expected);
            if (s.justCompleted) metrics.inc('blobs_completed_total');
            reply(res, r, '200 OK', JSON.stringify({ size: s.size, partBytes: s.partBytes, complete: s.complete, missing: s.missing }));
          },
          (err: unknown) => fail(res, r, ctx, err),
        )
        .finally(release);
    });
  });

  app.head('/blob/*', (res, req) => {
    const { id, token, r } = blobRequest(res, req, metrics, 'blob_head');
    void (async () => {
      if (!isBlobId(id)) throw new ProtocolError('BLOB_NOT_FOUND');
      const op: BlobOp = token.startsWith('u.') ? 'upload' : 'download';
      blobs.check(token, op, id);
      const s = await blobs.status(id);
      if (r.aborted) return;
      r.aborted = true;
      res.cork(() => {
        res.writeStatus('200 OK');
        writeSecurityHeaders(res, API_CSP);
        res.writeHeader('Cache-Control', 'no-store');
        res
          .writeHeader('X-Blob-Size', String(s.size))
          .writeHeader('X-Blob-Part-Bytes', String(s.partBytes))
          .writeHeader('X-Blob-Parts', String(partCount(s.size, s.partBytes)));
        res.writeHeader('X-Blob-Complete', s.complete ? '1' : '0').writeHeader('X-Blob-Missing', s.missing.join(','));
        // endWithoutBody(length) leaves a kept-alive connection unusable in this uWS (see http.ts).
        res.writeHeader('Content-Length', '0').endWithoutBody();
      });
    })().catch((err: unknown) => {
      // A HEAD answer has no body: the code goes in a header.
      const pe = err instanceof ProtocolError ? err : new ProtocolError('STORE_UNAVAILABLE');
      if (r.aborted) return;
      r.aborted = true;
      res.cork(() => {
        res.writeStatus(HTTP_STATUS[pe.code] ?? '503 Service Unavailable');
        writeSecurityHeaders(res, API_CSP);
        res.writeHeader('X-Error-Code', pe.code).writeHeader('Content-Length', '0').endWithoutBody();
      });
    });
  });

  app.del('/blob/*', (res, req) => {
    const { id, token, r } = blobRequest(res, req, metrics, 'blob_delete');
    void (async () => {
      if (!isBlobId(id)) throw new ProtocolError('BLOB_NOT_FOUND');
      // An upload token: only the owner's socket is ever given one for this blob.
      blobs.check(token, 'upload', id);
      await blobs.deleteUpload(id);
      reply(res, r, '200 OK', '{}');
    })().catch((err: unknown) => fail(res, r, ctx, err));
  });

  app.get('/blob/*', (res, req) => {
    const { id, token, r } = blobRequest(res, req, metrics, 'blob_get');
    const rangeHeader = req.getHeader('range');
    void (async () => {
      if (!isBlobId(id)) throw new ProtocolError('BLOB_NOT_FOUND');
      blobs.check(token, 'download', id);
      const m = await blobs.forDownload(id);
      const range = parseRange(rangeHeader, m.size);
      if (r.aborted) return;
      await download(res, r, blobs, metrics, m, range);
    })().catch((err: unknown) => {
      // Once bytes went out the status is sent: all that is left is to cut the connection.
      if (r.started) {
        if (!r.aborted) res.close();
        r.aborted = true;
        return;
      }
      fail(res, r, ctx, err);
    });
  });
}
