// The blob store in a directory (BLOB_DIR), for one instance: <dir>/<id>/meta.json and one file per
// part. A part is written to a temporary name and renamed into place, so a crash or an aborted
// request never leaves a part that looks whole. An index in memory (rebuilt from the directory at
// start) answers quota and expiry questions without touching the disk.
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBlobId, type BlobMeta, type BlobStore, type CreateResult } from './types.ts';

export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk' as const;
  private readonly index = new Map<string, BlobMeta>();
  private readonly loaded: Promise<void>;

  constructor(private readonly dir: string) {
    this.loaded = this.load();
  }

  private async load(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return; // created on the first upload
    }
    for (const id of names) {
      if (!isBlobId(id)) continue;
      try {
        this.index.set(id, JSON.parse(await readFile(join(this.dir, id, 'meta.json'), 'utf8')) as BlobMeta);
      } catch {
        // A blob whose meta never got written is half-made: nothing may refer to it.
        await rm(join(this.dir, id), { recursive: true, force: true });
      }
    }
  }

  private async writeMeta(meta: BlobMeta): Promise<void> {
    const path = join(this.dir, meta.id, 'meta.json');
    await writeFile(`${path}.tmp`, JSON.stringify(meta));
    await rename(`${path}.tmp`, path);
  }

  async create(meta: BlobMeta, quotaBytes: number, now: number): Promise<CreateResult> {
    await this.loaded;
    let used = 0;
    for (const m of this.index.values()) if (m.owner === meta.owner && m.expiresAt > now) used += m.size;
    if (used + meta.size > quotaBytes) return 'quota';
    // Reserved before the first await, so two concurrent creates cannot both pass the check.
    this.index.set(meta.id, meta);
    try {
      await mkdir(join(this.dir, meta.id), { recursive: true });
      await this.writeMeta(meta);
    } catch (err) {
      this.index.delete(meta.id);
      throw err;
    }
    return 'ok';
  }

  async meta(id: string): Promise<BlobMeta | undefined> {
    await this.loaded;
    return this.index.get(id);
  }

  async putPart(id: string, index: number, bytes: Uint8Array): Promise<void> {
    const path = join(this.dir, id, `p${index}`);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async parts(id: string): Promise<Set<number>> {
    const out = new Set<number>();
    let names: string[];
    try {
      names = await readdir(join(this.dir, id));
    } catch {
      return out;
    }
    for (const n of names) {
      const m = /^p(\d+)$/.exec(n);
      if (m) out.add(Number(m[1]));
    }
    return out;
  }

  async markComplete(id: string, expiresAt: number): Promise<void> {
    const m = this.index.get(id);
    if (!m || m.complete) return;
    const done = { ...m, complete: true, expiresAt };
    this.index.set(id, done);
    await this.writeMeta(done);
  }

  async setExpiry(id: string, expiresAt: number): Promise<void> {
    const m = this.index.get(id);
    if (!m || m.complete) return;
    const moved = { ...m, expiresAt };
    this.index.set(id, moved);
    await this.writeMeta(moved);
  }

  async readPart(id: string, index: number, start: number, end: number): Promise<Uint8Array> {
    const fh = await open(join(this.dir, id, `p${index}`), 'r');
    try {
      const buf = Buffer.allocUnsafe(end - start);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) throw new Error(`blob part ${index} is shorter than recorded`);
        got += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }

  async delete(id: string): Promise<void> {
    this.index.delete(id);
    await rm(join(this.dir, id), { recursive: true, force: true });
  }

  async sweep(now: number): Promise<number> {
    await this.loaded;
    let n = 0;
    for (const m of [...this.index.values()]) {
      if (m.expiresAt > now) continue;
      await this.delete(m.id);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.loaded;
  }
}
