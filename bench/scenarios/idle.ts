// (4) Idle capacity: server RSS per authenticated, silent connection. Measured as the average over
// the pre-connection baseline and as the marginal cost between half and all connections (the
// slope is less sensitive to heap warm-up). `idle-max` fills the file-descriptor limit once.
import { withContacts } from '../lib/contacts.ts';
import { devices } from '../lib/fixtures.ts';
import { fdLimit } from '../lib/proc.ts';
import { scrapeMetrics } from '../../testkit/net.ts';
import { connectGroup } from './connectGroup.ts';
import { sleep, splitEvenly, type DeviceSet, type Metrics, type RunContext, type Scenario, type SizeName } from './types.ts';

const SIZES: Record<SizeName, number> = { full: 10_000, quick: 2000, tiny: 20 };
const SETTLE_MS: Record<SizeName, number> = { full: 2000, quick: 1500, tiny: 200 };
/** How long the silent sockets' CPU is watched once all are connected and settled. */
const QUIET_MS: Record<SizeName, number> = { full: 5000, quick: 3000, tiny: 200 };
/** File descriptors left to the processes for everything that is not a bench socket. */
const FD_HEADROOM = 200;

/**
 * Connects devices [from, to). With `contacts`, of the n devices made with k contacts each
 * (lib/contacts.ts): every socket then holds their grants and subscribes to their presence.
 */
async function fill(
  ctx: RunContext,
  from: number,
  to: number,
  contacts?: { n: number; k: number },
): Promise<{ ready: number; failed: number }> {
  let all: DeviceSet;
  if (contacts) {
    const c = withContacts(contacts.n, contacts.k);
    all = { devices: c.devices.slice(from, to), grants: c.grants.slice(from, to) };
  } else {
    const devs = devices(to).slice(from);
    all = { devices: devs, grants: devs.map(() => []) };
  }
  return connectGroup(ctx, 'idle', (i) => splitEvenly(all, ctx.pool.size, i), {
    // BENCH_NO_SUBS=1: grants only, to tell the subscriptions' share of the memory from the grants'.
    presenceSubs: contacts !== undefined && !process.env.BENCH_NO_SUBS,
    window: 64,
    // 50 grants each are 50 signature checks on the server's verification thread: a window of
    // handshakes can wait a while for them on a busy machine.
    timeoutMs: contacts ? 120_000 : 30_000,
  });
}

async function settledRssKb(ctx: RunContext): Promise<number> {
  await sleep(SETTLE_MS[ctx.size]);
  return ctx.target.sample().rssKb;
}

/** The server's own view of its memory (/metrics), to split RSS into V8 heap and the rest. */
async function heapKb(ctx: RunContext): Promise<{ used: number; total: number }> {
  if (ctx.target.kind !== 'server') return { used: NaN, total: NaN };
  try {
    const text = await scrapeMetrics(`http://127.0.0.1:${ctx.target.port}`);
    const read = (name: string): number => Number(new RegExp(`^\\w*${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
    return { used: read('process_heap_used_bytes'), total: read('process_heap_total_bytes') };
  } catch {
    return { used: NaN, total: NaN };
  }
}

/** Idle sockets; with contacts > 0 each holds that many grants and presence subscriptions. */
const idleScenario = (name: string, title: string, contacts: number): Scenario => ({
  name,
  title,
  freshProcessPerRun: true,
  metrics: [
    { key: 'connections', label: 'idle authenticated sockets', unit: '', digits: 0 },
    { key: 'failed', label: 'failed', unit: '', digits: 0 },
    { key: 'baseRssMb', label: 'server RSS before', unit: 'MB', digits: 1 },
    { key: 'rssMb', label: 'server RSS with all connected', unit: 'MB', digits: 1 },
    { key: 'kbPerConn', label: 'RSS per connection (average)', unit: 'KB', digits: 2, goal: { kind: 'max', value: 3, text: '≤ 3 KB' } },
    { key: 'marginalKbPerConn', label: 'RSS per connection (marginal, half→all)', unit: 'KB', digits: 2 },
    { key: 'heapUsedKbPerConn', label: 'V8 heap used per connection (server /metrics)', unit: 'KB', digits: 2 },
    { key: 'heapTotalKbPerConn', label: 'V8 heap reserved per connection', unit: 'KB', digits: 2 },
    { key: 'idleCores', label: 'server CPU with all connected and silent (cores)', unit: '', digits: 3 },
  ],
  prepare(size) {
    if (contacts > 0) withContacts(SIZES[size], contacts);
    else devices(SIZES[size]);
  },
  async run(ctx) {
    const n = SIZES[ctx.size];
    const withK = contacts > 0 ? { n, k: contacts } : undefined;
    try {
      const base = await settledRssKb(ctx);
      const heap0 = await heapKb(ctx);
      const half = await fill(ctx, 0, n >> 1, withK);
      const mid = await settledRssKb(ctx);
      const rest = await fill(ctx, n >> 1, n, withK);
      const all = await settledRssKb(ctx);
      const heap1 = await heapKb(ctx);
      // What holding silent sockets costs the server per second (its timers, sweeps, heartbeats),
      // a floor under every per-message figure of a paced phase on as many sockets.
      const q0 = ctx.target.sample();
      await sleep(QUIET_MS[ctx.size]);
      const idleCores = (ctx.target.sample().cpuS - q0.cpuS) / (QUIET_MS[ctx.size] / 1000);
      const ready = half.ready + rest.ready;
      const m: Metrics = {
        connections: ready,
        failed: half.failed + rest.failed,
        baseRssMb: base / 1024,
        rssMb: all / 1024,
        kbPerConn: (all - base) / Math.max(1, ready),
        marginalKbPerConn: (all - mid) / Math.max(1, rest.ready),
        heapUsedKbPerConn: (heap1.used - heap0.used) / Math.max(1, ready),
        heapTotalKbPerConn: (heap1.total - heap0.total) / Math.max(1, ready),
        idleCores,
      };
      return m;
    } finally {
      await ctx.pool.all('close', () => ({ group: 'idle' }));
    }
  },
});

export const idle = idleScenario('idle', 'Idle capacity: server RSS per authenticated connection', 0);

/** Sockets as a user with contacts holds them: 50 grants held and 50 presence subscriptions each. */
export const idleContacts = idleScenario(
  'idle-contacts',
  'Idle with contacts: RSS per socket holding 50 grants and 50 presence subscriptions',
  50,
);

/** As many idle connections as the smaller of the server's and the bench's open-file limits allow. */
export const idleMax: Scenario = {
  name: 'idle-max',
  title: 'Idle capacity at the file-descriptor limit',
  maxRuns: 1,
  sizes: ['full'],
  freshProcessPerRun: true,
  metrics: [
    { key: 'fdLimit', label: 'open-file limit (soft = hard, not raisable here)', unit: '', digits: 0 },
    { key: 'attempted', label: 'connections attempted', unit: '', digits: 0 },
    { key: 'connections', label: 'idle authenticated sockets', unit: '', digits: 0 },
    { key: 'failed', label: 'failed', unit: '', digits: 0 },
    { key: 'rssMb', label: 'server RSS with all connected', unit: 'MB', digits: 1 },
    { key: 'kbPerConn', label: 'RSS per connection (average)', unit: 'KB', digits: 2, goal: { kind: 'max', value: 3, text: '≤ 3 KB' } },
  ],
  prepare() {
    devices(fdLimit() - FD_HEADROOM);
  },
  // Memory is what is measured here, and `idle` has just warmed the same paths.
  async warmup() {},
  async run(ctx) {
    const limit = Math.min(ctx.target.fdLimit(), fdLimit());
    const n = limit - FD_HEADROOM;
    try {
      const base = await settledRssKb(ctx);
      const r = await fill(ctx, 0, n);
      const all = await settledRssKb(ctx);
      return {
        fdLimit: limit,
        attempted: n,
        connections: r.ready,
        failed: r.failed,
        rssMb: all / 1024,
        kbPerConn: (all - base) / Math.max(1, r.ready),
      };
    } finally {
      await ctx.pool.all('close', () => ({ group: 'idle' }));
    }
  },
};
