// Capability tokens for the blob HTTP API, issued on the authenticated socket (blob_token frame):
// HMAC-SHA256 under the server secret over the operation, the blob id, its size (upload) and the
// expiry. Stateless, so any instance with the same BLOB_SECRET accepts them; short-lived, so a
// leaked token (a proxy log) is worth little. Node's crypto: this is the server, not protocol/.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type BlobOp = 'upload' | 'download';
export const UPLOAD_TOKEN_TTL_MS = 30 * 60_000;
/** How long an unfinished blob holds its quota without a renewal: one upload token's life. */
export const UPLOAD_LEASE_MS = UPLOAD_TOKEN_TTL_MS;
/**
 * Renewals extend an unfinished blob's lease at most this long after it was created: an upload
 * kept alive for ever would hold its quota for ever, and its first parts would outlive a bucket
 * lifecycle rule of BLOB_TTL plus a day (docs/operations.md). A client past it starts over.
 */
export const UPLOAD_MAX_MS = 24 * 3600_000;
export const DOWNLOAD_TOKEN_TTL_MS = 10 * 60_000;

export interface TokenClaims {
  readonly op: BlobOp;
  readonly blob: string;
  /** Upload tokens carry the size, so a part's length is checked before the store is asked. */
  readonly size: number;
  readonly expiresAt: number;
}

export class BlobTokens {
  private readonly key: Buffer;

  constructor(secretHex: string | undefined) {
    this.key = secretHex ? Buffer.from(secretHex, 'hex') : randomBytes(32);
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text).digest().subarray(0, 24);
  }

  issue(c: TokenClaims): string {
    const body = `${c.op === 'upload' ? 'u' : 'd'}.${c.blob}.${c.size}.${c.expiresAt}`;
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The claims of a genuine, unexpired token for this blob and operation; undefined otherwise. */
  verify(token: string, op: BlobOp, blob: string, now: number): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 5) return undefined;
    const [o, id, sizeText, expText, macText] = parts as [string, string, string, string, string];
    if (o !== (op === 'upload' ? 'u' : 'd') || id !== blob || !/^\d{1,16}$/.test(sizeText) || !/^\d{1,16}$/.test(expText)) return undefined;
    const given = Buffer.from(macText, 'base64url');
    const want = this.mac(`${o}.${id}.${sizeText}.${expText}`);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
    const expiresAt = Number(expText);
    if (expiresAt <= now) return undefined;
    return { op, blob, size: Number(sizeText), expiresAt };
  }

  /** The quota key of a Session ID: stable for this secret, and not the ID itself. */
  ownerTag(sessionId: string): string {
    return createHmac('sha256', this.key).update(`owner.${sessionId}`).digest('hex').slice(0, 32);
  }
}
