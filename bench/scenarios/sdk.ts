// (7) End to end through the SDK: MessengerClient pairs (MemoryStorage, ws) exchanging real
// sealed messages at a low rate. Each message is two envelopes (the contact's and the sync copy
// for one's own other devices), sealed and opened with @noble: the client's crypto, not the
// server, is the cost here, which is what this scenario is for.
import { pairs } from '../lib/fixtures.ts';
import { latency, measured, sum, usageMetrics } from './measure.ts';
import type { Scenario, SizeName } from './types.ts';

// An SDK message costs the client ~15 ms of CPU here (two boxes sealed with @noble, one opened per
// receiving device, storage): rates stay where two such clients per core keep up.
const SIZES: Record<SizeName, { pairs: number; rate: number; ms: number }> = {
  full: { pairs: 10, rate: 20, ms: 6000 },
  quick: { pairs: 5, rate: 10, ms: 3000 },
  tiny: { pairs: 2, rate: 20, ms: 300 },
};

export const sdk: Scenario = {
  name: 'sdk',
  title: 'End to end through the SDK (MessengerClient, real E2E boxes)',
  metrics: [
    { key: 'clients', label: 'SDK clients', unit: '', digits: 0 },
    { key: 'sent', label: 'messages sent', unit: '', digits: 0 },
    { key: 'lost', label: 'not received', unit: '', digits: 0 },
    { key: 'failed', label: 'failed (status)', unit: '', digits: 0 },
    { key: 'connectP99', label: 'connect() p99', unit: 'ms', digits: 1 },
    { key: 'latP50', label: 'sendMessage → message event p50', unit: 'ms', digits: 2 },
    { key: 'latP99', label: 'sendMessage → message event p99', unit: 'ms', digits: 2 },
    { key: 'callP50', label: 'sendMessage() resolved p50', unit: 'ms', digits: 2 },
    { key: 'deliveredP50', label: 'sendMessage → status delivered p50', unit: 'ms', digits: 2 },
    { key: 'deliveredP99', label: 'sendMessage → status delivered p99', unit: 'ms', digits: 2 },
    { key: 'clientMsPerMsg', label: 'bench (SDK) CPU per message', unit: 'ms', digits: 2 },
    { key: 'serverMsPerMsg', label: 'server CPU per message', unit: 'ms', digits: 3 },
  ],
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const fixtures = pairs(s.pairs);
    const w = ctx.pool.size;
    const { result, usage } = await measured(ctx.target, () =>
      ctx.pool.all('sdk', (i) => ({
        url: ctx.target.url,
        pairs: fixtures.filter((_, k) => k % w === i),
        ratePerSec: s.rate / w,
        durationMs: s.ms,
        expectDelivered: ctx.target.kind === 'server',
        settleTimeoutMs: 15_000,
      })),
    );
    for (const r of result) for (const e of r.errors) ctx.log(`  sdk: ${e}`);
    const sent = sum(result, (r) => r.sent);
    const received = sum(result, (r) => r.received);
    const u = usageMetrics(usage);
    return {
      clients: sum(result, (r) => r.clients),
      sent,
      lost: sent - received,
      failed: sum(result, (r) => r.failed),
      ...latency(
        'connect',
        result.map((r) => r.connectMs),
        [99],
      ),
      ...latency(
        'lat',
        result.map((r) => r.latency),
        [50, 99],
      ),
      ...latency(
        'call',
        result.map((r) => r.callLatency),
        [50],
      ),
      ...latency(
        'delivered',
        result.map((r) => r.deliveredLatency),
        [50, 99],
      ),
      // Whole phase, connects included: an upper bound on the per-message cost.
      clientMsPerMsg: (usage.clientCpuS * 1000) / Math.max(1, sent),
      serverMsPerMsg: (usage.serverCpuS * 1000) / Math.max(1, sent),
      ...u,
    };
  },
};
