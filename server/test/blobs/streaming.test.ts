// A 25 MiB attachment goes up to a real server process (testkit/child.ts) while its resident memory
// is read from /proc after every part: the server holds a part at a time, never the file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createIdentity, randomId } from '../../../protocol/index.ts';
import { ChildServer } from '../helpers/child.ts';
import { connectAs, type Frame } from '../helpers/rawClient.ts';

const MiB = 1024 * 1024;
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function upload(base: string, t: Frame, data: Uint8Array, each: () => void): Promise<void> {
  for (let i = 0; i * t.partBytes < data.length; i++) {
    const res = await fetch(`${base}/blob/${t.blob}/${i}`, {
      method: 'PUT',
      body: data.subarray(i * t.partBytes, (i + 1) * t.partBytes) as BodyInit,
      headers: { 'x-blob-token': t.token },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    each();
  }
}

it('server RSS grows by less than 16 MiB while a 25 MiB file goes up, and the file comes back whole', { timeout: 120_000 }, async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-blob-rss-'));
  const srv = await ChildServer.start({ BLOB_DIR: dir, ATTACHMENT_MAX_BYTES: String(25 * MiB) });
  const c = await connectAs(srv.url, createIdentity());
  const ask = async (frame: object): Promise<Frame> => {
    const id = randomId();
    c.send({ ...frame, id });
    return c.next((f) => (f.type === 'blob_token' || f.type === 'error') && f.ref === id);
  };
  // Warm up every code path (routes, fs, JIT) with a small file first.
  const small = await ask({ type: 'blob_upload', size: 3 * MiB });
  await upload(srv.httpUrl, small, new Uint8Array(3 * MiB), () => {});

  const data = new Uint8Array(25 * MiB);
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 255;
  const t = await ask({ type: 'blob_upload', size: data.length });
  expect(t.type).toBe('blob_token');
  const before = srv.rss();
  let peak = before;
  await upload(srv.httpUrl, t, data, () => (peak = Math.max(peak, srv.rss())));
  const grown = peak - before;
  expect(grown, `RSS grew ${(grown / MiB).toFixed(1)} MiB`).toBeLessThan(16 * MiB);

  const d = await ask({ type: 'blob_download', blob: t.blob });
  const res = await fetch(`${srv.httpUrl}/blob/${t.blob}`, { headers: { 'x-blob-token': d.token } });
  const back = new Uint8Array(await res.arrayBuffer());
  expect(back.length).toBe(data.length);
  expect(Buffer.compare(back, data)).toBe(0);
  c.ws.terminate();
});
