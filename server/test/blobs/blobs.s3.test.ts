// The same contract against S3, spoken to s3rver (an S3-protocol server in this process, on port 0,
// in a temporary directory): what runs here runs in CI with nothing more installed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, randomId } from '../../../protocol/index.ts';
import { BLOB_PART_BYTES } from '../../src/blobs/types.ts';
import { as, start } from '../helpers/server.ts';
import S3rver from 's3rver';
import { S3BlobStore } from '../../src/blobs/s3.ts';
import { blobContract } from './contract.ts';

let server: S3rver;
let dir: string;
let endpoint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'attachments', configs: [] }],
  });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
blobContract('s3 (s3rver)', {
  // A fresh prefix per test: an empty store without a new bucket.
  make: async () =>
    new S3BlobStore({
      bucket: 'attachments',
      prefix: `t${++n}-${Date.now()}/`,
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
});

describe('several instances on one bucket', () => {
  it('a token from one instance is good on another, and parts put to either make one blob', async () => {
    const secret = 'c0'.repeat(32);
    const prefix = `multi-${Date.now()}/`;
    const store = () =>
      new S3BlobStore({
        bucket: 'attachments',
        prefix,
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
    const [s1, s2] = [store(), store()];
    const config = { blobSecret: secret, attachmentMaxBytes: 4 * 1024 * 1024 };
    const [one, two] = [await start(config, { blobStore: s1 }), await start(config, { blobStore: s2 })];
    try {
      const a = await as(one.url, createIdentity());
      const id = randomId();
      a.send({ type: 'blob_upload', id, size: 2 * BLOB_PART_BYTES + 5 });
      const t = await a.next((f) => f.type === 'blob_token' && f.ref === id);
      const data = new Uint8Array(2 * BLOB_PART_BYTES + 5).map((_, i) => i % 251);
      for (const [i, srv] of [one, two, one].entries()) {
        const res = await fetch(`${srv.httpUrl}/blob/${t.blob}/${i}`, {
          method: 'PUT',
          body: data.subarray(i * BLOB_PART_BYTES, (i + 1) * BLOB_PART_BYTES) as BodyInit,
          headers: { 'x-blob-token': t.token },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      const b = await as(two.url, createIdentity());
      const did = randomId();
      b.send({ type: 'blob_download', id: did, blob: t.blob });
      const d = await b.next((f) => f.type === 'blob_token' && f.ref === did);
      const got = new Uint8Array(
        await (await fetch(`${one.httpUrl}/blob/${t.blob}`, { headers: { 'x-blob-token': d.token } })).arrayBuffer(),
      );
      expect(Buffer.compare(got, data)).toBe(0);
    } finally {
      await s1.close();
      await s2.close();
    }
  });
});
