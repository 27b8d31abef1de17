// (1) Connect storm: N devices through hello → auth → ready as fast as a window of handshakes in
// flight allows (authentications/s, time to all ready), then a paced arrival at a fixed
// connections/s where hello→ready is the figure (the "p99 ≤ 5 ms while 1k conn/s arrive").
import { devices } from '../lib/fixtures.ts';
import { timedConnect } from './connectGroup.ts';
import { latency, usageMetrics } from './measure.ts';
import type { Metrics, RunContext, Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, { storm: number; window: number; rate: number; seconds: number }> = {
  full: { storm: 5000, window: 256, rate: 1000, seconds: 4 },
  quick: { storm: 1000, window: 128, rate: 1000, seconds: 1 },
  tiny: { storm: 20, window: 8, rate: 100, seconds: 0.2 },
};

function phase(ctx: RunContext, group: string, n: number, ratePerSec: number, window: number) {
  const devs = devices(n);
  return timedConnect(ctx, group, { devices: devs, grants: devs.map(() => []) }, { ratePerSec, window, timeoutMs: 30_000 });
}

export const connect: Scenario = {
  name: 'connect',
  title: 'Connect storm: hello → auth → ready',
  metrics: [
    { key: 'stormConns', label: 'storm: connections ready', unit: '', digits: 0 },
    { key: 'stormFailed', label: 'storm: failed', unit: '', digits: 0 },
    { key: 'stormAllMs', label: 'storm: time to all ready', unit: 'ms', digits: 0 },
    { key: 'authsPerSec', label: 'storm: authentications/s', unit: '/s', digits: 0, goal: { kind: 'min', value: 5000, text: '≥ 5000/s' } },
    { key: 'stormHelloP50', label: 'storm: hello→ready p50', unit: 'ms', digits: 2 },
    { key: 'stormHelloP99', label: 'storm: hello→ready p99', unit: 'ms', digits: 2 },
    { key: 'serverCpuMsPerAuth', label: 'storm: server CPU per connection', unit: 'ms', digits: 3 },
    {
      key: 'serverMainCpuMsPerAuth',
      label: 'storm: server main-thread CPU per connection',
      unit: 'ms',
      digits: 3,
      goal: { kind: 'ratioMax', value: 2, text: '≤ 2× relay' },
    },
    {
      key: 'authsPerCoreSec',
      label: 'storm: server capacity (1 / CPU per connection)',
      unit: '/core·s',
      digits: 0,
      goal: { kind: 'min', value: 5000, text: '≥ 5000/s' },
    },
    { key: 'clientCpuMsPerAuth', label: 'storm: bench CPU per connection', unit: 'ms', digits: 3 },
    { key: 'stormOtherCores', label: "storm: other processes' CPU", unit: 'cores', digits: 2 },
    { key: 'stormLoad1', label: 'storm: load average (1 min) after', unit: '', digits: 2 },
    { key: 'pacedRate', label: 'paced: connections/s offered', unit: '/s', digits: 0 },
    { key: 'pacedConns', label: 'paced: connections ready', unit: '', digits: 0 },
    { key: 'pacedHelloP50', label: 'paced: hello→ready p50', unit: 'ms', digits: 2 },
    { key: 'pacedHelloP99', label: 'paced: hello→ready p99', unit: 'ms', digits: 2, goal: { kind: 'max', value: 5, text: '≤ 5 ms' } },
    { key: 'pacedAuthP99', label: 'paced: auth sent→ready p99', unit: 'ms', digits: 2 },
    { key: 'pacedOpenP99', label: 'paced: socket→ready p99', unit: 'ms', digits: 2 },
    { key: 'pacedServerCores', label: 'paced: server CPU', unit: 'cores', digits: 2 },
  ],
  prepare(size) {
    const s = SIZES[size];
    devices(Math.max(s.storm, Math.ceil(s.rate * s.seconds), 1000));
  },
  async warmup(ctx) {
    await phase(ctx, 'warmup', Math.min(1000, SIZES[ctx.size].storm), 0, SIZES[ctx.size].window);
  },
  async run(ctx) {
    const s = SIZES[ctx.size];
    const storm = await phase(ctx, 'storm', s.storm, 0, s.window);
    const paced = await phase(ctx, 'paced', Math.ceil(s.rate * s.seconds), s.rate, s.window);
    const m: Metrics = {
      stormConns: storm.ready,
      stormFailed: storm.failed,
      stormAllMs: storm.allMs,
      authsPerSec: storm.ready / (storm.allMs / 1000),
      ...latency(
        'stormHello',
        storm.result.map((r) => r.helloToReady),
        [50, 99],
      ),
      serverCpuMsPerAuth: (storm.usage.serverCpuS * 1000) / Math.max(1, storm.ready),
      serverMainCpuMsPerAuth: (storm.usage.serverMainCpuS * 1000) / Math.max(1, storm.ready),
      authsPerCoreSec: storm.ready / Math.max(0.01, storm.usage.serverCpuS),
      clientCpuMsPerAuth: (storm.usage.clientCpuS * 1000) / Math.max(1, storm.ready),
      stormOtherCores: usageMetrics(storm.usage).otherCores!,
      stormLoad1: usageMetrics(storm.usage).load1!,
      pacedRate: s.rate,
      pacedConns: paced.ready,
      ...latency(
        'pacedHello',
        paced.result.map((r) => r.helloToReady),
        [50, 99],
      ),
      ...latency(
        'pacedAuth',
        paced.result.map((r) => r.authToReady),
        [99],
      ),
      ...latency(
        'pacedOpen',
        paced.result.map((r) => r.startToReady),
        [99],
      ),
      pacedServerCores: usageMetrics(paced.usage).serverCores!,
    };
    return m;
  },
};
