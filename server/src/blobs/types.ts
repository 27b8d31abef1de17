// The blob store: opaque encrypted attachments under random ids, in fixed-size parts so an upload
// resumes by part. Two implementations (a directory, S3-compatible object storage) behind this one
// interface, held to one contract suite (server/test/blobs/). Policy (tokens, limits, expiry
// answers) lives in service.ts; a store only keeps bytes and the little it needs to account for them.

/** Bytes per upload part (the last one may be shorter): one part is the most held in memory per request. */
export const BLOB_PART_BYTES = 1024 * 1024;

export interface BlobMeta {
  /** 32 lowercase hex characters, random (128 bits): unguessable, and never listed. */
  readonly id: string;
  /** HMAC of the uploader's Session ID under the server secret: counts its quota, names no one. */
  readonly owner: string;
  readonly size: number;
  readonly partBytes: number;
  readonly createdAt: number;
  /** Until complete, a short upload lease (service.ts); from completion, the blob's TTL. */
  readonly expiresAt: number;
  /** Every part has arrived; only then can it be downloaded. */
  readonly complete: boolean;
}

export type CreateResult = 'ok' | 'quota';

export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /** Records a new, empty blob unless the owner's unexpired blobs plus this one exceed quotaBytes. */
  create(meta: BlobMeta, quotaBytes: number, now: number): Promise<CreateResult>;
  /** Undefined when unknown (or already swept). */
  meta(id: string): Promise<BlobMeta | undefined>;
  /** Stores one whole part (replacing an earlier copy); never a partial one. */
  putPart(id: string, index: number, bytes: Uint8Array): Promise<void>;
  /** Indices of the parts stored so far. */
  parts(id: string): Promise<Set<number>>;
  /** Every part is in: the blob lives until expiresAt (its TTL) from now on. */
  markComplete(id: string, expiresAt: number): Promise<void>;
  /** Moves an unfinished blob's expiry (its upload lease) to expiresAt. */
  setExpiry(id: string, expiresAt: number): Promise<void>;
  /** Bytes [start, end) of one stored part. */
  readPart(id: string, index: number, start: number, end: number): Promise<Uint8Array>;
  /** Removes the blob and every part, so its bytes stop counting against the owner's quota. */
  delete(id: string): Promise<void>;
  /** Removes every blob expired by now; returns how many. */
  sweep(now: number): Promise<number>;
  close(): Promise<void>;
}

export function partCount(size: number, partBytes: number): number {
  return Math.max(1, Math.ceil(size / partBytes));
}

/** Length of part index of a blob of size bytes, or -1 when there is no such part. */
export function partLength(size: number, partBytes: number, index: number): number {
  const n = partCount(size, partBytes);
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) return -1;
  return index === n - 1 ? size - index * partBytes : partBytes;
}

const ID = /^[0-9a-f]{32}$/;
export function isBlobId(id: string): boolean {
  return ID.test(id);
}
