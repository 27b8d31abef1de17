// The same contract against S3, spoken to s3rver (an S3-protocol server in this process, on port 0,
// in a temporary directory): what runs here runs in CI with nothing more installed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import S3rver from 's3rver';
import { S3BlobStore } from '../../src/blobs/s3.ts';
import { blobContract } from './contract.ts';

let server: S3rver;
let dir: string;
let endpoint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'attachments', configs: [] }] });
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
    new S3BlobStore({ bucket: 'attachments', prefix: `t${++n}-${Date.now()}/`, region: 'us-east-1', endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
});
