// How every socket scenario starts: a group of devices connected through the load workers, each
// worker taking its share, failures logged in one line. timedConnect adds what the connect storms
// measure: the target's CPU around it, time from the first socket to the last ready, then closes.
import type { ConnectArgs, ConnectResult } from '../lib/rpc.ts';
import { measured, sum, type Usage } from './measure.ts';
import { splitEvenly, type DeviceSet, type RunContext } from './types.ts';

export type ConnectOptions = Pick<ConnectArgs, 'window' | 'timeoutMs'> &
  Partial<Pick<ConnectArgs, 'ratePerSec' | 'presenceSubs' | 'urls' | 'spreadSources'>>;

export interface Connected {
  readonly result: ConnectResult[];
  readonly ready: number;
  readonly failed: number;
}

/** Worker i connects share(i); the options are per worker, as the worker takes them. */
export async function connectGroup(ctx: RunContext, group: string, share: (i: number) => DeviceSet, o: ConnectOptions): Promise<Connected> {
  const result = await ctx.pool.all('connect', (i) => ({
    group,
    url: ctx.target.url,
    ...share(i),
    signer: ctx.signer,
    ratePerSec: 0,
    spreadSources: true,
    ...o,
  }));
  const ready = sum(result, (r) => r.ready);
  const failed = sum(result, (r) => r.failed);
  if (failed > 0)
    ctx.log(
      `  ${group}: ${failed} of ${ready + failed} connections failed: ${result
        .flatMap((r) => r.errors)
        .slice(0, 3)
        .join('; ')}`,
    );
  return { result, ready, failed };
}

/**
 * Connects `all` (split evenly) with the target's CPU measured, then closes the group. Here
 * `window` and `ratePerSec` are for all workers together.
 */
export async function timedConnect(
  ctx: RunContext,
  group: string,
  all: DeviceSet,
  o: ConnectOptions,
): Promise<Connected & { usage: Usage; allMs: number }> {
  const w = ctx.pool.size;
  // Native signing keys are derived before the clock starts.
  if (ctx.signer === 'native') await ctx.pool.all('keys', (i) => ({ devices: splitEvenly(all, w, i).devices }));
  const { result: c, usage } = await measured(ctx.target, () =>
    connectGroup(ctx, group, (i) => splitEvenly(all, w, i), {
      ...o,
      ratePerSec: (o.ratePerSec ?? 0) / w,
      window: Math.max(1, Math.floor(o.window / w)),
    }),
  );
  const allMs = Math.max(...c.result.map((r) => r.lastReadyAt)) - Math.min(...c.result.map((r) => r.firstStartAt));
  await ctx.pool.all('close', () => ({ group }));
  return { ...c, usage, allMs };
}
