// Shared by chat, throughput and typing: connect P pairs (not timed), run traffic between them
// (timed, with the target's CPU bracketed), disconnect.
import { pairs, sampleCiphertext } from '../lib/fixtures.ts';
import type { TrafficArgs, TrafficResult } from '../lib/rpc.ts';
import { connectGroup } from './connectGroup.ts';
import { latency, measured, sum, usageMetrics, type MeasureWindow, type Usage } from './measure.ts';
import { sleep, splitPairs, type Metrics, type RunContext } from './types.ts';

let ct: string | undefined;
export function ciphertext(): string {
  return (ct ??= sampleCiphertext());
}

export interface PairRun {
  readonly pairs: number;
  readonly results: TrafficResult[];
  readonly usage: Usage;
}

export type TrafficSpec = Omit<TrafficArgs, 'group' | 'ct' | 'runTag'>;

/** Between phases: the previous phase's garbage is collected before the next is timed. */
export const PHASE_PAUSE_MS = 1500;

/** Connects n pairs, runs each traffic phase on them in turn (each timed on its own), disconnects. */
export function runPairs(ctx: RunContext, n: number, phases: readonly TrafficSpec[]): Promise<PairRun[]> {
  return runPairsThen(ctx, n, (done) => phases[done.length] ?? null);
}

/**
 * As runPairs, with each phase chosen after the previous ones ran (a rate taken from the measured
 * capacity); null ends the run. Connecting is not timed; a pause separates every timed phase.
 */
export async function runPairsThen(
  ctx: RunContext,
  n: number,
  next: (done: readonly PairRun[]) => TrafficSpec | null,
  opts: {
    urls?: readonly string[];
    measure?: (phase: () => Promise<TrafficResult[]>, window: MeasureWindow) => Promise<{ result: TrafficResult[]; usage: Usage }>;
  } = {},
): Promise<PairRun[]> {
  const fixtures = pairs(n);
  const w = ctx.pool.size;
  await connectGroup(ctx, 'pairs', (i) => splitPairs(fixtures, w, i), {
    ...(opts.urls ? { urls: opts.urls } : {}),
    window: 64,
    timeoutMs: 30_000,
  });
  try {
    const out: PairRun[] = [];
    for (let k = 0, traffic = next(out); traffic !== null; k++, traffic = next(out)) {
      await sleep(PHASE_PAUSE_MS);
      // Each phase its own run tag: a late frame from the previous phase is foreign, not a duplicate.
      const runTag = (parseInt(ctx.runTag, 16) + k).toString(16).padStart(8, '0').slice(-8);
      const measure = opts.measure ?? ((phase: () => Promise<TrafficResult[]>, win: MeasureWindow) => measured(ctx.target, phase, win));
      const { result, usage } = await measure(
        () => ctx.pool.all('traffic', () => ({ group: 'pairs', ct: ciphertext(), runTag, ...traffic, ratePerSec: traffic.ratePerSec / w })),
        { fromMs: traffic.warmupMs, toMs: traffic.durationMs },
      );
      out.push({ pairs: n, results: result, usage });
    }
    return out;
  } finally {
    await ctx.pool.all('close', () => ({ group: 'pairs' }));
  }
}

/** Counts and rates every traffic scenario reports; keys get `prefix` (camel-cased) when given. */
export function trafficMetrics(run: PairRun, prefix = ''): Metrics {
  const m = _trafficMetrics(run);
  if (!prefix) return m;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [prefixedKey(prefix, k), v]));
}

/** `lat` under prefix `light` is `lightLat`. */
export function prefixedKey(prefix: string, key: string): string {
  return prefix + key[0]!.toUpperCase() + key.slice(1);
}

/**
 * Server CPU-seconds per message: over the steady window against the messages received in it
 * (measure.ts MeasureWindow), or over the whole phase where no window was measured.
 */
export function perMessage(windowCpuS: number, inWindow: number, phaseCpuS: number, received: number): number {
  if (Number.isFinite(windowCpuS) && inWindow > 0) return windowCpuS / inWindow;
  return received > 0 ? phaseCpuS / received : NaN;
}

function _trafficMetrics(run: PairRun): Metrics {
  const r = run.results;
  const inWindow = sum(r, (x) => x.receivedInWindow);
  const sent = sum(r, (x) => x.sent);
  const received = sum(r, (x) => x.received);
  const errors = sum(r, (x) => sum(Object.values(x.errors), (v) => v));
  const windowS = Math.max(...r.map((x) => x.windowMs)) / 1000;
  const u = usageMetrics(run.usage);
  return {
    connections: 2 * run.pairs,
    sent,
    received,
    sentAcked: sum(r, (x) => x.sentAcked),
    deliveredNotices: sum(r, (x) => x.delivered),
    lost: sent - received,
    duplicates: sum(r, (x) => x.duplicates),
    errors,
    droppedSockets: sum(r, (x) => x.lostConnections),
    deliveredPerSec: inWindow / windowS,
    ...latency(
      'lat',
      r.map((x) => x.latency),
      [50, 99, 99.9, 100],
    ),
    ...latency(
      'sentLat',
      r.map((x) => x.sentLatency),
      [50, 99],
    ),
    ...latency(
      'ackLat',
      r.map((x) => x.deliveredLatency),
      [50, 99],
    ),
    cpuPer100k: perMessage(run.usage.windowCpuS, inWindow, run.usage.serverCpuS, received) * 1e5,
    acksPerMsg: inWindow > 0 ? sum(r, (x) => x.acksInWindow) / inWindow : NaN,
    clientLagMs: Math.max(...r.map((x) => x.maxLagMs)),
    ...u,
  };
}
