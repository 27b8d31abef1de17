// (5) Typing indicators: ephemeral envelopes (no `sent`, never stored, no ack) between pairs at a
// fixed rate; the figure is send→receive latency.
import { pairs } from '../lib/fixtures.ts';
import { TRAFFIC_METRICS } from './chat.ts';
import { runPairs, trafficMetrics } from './pairs.ts';
import type { Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; rate: number; ms: number; warmupMs: number }> = {
  full: { pairs: 1000, rate: 5000, ms: 5000, warmupMs: 1000 },
  quick: { pairs: 200, rate: 2000, ms: 2000, warmupMs: 500 },
  tiny: { pairs: 5, rate: 100, ms: 400, warmupMs: 0 },
};

const SKIP = new Set(['sentLatP99', 'ackLatP99']);

export const typing: Scenario = {
  name: 'typing',
  title: 'Typing indicators (ephemeral envelopes)',
  metrics: TRAFFIC_METRICS.filter((m) => !SKIP.has(m.key)),
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const [run] = await runPairs(ctx, s.pairs, [
      {
        mode: 'paced',
        ratePerSec: s.rate,
        window: 0,
        durationMs: s.ms,
        warmupMs: s.warmupMs,
        ephemeral: true,
        expectSent: false,
        expectDelivered: false,
        settleTimeoutMs: 5000,
      },
    ]);
    return trafficMetrics(run!);
  },
};
