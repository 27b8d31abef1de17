// Reconnect and retry delays: "full jitter" (AWS architecture blog, centrifuge-js). Spreading every
// client uniformly over [0, cap) stops a restarted server from being hit by one synchronised wave.

export interface BackoffOptions {
  /** Cap of the first delay (attempt 0), ms. */
  readonly baseMs: number;
  /** Largest cap, ms. */
  readonly maxMs: number;
}

/** delay = random() × min(maxMs, baseMs × 2^attempt), floored to whole ms. Pure given `random`. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt: expected an integer >= 0, got ${attempt}`);
  if (!(opts.baseMs > 0)) throw new RangeError(`baseMs: expected > 0, got ${opts.baseMs}`);
  if (!(opts.maxMs >= opts.baseMs)) throw new RangeError(`maxMs: expected >= baseMs (${opts.baseMs}), got ${opts.maxMs}`);
  // 2^1024 is Infinity; the cap is reached long before, so clamp the exponent.
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 64));
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random(): expected a number in [0, 1), got ${r}`);
  return Math.floor(r * cap);
}
