// The blob store in an S3-compatible bucket (AWS S3, MinIO, R2; tested against s3rver), for several
// instances: what one instance stored, another serves. Keys under the prefix:
//   meta/<id>                             the BlobMeta as JSON (rewritten when its expiry moves)
//   parts/<id>/<n>                        one object per part, put whole (S3 puts are atomic)
//   owners/<owner>/<expiresAt>.<size>.<id> empty: a listing of it is the owner's quota use
// The quota check lists then puts, so two instances creating at the same instant can both pass it:
// the quota is a bound within one upload's size, not exact. Buckets should also have a lifecycle
// rule deleting objects older than BLOB_TTL (docs/operations.md); sweep() does it without one.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BlobMeta, BlobStore, CreateResult } from './types.ts';

/** Reads of a meta object that is mid-rewrite on a store without atomic overwrites (see meta()). */
const META_READS = 8;

export interface S3BlobStoreOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err instanceof NoSuchKey || e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly p: string;

  constructor(opts: S3BlobStoreOptions) {
    const cfg: S3ClientConfig = {
      region: opts.region,
      // Checksums only where S3 requires them: the default trailing-checksum uploads are not spoken
      // by every S3-compatible server, and the client checks its own digest anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (opts.endpoint) {
      cfg.endpoint = opts.endpoint;
      cfg.forcePathStyle = true;
    }
    if (opts.credentials) cfg.credentials = opts.credentials;
    this.s3 = new S3Client(cfg);
    this.bucket = opts.bucket;
    this.p = opts.prefix;
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private put(key: string, body: Uint8Array | string): Promise<unknown> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
  }

  private async get(key: string, range?: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      return await r.Body!.transformToByteArray();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  async create(meta: BlobMeta, quotaBytes: number, now: number): Promise<CreateResult> {
    let used = 0;
    for (const key of await this.list(`${this.p}owners/${meta.owner}/`)) {
      const [exp, size] = key.slice(key.lastIndexOf('/') + 1).split('.');
      if (Number(exp) > now) used += Number(size);
    }
    if (used + meta.size > quotaBytes) return 'quota';
    await this.put(this.ownerKey(meta), '');
    await this.put(`${this.p}meta/${meta.id}`, JSON.stringify(meta));
    return 'ok';
  }

  async meta(id: string): Promise<BlobMeta | undefined> {
    // S3 overwrites atomically, but some S3-compatible stores (s3rver, which the tests run) write an
    // object in place: a read racing markComplete's rewrite can see it empty or cut. Read again.
    for (let attempt = 1; ; attempt++) {
      const raw = await this.get(`${this.p}meta/${id}`);
      if (!raw) return undefined;
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8')) as BlobMeta;
      } catch (err) {
        if (attempt >= META_READS) throw err;
        await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  }

  async putPart(id: string, index: number, bytes: Uint8Array): Promise<void> {
    await this.put(`${this.p}parts/${id}/${index}`, bytes);
  }

  async parts(id: string): Promise<Set<number>> {
    const out = new Set<number>();
    for (const key of await this.list(`${this.p}parts/${id}/`)) out.add(Number(key.slice(key.lastIndexOf('/') + 1)));
    return out;
  }

  private ownerKey(m: BlobMeta): string {
    return `${this.p}owners/${m.owner}/${m.expiresAt}.${m.size}.${m.id}`;
  }

  /**
   * Rewrites the meta with a new expiry and moves its owner entry: the new entry first, the old one
   * last, so a failure in between counts the blob twice (a stricter quota), never not at all; sweep
   * checks the meta before deleting by an entry that may be stale.
   */
  private async rewrite(m: BlobMeta, next: BlobMeta): Promise<void> {
    if (next.expiresAt !== m.expiresAt) await this.put(this.ownerKey(next), '');
    await this.put(`${this.p}meta/${m.id}`, JSON.stringify(next));
    if (next.expiresAt !== m.expiresAt) await this.deleteKeys([this.ownerKey(m)]);
  }

  async markComplete(id: string, expiresAt: number): Promise<void> {
    const m = await this.meta(id);
    if (m && !m.complete) await this.rewrite(m, { ...m, complete: true, expiresAt });
  }

  async setExpiry(id: string, expiresAt: number): Promise<void> {
    const m = await this.meta(id);
    if (m && !m.complete) await this.rewrite(m, { ...m, expiresAt });
  }

  async readPart(id: string, index: number, start: number, end: number): Promise<Uint8Array> {
    const bytes = await this.get(`${this.p}parts/${id}/${index}`, `bytes=${start}-${end - 1}`);
    if (!bytes || bytes.length !== end - start) throw new Error(`blob part ${index} is missing or shorter than recorded`);
    return bytes;
  }

  async delete(id: string): Promise<void> {
    const m = await this.meta(id);
    const keys = await this.list(`${this.p}parts/${id}/`);
    keys.push(`${this.p}meta/${id}`);
    if (m) keys.push(this.ownerKey(m));
    await this.deleteKeys(keys);
  }

  async sweep(now: number): Promise<number> {
    let n = 0;
    for (const key of await this.list(`${this.p}owners/`)) {
      const [exp, , id] = key.slice(key.lastIndexOf('/') + 1).split('.');
      if (!id || Number(exp) > now) continue;
      // An entry left behind by a rewrite (see rewrite()) expires while its blob lives on.
      const m = await this.meta(id);
      if (m && m.expiresAt > now) {
        await this.deleteKeys([key]);
        continue;
      }
      await this.deleteKeys([...(await this.list(`${this.p}parts/${id}/`)), `${this.p}meta/${id}`, key]);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}
