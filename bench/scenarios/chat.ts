// (2) Steady 1:1 chat: P pairs (2P sockets) at fixed offered rates, both directions, with full
// semantics — server `sent`, mailbox append, receiver ack, `delivered` notice back to the sender.
// Two rates on the same sockets: the 10k msgs/s, and a light load at which latency shows
// the server's own path rather than a CPU shared by bench and server running out.
import { pairs } from '../lib/fixtures.ts';
import { USAGE_METRICS } from './measure.ts';
import { prefixedKey, runPairs, trafficMetrics } from './pairs.ts';
import type { MetricSpec, Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; rate: number; lightRate: number; ms: number; warmupMs: number }> = {
  full: { pairs: 5000, rate: 10_000, lightRate: 2000, ms: 8000, warmupMs: 2000 },
  quick: { pairs: 1000, rate: 5000, lightRate: 1000, ms: 3000, warmupMs: 1000 },
  tiny: { pairs: 5, rate: 100, lightRate: 50, ms: 400, warmupMs: 0 },
};

/** The columns every traffic scenario shares. */
export const TRAFFIC_METRICS: readonly MetricSpec[] = [
  { key: 'connections', label: 'connected sockets', unit: '', digits: 0 },
  { key: 'sent', label: 'messages sent', unit: '', digits: 0 },
  { key: 'lost', label: 'not received', unit: '', digits: 0 },
  { key: 'errors', label: 'error frames', unit: '', digits: 0 },
  { key: 'deliveredPerSec', label: 'delivered msgs/s', unit: '/s', digits: 0 },
  { key: 'latP50', label: 'send→receive p50', unit: 'ms', digits: 2 },
  { key: 'latP99', label: 'send→receive p99', unit: 'ms', digits: 2 },
  { key: 'latP999', label: 'send→receive p99.9', unit: 'ms', digits: 2 },
  { key: 'latN', label: 'latency samples', unit: '', digits: 0 },
  { key: 'sentLatP99', label: 'send→`sent` p99', unit: 'ms', digits: 2 },
  { key: 'ackLatP99', label: 'send→`delivered` p99', unit: 'ms', digits: 2 },
  { key: 'cpuPer100k', label: 'server CPU per 100k delivered', unit: 's', digits: 2 },
  { key: 'acksPerMsg', label: 'client `ack` frames per delivered message', unit: '', digits: 2 },
  { key: 'clientLagMs', label: 'client pacing lag max (in the latency: timed from the schedule)', unit: 'ms', digits: 1 },
  ...USAGE_METRICS,
];

/** What a scenario with several traffic phases shows of each phase but the main one. */
const PHASE_KEYS = [
  'deliveredPerSec',
  'lost',
  'latP50',
  'latP99',
  'latP999',
  'latN',
  'cpuPer100k',
  'acksPerMsg',
  'serverCores',
  'clientCores',
  'otherCores',
  'load1',
];

/** The `keys` columns of one phase, keyed as trafficMetrics(run, prefix) names them. */
export function phaseMetrics(prefix: string, title: string, keys: readonly string[] = PHASE_KEYS): MetricSpec[] {
  return TRAFFIC_METRICS.filter((m) => keys.includes(m.key)).map((m) => ({
    ...m,
    key: prefixedKey(prefix, m.key),
    label: `${title}: ${m.label}`,
  }));
}

export const chat: Scenario = {
  name: 'chat',
  title: 'Steady 1:1 chat at a fixed offered rate, then a light one (full semantics)',
  metrics: [
    { key: 'offeredRate', label: 'offered msgs/s', unit: '/s', digits: 0 },
    ...TRAFFIC_METRICS.map((m) =>
      m.key === 'latP99'
        ? { ...m, goal: { kind: 'max' as const, value: 1, text: '≤ 1 ms' } }
        : m.key === 'latP999'
          ? { ...m, goal: { kind: 'max' as const, value: 5, text: '≤ 5 ms' } }
          : m,
    ),
    { key: 'lightRate', label: 'light: offered msgs/s', unit: '/s', digits: 0 },
    ...phaseMetrics('light', 'light', [...PHASE_KEYS, 'ackLatP99']),
  ],
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const phase = (ratePerSec: number) => ({
      mode: 'paced' as const,
      ratePerSec,
      window: 0,
      durationMs: s.ms,
      warmupMs: s.warmupMs,
      ephemeral: false,
      expectSent: true,
      expectDelivered: ctx.target.kind === 'server',
      settleTimeoutMs: 10_000,
    });
    // A discarded phase first takes the GC of the handshakes and the JIT; then lightest to heaviest,
    // each after a pause, so no phase pays for the garbage of the one before.
    const warm = { ...phase(s.lightRate), durationMs: Math.min(1000, s.ms), warmupMs: 0 };
    const [, light, target] = await runPairs(ctx, s.pairs, [warm, phase(s.lightRate), phase(s.rate)]);
    return { ...trafficMetrics(target!), ...trafficMetrics(light!, 'light'), offeredRate: s.rate, lightRate: s.lightRate };
  },
};
