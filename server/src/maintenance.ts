// Background work on unref'd timers: invitation expiry (both parties told) and incremental TTL
// sweeping of the store. Each tick is bounded, and a tick never overlaps the previous one.
import type { ServerContext } from './context.ts';
import { expireInvitations } from './handlers/invitations.ts';
import type { MailboxLimits } from './store/types.ts';

/** Implemented by stores that tidy themselves incrementally (MemoryStore); Redis expires on its own. */
interface Sweepable {
  sweep(now: number, limits: MailboxLimits, budget: number): unknown;
}

function isSweepable(store: unknown): store is Sweepable {
  return typeof (store as Partial<Sweepable>).sweep === 'function';
}

export const EXPIRY_INTERVAL_MS = 1000;
export const EXPIRY_BATCH = 256;
export const SWEEP_INTERVAL_MS = 1000;
export const SWEEP_BUDGET = 2000;

export function startMaintenance(ctx: ServerContext, rawStore: unknown): () => void {
  let expiring = false;
  let stopped = false;
  const expiry = setInterval(() => {
    if (expiring) return;
    expiring = true;
    void (async () => {
      try {
        // Drain a backlog in bounded batches without holding the loop for long.
        while (!stopped && (await expireInvitations(ctx, EXPIRY_BATCH)) === EXPIRY_BATCH);
      } catch (err) {
        ctx.log.warn('expiry_failed', { error: err instanceof Error ? err.message : String(err) });
      } finally {
        expiring = false;
      }
    })();
  }, EXPIRY_INTERVAL_MS);
  expiry.unref();

  const sweep = isSweepable(rawStore)
    ? setInterval(() => {
        try {
          rawStore.sweep(ctx.clock(), ctx.limits, SWEEP_BUDGET);
        } catch (err) {
          ctx.log.warn('sweep_failed', { error: err instanceof Error ? err.message : String(err) });
        }
      }, SWEEP_INTERVAL_MS)
    : undefined;
  sweep?.unref();

  return () => {
    stopped = true;
    clearInterval(expiry);
    if (sweep) clearInterval(sweep);
  };
}
