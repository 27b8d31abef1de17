// (3) Throughput ceiling: a closed loop, each direction of each pair keeping a window of messages
// in flight (a receipt releases the next send). Full semantics as in chat. On this 2-core box the
// bench's own client competes for the CPU, so CPU-seconds per 100k delivered is the steadier figure.
import { pairs } from '../lib/fixtures.ts';
import { TRAFFIC_METRICS } from './chat.ts';
import { runPairs, trafficMetrics } from './pairs.ts';
import type { Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; window: number; ms: number; warmupMs: number }> = {
  full: { pairs: 200, window: 8, ms: 6000, warmupMs: 1500 },
  quick: { pairs: 100, window: 8, ms: 3000, warmupMs: 1000 },
  tiny: { pairs: 4, window: 2, ms: 400, warmupMs: 0 },
};

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput ceiling: closed loop, window per direction',
  metrics: TRAFFIC_METRICS.filter((m) => m.key !== 'clientLagMs').map((m) =>
    m.key === 'deliveredPerSec'
      ? { ...m, goal: { kind: 'ratioMin', value: 0.5, text: '≥ 50% of relay' } }
      : m.key === 'cpuPer100k'
        ? { ...m, goal: { kind: 'ratioMax', value: 2, text: '≤ 2× relay' } }
        : m,
  ),
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const [run] = await runPairs(ctx, s.pairs, [
      {
        mode: 'closed',
        ratePerSec: 0,
        window: s.window,
        durationMs: s.ms,
        warmupMs: s.warmupMs,
        ephemeral: false,
        expectSent: true,
        expectDelivered: ctx.target.kind === 'server',
        settleTimeoutMs: 15_000,
      },
    ]);
    return trafficMetrics(run!);
  },
};
