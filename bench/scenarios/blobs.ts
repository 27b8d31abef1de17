// (blobs) Attachments over HTTP on loopback: one client uploads a file in the blob store's 1 MiB
// parts, then downloads it whole; MB/s each way and the server's CPU per MB. The relay has no blob
// store, so its column is the baseline the issue asks for: the same bytes copied file to file
// through a read and a write stream by one process (this one), its CPU per MB likewise.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import WebSocket from 'ws';
import { createAuthFrame, createIdentity, randomId } from '../../protocol/index.ts';
import { ROOT } from '../lib/proc.ts';
import type { Metrics, Scenario, SizeName } from './types.ts';

const MiB = 1024 * 1024;
const SIZES: Record<SizeName, { files: number; mb: number }> = {
  full: { files: 4, mb: 25 },
  quick: { files: 2, mb: 25 },
  tiny: { files: 1, mb: 2 },
};

// biome-ignore lint/suspicious/noExplicitAny: raw frames of every shape, read field by field
type Frame = Record<string, any>;

/** An authenticated socket that answers token requests. */
async function session(url: string): Promise<{ ask: (f: Frame) => Promise<Frame>; close: () => void }> {
  const ws = new WebSocket(url);
  const waiting = new Map<string, (f: Frame) => void>();
  let onReady: ((f: Frame) => void) | undefined;
  const ready = new Promise<Frame>((r) => (onReady = r));
  const identity = createIdentity();
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    if (f.type === 'hello')
      ws.send(
        JSON.stringify(
          createAuthFrame({ identity, deviceId: randomId(), nonce: f.nonce, epoch: f.epoch, url, grants: [], revocations: [] }),
        ),
      );
    else if (f.type === 'ready' || (f.type === 'error' && !f.ref)) onReady?.(f);
    else if (f.ref && waiting.has(f.ref)) waiting.get(f.ref)!(f);
  });
  const r = await ready;
  if (r.type !== 'ready') throw new Error(`auth failed: ${r.code}`);
  return {
    ask: (f) =>
      new Promise((resolve) => {
        const id = randomId();
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ ...f, id }));
      }),
    close: () => ws.close(),
  };
}

function blobDir(): string {
  const dir = process.env.BLOB_DIR ?? 'data/blobs';
  return dir.startsWith('/') ? dir : join(ROOT, dir);
}

async function viaServer(
  url: string,
  httpUrl: string,
  sample: () => { cpuS: number; rssKb: number },
  files: number,
  bytes: Uint8Array,
): Promise<Metrics> {
  const s = await session(url);
  let upS = 0;
  let downS = 0;
  let upCpu = 0;
  let downCpu = 0;
  let rssKb = 0;
  try {
    for (let f = 0; f < files; f++) {
      const t = await s.ask({ type: 'blob_upload', size: bytes.length });
      if (t.type !== 'blob_token') throw new Error(`blob_upload: ${t.code}`);
      let c0 = sample().cpuS;
      let t0 = performance.now();
      for (let i = 0; i * t.partBytes < bytes.length; i++) {
        const res = await fetch(`${httpUrl}/blob/${t.blob}/${i}`, {
          method: 'PUT',
          body: bytes.subarray(i * t.partBytes, (i + 1) * t.partBytes) as BodyInit,
          headers: { 'x-blob-token': t.token },
        });
        if (!res.ok) throw new Error(`PUT part ${i}: ${res.status}`);
        await res.arrayBuffer();
      }
      upS += (performance.now() - t0) / 1000;
      upCpu += sample().cpuS - c0;
      const d = await s.ask({ type: 'blob_download', blob: t.blob });
      c0 = sample().cpuS;
      t0 = performance.now();
      const res = await fetch(`${httpUrl}/blob/${t.blob}`, { headers: { 'x-blob-token': d.token } });
      let got = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) got += chunk.length;
      if (got !== bytes.length) throw new Error(`download: ${got} of ${bytes.length} bytes`);
      downS += (performance.now() - t0) / 1000;
      downCpu += sample().cpuS - c0;
      rssKb = Math.max(rssKb, sample().rssKb);
      // The bench's blobs would otherwise sit in the server's directory until their TTL.
      await rm(join(blobDir(), t.blob), { recursive: true, force: true });
    }
  } finally {
    s.close();
  }
  return transferMetrics(files * bytes.length, { s: upS, cpuS: upCpu }, { s: downS, cpuS: downCpu }, rssKb / 1024);
}

/** Rates and CPU per MB of `totalBytes` moved each way: the server's columns and the baseline's alike. */
function transferMetrics(totalBytes: number, up: { s: number; cpuS: number }, down: { s: number; cpuS: number }, rssMb: number): Metrics {
  const mb = totalBytes / MiB;
  return {
    upMBps: mb / up.s,
    downMBps: mb / down.s,
    cpuMsPerMbUp: (1000 * up.cpuS) / mb,
    cpuMsPerMbDown: (1000 * down.cpuS) / mb,
    rssMb,
  };
}

/** The baseline: the same bytes copied file to file through streams by this process. */
async function fileCopy(files: number, bytes: Uint8Array): Promise<Metrics> {
  const dir = await mkdtemp(join(tmpdir(), 'sm-bench-copy-'));
  try {
    const src = join(dir, 'src');
    await writeFile(src, bytes);
    let s = 0;
    let cpu = 0;
    for (let f = 0; f < files; f++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pipeline(createReadStream(src), createWriteStream(join(dir, `copy${f}`)));
      s += (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
    }
    // One copy is both the upload and the download.
    const copy = { s, cpuS: cpu };
    return transferMetrics(files * bytes.length, copy, copy, process.memoryUsage().rss / MiB);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const blobs: Scenario = {
  name: 'blobs',
  title: 'Attachments: upload and download over HTTP (relay column = plain file copy by one process, the baseline)',
  metrics: [
    { key: 'upMBps', label: 'upload (1 MiB parts)', unit: 'MB/s', digits: 1 },
    { key: 'downMBps', label: 'download (whole file)', unit: 'MB/s', digits: 1 },
    { key: 'cpuMsPerMbUp', label: 'server CPU per MB up', unit: 'ms', digits: 2 },
    { key: 'cpuMsPerMbDown', label: 'server CPU per MB down', unit: 'ms', digits: 2 },
    { key: 'rssMb', label: 'RSS after', unit: 'MB', digits: 1 },
  ],
  maxRuns: 3,
  prepare() {},
  async run(ctx) {
    const s = SIZES[ctx.size];
    const bytes = new Uint8Array(s.mb * MiB);
    for (let i = 0; i < bytes.length; i += 512) bytes[i] = i & 255;
    if (ctx.target.kind !== 'server') return fileCopy(s.files, bytes);
    const t = ctx.target;
    return viaServer(t.url, `http://127.0.0.1:${t.port}`, () => t.sample(), s.files, bytes);
  },
};
