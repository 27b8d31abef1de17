// Token buckets keyed by a string (per sender, per IP, …). A bucket that has refilled is the same
// as no bucket, so full ones are dropped: the map only holds keys used within one refill time.

interface Bucket {
  readonly tokens: number;
  readonly at: number;
  /** When refill reaches capacity: from then on the bucket can be forgotten. */
  readonly fullAt: number;
}

const PRUNE_PER_TAKE = 32;
/** Refill arithmetic in floating point lands a hair under a whole token exactly at retryAfterMs. */
const EPSILON = 1e-9;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, ratePerSec: number, burst: number, now: number): number {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`ratePerSec: expected a positive number, got ${ratePerSec}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst: expected a number >= 1, got ${burst}`);
    const prev = this.buckets.get(key);
    let tokens = burst;
    if (prev !== undefined) {
      tokens = Math.min(burst, prev.tokens + (Math.max(0, now - prev.at) * ratePerSec) / 1000);
      // Re-inserted below so the map stays in least-recently-used order for pruning.
      this.buckets.delete(key);
    }
    let wait = 0;
    if (tokens >= 1 - EPSILON) tokens = Math.max(0, tokens - 1);
    else wait = Math.max(1, Math.ceil(((1 - tokens) * 1000) / ratePerSec));
    this.buckets.set(key, { tokens, at: now, fullAt: now + ((burst - tokens) * 1000) / ratePerSec });
    this.prune(now, PRUNE_PER_TAKE);
    return wait;
  }

  prune(now: number, max: number): void {
    let n = 0;
    for (const [key, b] of this.buckets) {
      if (n++ >= max || b.fullAt > now) break;
      this.buckets.delete(key);
    }
  }
}
