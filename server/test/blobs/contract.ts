// One contract for every blob store (disk, S3 via s3rver), through the real server: frames for
// tokens, the HTTP API for bytes. Quotas, TTL, tokens, resumable parts, ranges and bad input, each
// ending with nothing half-stored and the server still serving everyone else.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentity, randomId } from '../../../protocol/index.ts';
import type { BlobStore } from '../../src/blobs/types.ts';
import { BLOB_PART_BYTES } from '../../src/blobs/types.ts';
import { UPLOAD_LEASE_MS, UPLOAD_MAX_MS } from '../../src/blobs/tokens.ts';
import { as, expectHonestPairWorks, fakeClock, start } from '../helpers/server.ts';
import type { Frame, RawClient } from '../helpers/rawClient.ts';
import { scrapeMetrics } from '../../../testkit/net.ts';

export interface ContractEnv {
  /** A fresh, empty store; the suite closes it. */
  make(): Promise<BlobStore>;
}

const MiB = 1024 * 1024;

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 255;
  return out;
}

async function token(c: RawClient, frame: Record<string, unknown>): Promise<Frame> {
  const id = randomId();
  c.send({ ...frame, id });
  return c.next((f) => (f.type === 'blob_token' && f.ref === id) || (f.type === 'error' && f.ref === id));
}

async function put(base: string, t: Frame, n: number, body: Uint8Array, tok = t.token as string): Promise<{ status: number; json: Frame }> {
  const res = await fetch(`${base}/blob/${t.blob}/${n}`, { method: 'PUT', body: body as BodyInit, headers: { 'x-blob-token': tok } });
  return { status: res.status, json: await res.json() };
}

async function uploadAll(base: string, t: Frame, data: Uint8Array): Promise<void> {
  for (let i = 0; i * t.partBytes < data.length; i++) {
    const r = await put(base, t, i, data.subarray(i * t.partBytes, (i + 1) * t.partBytes));
    expect(r.status).toBe(200);
  }
}

async function get(
  base: string,
  blob: string,
  tok: string,
  range?: string,
): Promise<{ status: number; body: Uint8Array; headers: Headers }> {
  const headers: Record<string, string> = { 'x-blob-token': tok };
  if (range) headers.range = range;
  const res = await fetch(`${base}/blob/${blob}`, { headers });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

const code = (r: { body: Uint8Array }): string => JSON.parse(Buffer.from(r.body).toString('utf8')).code;

export function blobContract(name: string, env: ContractEnv): void {
  describe(`blob store contract: ${name}`, () => {
    const stores: BlobStore[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
    });

    async function setup(config: Record<string, unknown> = {}) {
      const clock = fakeClock();
      const store = await env.make();
      stores.push(store);
      const srv = await start(
        { attachmentMaxBytes: 3 * MiB, blobQuotaBytes: 5 * MiB, blobTtlMs: 60_000, ...config },
        { clock: clock.now, blobStore: store },
      );
      const alice = createIdentity();
      const a = await as(srv.url, alice);
      return { srv, store, clock, alice, a, base: srv.httpUrl };
    }

    it('uploads by parts in any order, reports what is missing, then serves the whole and any range', async () => {
      const { a, base, srv } = await setup();
      const data = bytes(2 * BLOB_PART_BYTES + 1234);
      const t = await token(a, { type: 'blob_upload', size: data.length });
      expect(t.type).toBe('blob_token');
      expect(t).toMatchObject({ op: 'upload', size: data.length, partBytes: BLOB_PART_BYTES });
      expect(t.blob).toMatch(/^[0-9a-f]{32}$/);
      expect((await put(base, t, 2, data.subarray(2 * BLOB_PART_BYTES))).json).toMatchObject({ complete: false, missing: [0, 1] });
      const head = await fetch(`${base}/blob/${t.blob}`, { method: 'HEAD', headers: { 'x-blob-token': t.token } });
      expect(head.status).toBe(200);
      expect(head.headers.get('x-blob-missing')).toBe('0,1');
      expect(head.headers.get('x-blob-size')).toBe(String(data.length));
      // Not downloadable until whole.
      expect((await token(a, { type: 'blob_download', blob: t.blob })).code).toBe('BLOB_INCOMPLETE');
      expect((await put(base, t, 0, data.subarray(0, BLOB_PART_BYTES))).json.missing).toEqual([1]);
      expect((await put(base, t, 1, data.subarray(BLOB_PART_BYTES, 2 * BLOB_PART_BYTES))).json).toMatchObject({
        complete: true,
        missing: [],
      });

      const bob = await as(srv.url, createIdentity());
      const d = await token(bob, { type: 'blob_download', blob: t.blob });
      expect(d).toMatchObject({ op: 'download', size: data.length });
      const whole = await get(base, t.blob, d.token);
      expect(whole.status).toBe(200);
      expect(Buffer.compare(whole.body, data)).toBe(0);
      // A range across a part boundary, an open-ended one and a suffix.
      const r1 = await get(base, t.blob, d.token, `bytes=${BLOB_PART_BYTES - 10}-${BLOB_PART_BYTES + 9}`);
      expect(r1.status).toBe(206);
      expect(r1.headers.get('content-range')).toBe(`bytes ${BLOB_PART_BYTES - 10}-${BLOB_PART_BYTES + 9}/${data.length}`);
      expect(Buffer.compare(r1.body, data.subarray(BLOB_PART_BYTES - 10, BLOB_PART_BYTES + 10))).toBe(0);
      const r2 = await get(base, t.blob, d.token, `bytes=${data.length - 5}-`);
      expect(Buffer.compare(r2.body, data.subarray(data.length - 5))).toBe(0);
      const r3 = await get(base, t.blob, d.token, `bytes=-7`);
      expect(Buffer.compare(r3.body, data.subarray(data.length - 7))).toBe(0);
      const past = await get(base, t.blob, d.token, `bytes=${data.length}-`);
      expect(past.status).toBe(416);
      expect(code(past)).toBe('BLOB_RANGE');
      // Aggregates only: counts and bytes, never an id.
      const metrics = await scrapeMetrics(base);
      expect(metrics).toMatch(new RegExp(`^sm_blob_bytes_in_total ${data.length}$`, 'm'));
      expect(metrics).toMatch(/^sm_blobs_created_total 1$/m);
      expect(metrics).toMatch(/^sm_blobs_completed_total 1$/m);
      expect(metrics).toMatch(new RegExp(`^sm_blob_bytes_out_total ${data.length + 20 + 5 + 7}$`, 'm'));
      expect(metrics).not.toContain(t.blob);
      await expectHonestPairWorks(srv);
    });

    it('refuses a blob over ATTACHMENT_MAX_BYTES and one past the quota; expiry frees the quota', async () => {
      const { a, clock, srv } = await setup();
      expect((await token(a, { type: 'blob_upload', size: 3 * MiB + 1 })).code).toBe('BLOB_TOO_LARGE');
      expect((await token(a, { type: 'blob_upload', size: 3 * MiB })).type).toBe('blob_token');
      expect((await token(a, { type: 'blob_upload', size: 2 * MiB })).type).toBe('blob_token');
      // 5 MiB held: one byte more is over.
      expect((await token(a, { type: 'blob_upload', size: 1 })).code).toBe('BLOB_QUOTA');
      // Another identity has its own quota.
      const b = await as(srv.url, createIdentity());
      expect((await token(b, { type: 'blob_upload', size: 1 })).type).toBe('blob_token');
      clock.advance(60_001);
      expect((await token(a, { type: 'blob_upload', size: 3 * MiB })).type).toBe('blob_token');
    });

    const del = async (base: string, blob: string, tok: string): Promise<{ status: number; json: Frame }> => {
      const res = await fetch(`${base}/blob/${blob}`, { method: 'DELETE', headers: { 'x-blob-token': tok } });
      return { status: res.status, json: await res.json() };
    };

    it('the uploader deletes its blob with its upload token and the quota is free at once; no one else can', async () => {
      const { a, base, srv, store } = await setup();
      const data = bytes(BLOB_PART_BYTES + 10);
      const done = await token(a, { type: 'blob_upload', size: 5 });
      await uploadAll(base, done, bytes(5));
      const held = await token(a, { type: 'blob_upload', size: 3 * MiB - 5 });
      const t = await token(a, { type: 'blob_upload', size: 2 * MiB });
      await put(base, t, 0, data.subarray(0, BLOB_PART_BYTES));
      expect((await token(a, { type: 'blob_upload', size: 1 })).code).toBe('BLOB_QUOTA');

      // Bob: his own upload token, a download token, a forged one, a renewal of Alice's blob.
      const b = await as(srv.url, createIdentity());
      const his = await token(b, { type: 'blob_upload', size: 10 });
      expect(await del(base, t.blob, his.token)).toMatchObject({ status: 403, json: { code: 'BLOB_BAD_TOKEN' } });
      expect((await token(b, { type: 'blob_upload', size: 1, blob: t.blob })).code).toBe('BLOB_NOT_FOUND');
      const dl = await token(b, { type: 'blob_download', blob: done.blob });
      expect(await del(base, done.blob, dl.token)).toMatchObject({ status: 403, json: { code: 'BLOB_BAD_TOKEN' } });
      expect(await del(base, t.blob, t.token.replace(/\.[^.]+$/, '.AAAA'))).toMatchObject({ status: 403 });
      expect(await store.meta(t.blob)).toBeDefined();
      expect((await token(b, { type: 'blob_download', blob: done.blob })).type).toBe('blob_token');

      // Alice cancels: the half-sent blob goes, every part of it, and its quota with it.
      expect(await del(base, t.blob, t.token)).toMatchObject({ status: 200, json: {} });
      expect(await store.meta(t.blob)).toBeUndefined();
      expect((await store.parts(t.blob)).size).toBe(0);
      expect((await token(a, { type: 'blob_upload', size: 2 * MiB - 5 })).type).toBe('blob_token');
      expect(await del(base, t.blob, t.token)).toMatchObject({ status: 404, json: { code: 'BLOB_NOT_FOUND' } });
      const head = await fetch(`${base}/blob/${t.blob}`, { method: 'HEAD', headers: { 'x-blob-token': t.token } });
      expect(head.headers.get('x-error-code')).toBe('BLOB_NOT_FOUND');
      expect(await store.meta(held.blob)).toBeDefined();
      await expectHonestPairWorks(srv);
    });

    it('an upload left unfinished holds its quota for one upload lease, not the TTL; renewing or finishing keeps it', async () => {
      const ttl = 4 * UPLOAD_LEASE_MS;
      const { a, base, clock, store } = await setup({ blobTtlMs: ttl });
      const abandoned = await token(a, { type: 'blob_upload', size: 3 * MiB });
      const renewed = await token(a, { type: 'blob_upload', size: 1 * MiB });
      const finished = await token(a, { type: 'blob_upload', size: 1000 });
      await uploadAll(base, finished, bytes(1000));
      expect((await token(a, { type: 'blob_upload', size: 1 * MiB })).code).toBe('BLOB_QUOTA');
      clock.advance(UPLOAD_LEASE_MS - 1000);
      const again = await token(a, { type: 'blob_upload', size: 1, blob: renewed.blob });
      expect(again.expiresAt).toBeGreaterThan(renewed.expiresAt);
      clock.advance(1000);
      // The abandoned 3 MiB no longer count: 1 MiB + 1000 bytes are held.
      expect((await token(a, { type: 'blob_upload', size: 3 * MiB })).type).toBe('blob_token');
      expect((await token(a, { type: 'blob_upload', size: 1, blob: abandoned.blob })).code).toBe('BLOB_EXPIRED');
      expect(await store.sweep(clock.now())).toBe(1);
      expect(await store.meta(abandoned.blob)).toBeUndefined();
      // The renewed upload goes on where it was; the finished blob lives its whole TTL.
      await uploadAll(base, again, bytes(1 * MiB));
      clock.advance(ttl - UPLOAD_LEASE_MS - 1);
      expect((await token(a, { type: 'blob_download', blob: finished.blob })).type).toBe('blob_token');
      expect((await token(a, { type: 'blob_download', blob: renewed.blob })).type).toBe('blob_token');
      expect(await store.sweep(clock.now())).toBe(1); // the 3 MiB one, never uploaded to
    });

    it('renewals keep an unfinished upload no longer than UPLOAD_MAX_MS after it was created', async () => {
      const { a, clock, store } = await setup({ blobTtlMs: 4 * UPLOAD_MAX_MS });
      const first = await token(a, { type: 'blob_upload', size: 1000 });
      let last = first;
      for (let t = 0; t + UPLOAD_LEASE_MS / 2 < UPLOAD_MAX_MS + UPLOAD_LEASE_MS; t += UPLOAD_LEASE_MS / 2) {
        clock.advance(UPLOAD_LEASE_MS / 2);
        const again = await token(a, { type: 'blob_upload', size: 1, blob: first.blob });
        if (again.type !== 'blob_token') break;
        expect(again.expiresAt).toBeLessThanOrEqual(first.expiresAt - UPLOAD_LEASE_MS + UPLOAD_MAX_MS);
        last = again;
      }
      expect(last.expiresAt).toBeGreaterThan(first.expiresAt);
      clock.advance(Math.max(0, last.expiresAt - clock.now()) + 1);
      expect((await token(a, { type: 'blob_upload', size: 1, blob: first.blob })).code).toBe('BLOB_EXPIRED');
      expect(await store.sweep(clock.now())).toBe(1);
    });

    it('expires a blob after its TTL and the sweep removes every byte of it', async () => {
      const { a, base, clock, store } = await setup();
      const data = bytes(1000);
      const t = await token(a, { type: 'blob_upload', size: data.length });
      await uploadAll(base, t, data);
      const d = await token(a, { type: 'blob_download', blob: t.blob });
      expect((await get(base, t.blob, d.token)).status).toBe(200);
      clock.advance(60_000);
      // Tokens never outlive their blob; a fresh one cannot be had.
      expect((await token(a, { type: 'blob_download', blob: t.blob })).code).toBe('BLOB_EXPIRED');
      expect(code(await get(base, t.blob, d.token))).toBe('BLOB_BAD_TOKEN');
      expect(await store.sweep(clock.now())).toBe(1);
      expect(await store.meta(t.blob)).toBeUndefined();
      expect((await store.parts(t.blob)).size).toBe(0);
      expect((await token(a, { type: 'blob_download', blob: t.blob })).code).toBe('BLOB_NOT_FOUND');
    });

    it('accepts only a genuine, live token for this blob and this operation', async () => {
      const { a, base, clock, srv } = await setup();
      const data = bytes(100);
      const t = await token(a, { type: 'blob_upload', size: data.length });
      const other = await token(a, { type: 'blob_upload', size: data.length });
      const bad = async (tok: string, n = 0): Promise<string> => {
        const r = await put(base, t, n, data, tok);
        expect(r.status).toBe(403);
        return r.json.code;
      };
      expect(await bad('')).toBe('BLOB_BAD_TOKEN');
      expect(await bad(other.token)).toBe('BLOB_BAD_TOKEN');
      expect(await bad(t.token.slice(0, -2) + (t.token.endsWith('AA') ? 'AB' : 'AA'))).toBe('BLOB_BAD_TOKEN');
      // A size raised in the token's text breaks its MAC.
      expect(await bad(t.token.replace(`.${data.length}.`, `.${data.length + 1}.`))).toBe('BLOB_BAD_TOKEN');
      await uploadAll(base, t, data);
      // An upload token does not download; a download token does not upload.
      expect(code(await get(base, t.blob, t.token))).toBe('BLOB_BAD_TOKEN');
      const d = await token(a, { type: 'blob_download', blob: t.blob });
      expect(await bad(d.token)).toBe('BLOB_BAD_TOKEN');
      // Only the uploader may renew an upload token.
      const b = await as(srv.url, createIdentity());
      expect((await token(b, { type: 'blob_upload', size: 1, blob: other.blob })).code).toBe('BLOB_NOT_FOUND');
      expect((await token(a, { type: 'blob_upload', size: 1, blob: other.blob })).type).toBe('blob_token');
      // Expired.
      clock.advance(d.expiresAt - clock.now());
      expect(code(await get(base, t.blob, d.token))).toBe('BLOB_BAD_TOKEN');
      await expectHonestPairWorks(srv);
    });

    it('stores nothing of a part whose client went away mid-body; parts sent side by side stay apart', async () => {
      const { a, base, srv, store } = await setup();
      const data = bytes(2 * BLOB_PART_BYTES + 77, 5);
      const t = await token(a, { type: 'blob_upload', size: data.length });
      // Half of part 0, then the connection drops.
      await new Promise<void>((resolve, reject) => {
        const sock = connect(srv.port, '127.0.0.1', () => {
          sock.write(`PUT /blob/${t.blob}/0 HTTP/1.1\r\nHost: x\r\nX-Blob-Token: ${t.token}\r\nContent-Length: ${BLOB_PART_BYTES}\r\n\r\n`);
          sock.write(data.subarray(0, BLOB_PART_BYTES / 2), () => {
            sock.destroy();
            resolve();
          });
        });
        sock.on('error', reject);
      });
      const head = await fetch(`${base}/blob/${t.blob}`, { method: 'HEAD', headers: { 'x-blob-token': t.token } });
      expect(head.headers.get('x-blob-missing')).toBe('0,1,2');
      expect((await store.parts(t.blob)).size).toBe(0);
      // All three parts at once: each request has a buffer of its own.
      const results = await Promise.all(
        [0, 1, 2].map((i) => put(base, t, i, data.subarray(i * BLOB_PART_BYTES, (i + 1) * BLOB_PART_BYTES))),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const d = await token(a, { type: 'blob_download', blob: t.blob });
      expect(Buffer.compare((await get(base, t.blob, d.token)).body, data)).toBe(0);
      await expectHonestPairWorks(srv);
    });

    it('rejects a part of the wrong length or index, and stores nothing of it', async () => {
      const { a, base, srv, store } = await setup();
      const data = bytes(BLOB_PART_BYTES + 10);
      const t = await token(a, { type: 'blob_upload', size: data.length });
      const short = await put(base, t, 0, data.subarray(0, 1000));
      expect(short).toMatchObject({ status: 400, json: { code: 'BLOB_WRONG_LENGTH' } });
      const long = await put(base, t, 1, data.subarray(0, 11));
      expect(long).toMatchObject({ status: 400, json: { code: 'BLOB_WRONG_LENGTH' } });
      expect((await put(base, t, 2, data.subarray(0, 1))).json.code).toBe('BLOB_BAD_PART');
      // A body that lies about its length (chunked, no Content-Length) is measured as it arrives.
      const chunked = await fetch(`${base}/blob/${t.blob}/1`, {
        method: 'PUT',
        headers: { 'x-blob-token': t.token },
        body: new ReadableStream({
          start(c) {
            c.enqueue(data.subarray(0, 8));
            c.enqueue(data.subarray(0, 8));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(400);
      expect(((await chunked.json()) as { code: string }).code).toBe('BLOB_WRONG_LENGTH');
      expect((await store.parts(t.blob)).size).toBe(0);
      expect((await fetch(`${base}/blob/not-an-id/0`, { method: 'PUT', body: 'x', headers: { 'x-blob-token': t.token } })).status).toBe(
        404,
      );
      expect((await token(a, { type: 'blob_download', blob: randomId() })).code).toBe('BLOB_NOT_FOUND');
      await uploadAll(base, t, data);
      expect((await store.parts(t.blob)).size).toBe(2);
      await expectHonestPairWorks(srv);
    });
  });
}
