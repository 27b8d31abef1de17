// Latency at fixed fractions of each target's own capacity, measured in the same run: a closed loop
// finds what the target delivers when saturated (msgs/s), then the same sockets are driven open-loop
// at 25 %, 50 % and 75 % of that, latency timed from each message's scheduled send time. Comparing
// the server and the relay at the same fraction of their own capacity compares queueing behaviour,
// not speed; comparing them at fixed rates (chat) does the opposite. CPU per 100k delivered is
// reported for every phase, since on a shared 2-core box it moves least with other load.
import { pairs } from '../lib/fixtures.ts';
import { phaseMetrics } from './chat.ts';
import { runPairsThen, trafficMetrics, type TrafficSpec } from './pairs.ts';
import type { Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; window: number; closedMs: number; pacedMs: number; warmupMs: number }> = {
  full: { pairs: 200, window: 8, closedMs: 5000, pacedMs: 6000, warmupMs: 1000 },
  quick: { pairs: 100, window: 8, closedMs: 3000, pacedMs: 3000, warmupMs: 500 },
  tiny: { pairs: 4, window: 2, closedMs: 400, pacedMs: 400, warmupMs: 0 },
};

export const FRACTIONS = [0.25, 0.5, 0.75] as const;

export const capacity: Scenario = {
  name: 'capacity',
  title: 'Capacity (closed loop), then open-loop latency at 25/50/75 % of each target’s own capacity',
  metrics: [
    ...phaseMetrics('closed', 'closed loop').map((m) =>
      m.key === 'closedCpuPer100k' ? { ...m, goal: { kind: 'ratioMax' as const, value: 1.5, text: '≤ 1.5× relay' } } : m,
    ),
    ...FRACTIONS.flatMap((f) => [
      { key: `rate${f * 100}`, label: `${f * 100} %: offered msgs/s`, unit: '/s', digits: 0 },
      ...phaseMetrics(`at${f * 100}`, `${f * 100} % of capacity`),
    ]),
  ],
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const base = { ephemeral: false, expectSent: true, expectDelivered: ctx.target.kind === 'server', settleTimeoutMs: 15_000 };
    let cap = 0;
    const runs = await runPairsThen(ctx, s.pairs, (done): TrafficSpec | null => {
      if (done.length === 0)
        return { ...base, mode: 'closed', ratePerSec: 0, window: s.window, durationMs: s.closedMs, warmupMs: s.warmupMs };
      if (done.length === 1) cap = trafficMetrics(done[0]!).deliveredPerSec!;
      const f = FRACTIONS[done.length - 1];
      if (f === undefined || !(cap > 0)) return null;
      return { ...base, mode: 'paced', ratePerSec: Math.round(cap * f), window: 0, durationMs: s.pacedMs, warmupMs: s.warmupMs };
    });
    const m = { ...trafficMetrics(runs[0]!, 'closed') };
    FRACTIONS.forEach((f, i) => {
      const r = runs[i + 1];
      if (!r) return;
      Object.assign(m, trafficMetrics(r, `at${f * 100}`), { [`rate${f * 100}`]: Math.round(cap * f) });
    });
    return m;
  },
};
