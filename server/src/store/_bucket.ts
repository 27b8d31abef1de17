// Token buckets keyed by a string (per sender, per IP, …). A bucket that has refilled is the same
// as no bucket, so full ones are dropped: pruning runs when the map grows (a new key) and from the
// store's maintenance timer, never on the hot path of a key that already has a bucket. A full
// bucket is kept for IDLE_KEEP_MS first: someone who sends once a second refills between sends, and
// dropping their bucket at once made every send a Map insert plus a 32-bucket prune (issue 14).
import { RoundRobin } from './_roundRobin.ts';

interface Bucket {
  tokens: number;
  at: number;
  /** When refill reaches capacity: from then on the bucket can be forgotten. */
  fullAt: number;
}

/** Buckets visited per new key: the map is pruned at least as fast as it grows. */
const PRUNE_PER_INSERT = 32;
/** Refill arithmetic in floating point lands a hair under a whole token exactly at retryAfterMs. */
const EPSILON = 1e-9;
/** How long a full bucket is kept before prune may drop it: the active keys stay put. */
export const IDLE_KEEP_MS = 60_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** Buckets are mutated in place, so the map is in no time order: prune walks all of it in turn. */
  private readonly scan = new RoundRobin(this.buckets);

  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens (1 to burst): 0 when taken, else the milliseconds until they will be there. */
  take(key: string, ratePerSec: number, burst: number, now: number, cost = 1): number {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec))
      throw new RangeError(`ratePerSec: expected a positive number, got ${ratePerSec}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst: expected a number >= 1, got ${burst}`);
    if (!(cost >= 1 && cost <= burst)) throw new RangeError(`cost: expected a number from 1 to burst (${burst}), got ${cost}`);
    let b = this.buckets.get(key);
    let tokens = burst;
    if (b !== undefined) tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) * ratePerSec) / 1000);
    let wait = 0;
    if (tokens >= cost - EPSILON) tokens = Math.max(0, tokens - cost);
    else wait = Math.max(1, Math.ceil(((cost - tokens) * 1000) / ratePerSec));
    const fullAt = now + ((burst - tokens) * 1000) / ratePerSec;
    if (b === undefined) {
      this.prune(now, PRUNE_PER_INSERT);
      b = { tokens, at: now, fullAt };
      this.buckets.set(key, b);
    } else {
      b.tokens = tokens;
      b.at = now;
      b.fullAt = fullAt;
    }
    return wait;
  }

  /** Visits up to `max` buckets, continuing where the previous call stopped, and drops those full for IDLE_KEEP_MS. */
  prune(now: number, max: number): void {
    const cutoff = now - IDLE_KEEP_MS;
    this.scan.visit(max, (key, b) => {
      if (b.fullAt <= cutoff) this.buckets.delete(key);
    });
  }
}
