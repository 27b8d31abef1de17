// Blob policy over a BlobStore: sizes, quotas, expiry and tokens, with the error codes of
// protocol/codes.ts. Shared by the frame handlers (tokens) and the HTTP routes (bytes).
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../../protocol/index.ts';
import type { Config } from '../config.ts';
import {
  BlobTokens,
  DOWNLOAD_TOKEN_TTL_MS,
  UPLOAD_LEASE_MS,
  UPLOAD_MAX_MS,
  UPLOAD_TOKEN_TTL_MS,
  type BlobOp,
  type TokenClaims,
} from './tokens.ts';
import { BLOB_PART_BYTES, partCount, partLength, type BlobMeta, type BlobStore } from './types.ts';

export interface TokenAnswer {
  readonly op: BlobOp;
  readonly blob: string;
  readonly token: string;
  readonly expiresAt: number;
  readonly size: number;
  readonly partBytes: number;
}

export interface BlobStatus {
  readonly size: number;
  readonly partBytes: number;
  readonly complete: boolean;
  readonly missing: number[];
  /** This part was the last one missing. */
  readonly justCompleted?: boolean;
}

export class Blobs {
  readonly tokens: BlobTokens;
  private readonly ttlMs: number;
  /** Blobs whose meta is being rewritten as complete, by this instance (complete()). */
  private readonly completing = new Map<string, Promise<void>>();

  constructor(
    readonly store: BlobStore,
    /** ttlMs: how long a blob lives (Lifetimes.blobTtlMs). */
    private readonly config: Pick<Config, 'attachmentMaxBytes' | 'blobQuotaBytes' | 'blobSecret'> & { readonly ttlMs: number },
    private readonly clock: () => number,
    readonly partBytes = BLOB_PART_BYTES,
  ) {
    this.tokens = new BlobTokens(config.blobSecret);
    this.ttlMs = config.ttlMs;
  }

  private answer(op: BlobOp, m: BlobMeta): TokenAnswer {
    const now = this.clock();
    // Never outlives the blob.
    const expiresAt = Math.min(m.expiresAt, now + (op === 'upload' ? UPLOAD_TOKEN_TTL_MS : DOWNLOAD_TOKEN_TTL_MS));
    const claims: TokenClaims = { op, blob: m.id, size: m.size, expiresAt };
    return { op, blob: m.id, token: this.tokens.issue(claims), expiresAt, size: m.size, partBytes: m.partBytes };
  }

  /** A live blob, or the error that says why not. */
  private async live(id: string): Promise<BlobMeta> {
    const m = await this.store.meta(id);
    if (!m) throw new ProtocolError('BLOB_NOT_FOUND');
    if (m.expiresAt <= this.clock()) throw new ProtocolError('BLOB_EXPIRED');
    return m;
  }

  /**
   * Until its last part arrives a blob holds its quota only for an upload lease, renewed with its
   * upload token: an upload abandoned (app closed, connection gone for good) frees the quota within
   * one lease, not one TTL. Resuming inside the lease keeps the parts; after it, the client starts
   * over with a new blob (client/attachments.ts).
   */
  private leaseEnd(now: number): number {
    return now + Math.min(this.ttlMs, UPLOAD_LEASE_MS);
  }

  async createUpload(sessionId: string, size: number): Promise<TokenAnswer> {
    if (size > this.config.attachmentMaxBytes)
      throw new ProtocolError('BLOB_TOO_LARGE', `${size} > ${this.config.attachmentMaxBytes} bytes`);
    const now = this.clock();
    const meta: BlobMeta = {
      id: randomBytes(16).toString('hex'),
      owner: this.tokens.ownerTag(sessionId),
      size,
      partBytes: this.partBytes,
      createdAt: now,
      expiresAt: this.leaseEnd(now),
      complete: false,
    };
    if ((await this.store.create(meta, this.config.blobQuotaBytes, now)) === 'quota') throw new ProtocolError('BLOB_QUOTA');
    return this.answer('upload', meta);
  }

  /** A fresh upload token for my own unfinished blob (resuming after the first one expired). */
  async renewUpload(sessionId: string, id: string): Promise<TokenAnswer> {
    const m = await this.live(id);
    if (m.owner !== this.tokens.ownerTag(sessionId)) throw new ProtocolError('BLOB_NOT_FOUND');
    const lease = Math.min(this.leaseEnd(this.clock()), m.createdAt + UPLOAD_MAX_MS);
    if (m.complete || lease <= m.expiresAt) return this.answer('upload', m);
    await this.store.setExpiry(id, lease);
    return this.answer('upload', { ...m, expiresAt: lease });
  }

  /**
   * The uploader gives its blob up (a cancelled or failed upload): its bytes stop counting at once.
   * Only an upload token opens this, and only the owner's socket is given one (renewUpload checks
   * the owner), so no one can delete another's blob. A finished blob may be deleted too (a cancel
   * can race the last part); a recipient then finds it gone, as after its TTL.
   */
  async deleteUpload(id: string): Promise<void> {
    if (!(await this.store.meta(id))) throw new ProtocolError('BLOB_NOT_FOUND');
    await this.store.delete(id);
  }

  async downloadToken(id: string): Promise<TokenAnswer> {
    const m = await this.live(id);
    if (!m.complete) throw new ProtocolError('BLOB_INCOMPLETE');
    return this.answer('download', m);
  }

  /** The token's claims, or BLOB_BAD_TOKEN. */
  check(token: string, op: BlobOp, id: string): TokenClaims {
    const c = this.tokens.verify(token, op, id, this.clock());
    if (!c) throw new ProtocolError('BLOB_BAD_TOKEN');
    return c;
  }

  /** Length part index must have, from the token's size; BLOB_BAD_PART when there is no such part. */
  expectedLength(claims: TokenClaims, index: number): number {
    const n = partLength(claims.size, this.partBytes, index);
    if (n < 0) throw new ProtocolError('BLOB_BAD_PART', `index ${index} of ${partCount(claims.size, this.partBytes)} parts`);
    return n;
  }

  async status(id: string): Promise<BlobStatus> {
    const m = await this.live(id);
    const have = m.complete ? undefined : await this.store.parts(id);
    const missing: number[] = [];
    if (have) for (let i = 0; i < partCount(m.size, m.partBytes); i++) if (!have.has(i)) missing.push(i);
    return { size: m.size, partBytes: m.partBytes, complete: m.complete, missing };
  }

  async putPart(id: string, index: number, bytes: Uint8Array): Promise<BlobStatus> {
    const m = await this.live(id);
    if (partLength(m.size, m.partBytes, index) !== bytes.length) throw new ProtocolError('BLOB_WRONG_LENGTH');
    await this.store.putPart(id, index, bytes);
    const s = await this.status(id);
    if (!s.complete && s.missing.length === 0) {
      await this.complete(id);
      return { ...s, complete: true, justCompleted: true };
    }
    return s;
  }

  /**
   * Parts put side by side can each find the set whole: one rewrite of the blob's meta per instance,
   * which the others await. Two would race on a store that rewrites in place (a reader could find it
   * cut) and, with S3, each leave an owner entry of its own expiry.
   */
  private complete(id: string): Promise<void> {
    let done = this.completing.get(id);
    if (!done) {
      done = this.store.markComplete(id, this.clock() + this.ttlMs).finally(() => this.completing.delete(id));
      this.completing.set(id, done);
    }
    return done;
  }

  /** A complete, live blob to download. */
  async forDownload(id: string): Promise<BlobMeta> {
    const m = await this.live(id);
    if (!m.complete) throw new ProtocolError('BLOB_INCOMPLETE');
    return m;
  }

  sweep(): Promise<number> {
    return this.store.sweep(this.clock());
  }
}

export async function createBlobStore(config: Config): Promise<BlobStore> {
  if (config.blobS3Bucket) {
    const { S3BlobStore } = await import('./s3.ts');
    return new S3BlobStore({
      bucket: config.blobS3Bucket,
      prefix: config.blobS3Prefix,
      region: config.blobS3Region,
      endpoint: config.blobS3Endpoint,
    });
  }
  const { DiskBlobStore } = await import('./disk.ts');
  return new DiskBlobStore(config.blobDir);
}
