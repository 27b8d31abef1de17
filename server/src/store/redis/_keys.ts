// What Redis keeps at rest must not name people (docs/security.md "Redis at rest"): key names and
// pub/sub channels carry a keyed hash of a Session ID, never the ID, and rate-limit buckets a
// keyed hash of their subject (an identity or a client address). The key is REDIS_ID_SECRET: a
// dump of Redis without it cannot be joined against a list of Session IDs, as an unkeyed hash
// could (anyone can hash every Session ID they know).
import { createHmac } from 'node:crypto';

/** Bytes of HMAC-SHA256 kept: 128 bits, far from any collision among the IDs one relay sees. */
const FRAGMENT_BYTES = 16;
/** Remembered fragments; hashing is cheap, but append and ack ask for the same few IDs all day. */
const CACHE_MAX = 50_000;
export const MIN_ID_SECRET_LENGTH = 16;

export class KeyHasher {
  private readonly cache = new Map<string, string>();
  private readonly buckets = new Map<string, string>();

  constructor(private readonly secret: string) {
    if (typeof secret !== 'string' || secret.length < MIN_ID_SECRET_LENGTH) {
      throw new TypeError(`idSecret: expected a secret of at least ${MIN_ID_SECRET_LENGTH} characters (REDIS_ID_SECRET)`);
    }
  }

  /**
   * The key fragment of a Session ID: HMAC-SHA256(secret, sid), 32 hex characters. The one way a
   * Session ID may appear in a Redis key or channel name; anything new that keys by identity
   * (account documents, push subscriptions, …) uses this too.
   */
  idKey(sid: string): string {
    let k = this.cache.get(sid);
    if (k === undefined) {
      k = this.hash('id', sid);
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(sid, k);
    }
    return k;
  }

  /** A rate-limit bucket's name ("send:<sid>", "auth-ip:<address>"): its kind stays readable, its subject does not. */
  bucketKey(key: string): string {
    // Two buckets per send ("send:<sid>", "send-ip:<address>"): remembered like idKey's fragments.
    let k = this.buckets.get(key);
    if (k === undefined) {
      const colon = key.indexOf(':');
      const kind = colon < 0 ? '' : key.slice(0, colon);
      k = /^[a-z_-]{1,24}$/.test(kind) ? `${kind}:${this.hash('bucket', key)}` : this.hash('bucket', key);
      if (this.buckets.size >= CACHE_MAX) this.buckets.clear();
      this.buckets.set(key, k);
    }
    return k;
  }

  /** Domain-separated, so an identity's fragment never equals a bucket's. */
  private hash(domain: string, value: string): string {
    return createHmac('sha256', this.secret)
      .update(domain)
      .update('\0')
      .update(value)
      .digest('hex')
      .slice(0, FRAGMENT_BYTES * 2);
  }
}
