// Reconnect storm after a restart: N devices, each presenting the grants of its 50 contacts, connect
// to a freshly started process (cold caches: no grant or key seen before; JIT warmed on other,
// contactless devices) as fast as a window of handshakes allows. Reported per connection: server CPU
// in all threads and in the main thread alone (the verification pool works in the others), so the
// issue's "main thread ≤ 2× the relay's CPU per handshake" reads off one row.
import { withContacts } from '../lib/contacts.ts';
import { devices } from '../lib/fixtures.ts';
import { timedConnect } from './connectGroup.ts';
import { latency, USAGE_METRICS, usageMetrics } from './measure.ts';
import type { DeviceSet, RunContext, Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { devices: number; contacts: number; window: number }> = {
  full: { devices: 10_000, contacts: 50, window: 512 },
  quick: { devices: 2000, contacts: 50, window: 256 },
  tiny: { devices: 20, contacts: 5, window: 8 },
};
const WARM = 300;

const connectAll = (ctx: RunContext, group: string, devs: DeviceSet, window: number) =>
  timedConnect(ctx, group, devs, { window, timeoutMs: 60_000 });

export const storm: Scenario = {
  name: 'storm',
  title: 'Reconnect storm after a restart: every device presents 50 contacts’ grants, cold caches',
  freshProcessPerRun: true,
  metrics: [
    { key: 'contacts', label: 'grants per device', unit: '', digits: 0 },
    { key: 'conns', label: 'devices ready', unit: '', digits: 0 },
    { key: 'failed', label: 'failed', unit: '', digits: 0 },
    { key: 'allMs', label: 'time to all ready', unit: 'ms', digits: 0 },
    {
      key: 'connsPerSec',
      label: 'authentications/s (observed)',
      unit: '/s',
      digits: 0,
      goal: { kind: 'min', value: 5000, text: '≥ 5000/s' },
    },
    { key: 'helloP50', label: 'hello→ready p50', unit: 'ms', digits: 1 },
    { key: 'helloP99', label: 'hello→ready p99', unit: 'ms', digits: 1 },
    { key: 'helloN', label: 'hello→ready samples', unit: '', digits: 0 },
    { key: 'cpuMsPerConn', label: 'server CPU per connection, all threads', unit: 'ms', digits: 3 },
    {
      key: 'mainCpuMsPerConn',
      label: 'server CPU per connection, main thread',
      unit: 'ms',
      digits: 3,
      goal: { kind: 'ratioMax', value: 2, text: '≤ 2× relay' },
    },
    { key: 'connsPerMainCoreSec', label: 'capacity of the main thread (1 / its CPU per connection)', unit: '/s', digits: 0 },
    ...USAGE_METRICS,
  ],
  prepare(size) {
    const s = SIZES[size];
    withContacts(s.devices, s.contacts);
    devices(s.devices + WARM);
  },
  async warmup(ctx) {
    // Contactless devices that are not in the storm: the JIT warms, no cache learns a storm grant.
    const s = SIZES[ctx.size];
    const warm = devices(s.devices + WARM).slice(s.devices);
    await connectAll(ctx, 'storm-warm', { devices: warm, grants: warm.map(() => []) }, s.window);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const r = await connectAll(ctx, 'storm', withContacts(s.devices, s.contacts), s.window);
    const u = usageMetrics(r.usage);
    return {
      contacts: s.contacts,
      conns: r.ready,
      failed: r.failed,
      allMs: r.allMs,
      connsPerSec: r.ready / (r.allMs / 1000),
      ...latency(
        'hello',
        r.result.map((x) => x.helloToReady),
        [50, 99],
      ),
      cpuMsPerConn: (r.usage.serverCpuS * 1000) / Math.max(1, r.ready),
      mainCpuMsPerConn: (r.usage.serverMainCpuS * 1000) / Math.max(1, r.ready),
      connsPerMainCoreSec: r.ready / Math.max(0.01, r.usage.serverMainCpuS),
      ...u,
    };
  },
};
