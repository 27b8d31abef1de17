import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/blobs/disk.ts';
import { blobContract } from './contract.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sm-blobs-'));
  dirs.push(d);
  return d;
}

blobContract('disk', { make: async () => new DiskBlobStore(await dir()) });

describe('DiskBlobStore', () => {
  it('keeps its index across a restart and drops a blob whose meta never got written', async () => {
    const d = await dir();
    const s1 = new DiskBlobStore(d);
    const meta = { id: 'a'.repeat(32), owner: 'o', size: 3, partBytes: 1024, createdAt: 0, expiresAt: 10, complete: false };
    expect(await s1.create(meta, 100, 0)).toBe('ok');
    await s1.putPart(meta.id, 0, Uint8Array.of(1, 2, 3));
    await s1.markComplete(meta.id, 10);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(d, 'b'.repeat(32)));
    const s2 = new DiskBlobStore(d);
    expect(await s2.meta(meta.id)).toMatchObject({ complete: true, size: 3 });
    expect(await s2.create({ ...meta, id: 'c'.repeat(32), size: 98 }, 100, 0)).toBe('quota');
    expect(await readdir(d)).not.toContain('b'.repeat(32));
    expect(Buffer.from(await s2.readPart(meta.id, 0, 1, 3))).toEqual(Buffer.from([2, 3]));
  });
});
