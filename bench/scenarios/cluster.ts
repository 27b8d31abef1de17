// Two instances over Redis: a private redis-server (never the shared one) and two server processes
// with the same key prefix. The same paced traffic twice: first with both ends of every pair on
// instance A (the single-instance baseline, same Redis, same run), then with every pair split over A
// and B so each message crosses Redis pub/sub. Reported: latency, both instances' CPU per 100k
// delivered, and Redis's own CPU per 100k from /proc (redis-server is our child). Server-only: the
// relay run of this scenario reports nothing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readProc } from '../../testkit/child.ts';
import { canConnect, freePort } from '../../testkit/net.ts';
import { pairs } from '../lib/fixtures.ts';
import { SERVER_ENV, Target } from '../lib/proc.ts';
import type { TrafficResult } from '../lib/rpc.ts';
import { phaseMetrics } from './chat.ts';
import { measured, sampleWindow, type MeasureWindow, type Usage } from './measure.ts';
import { prefixedKey, runPairsThen, trafficMetrics, type TrafficSpec } from './pairs.ts';
import { sleep, type MetricSpec, type RunContext, type Scenario, type SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; rate: number; ms: number; warmupMs: number }> = {
  full: { pairs: 2000, rate: 4000, ms: 8000, warmupMs: 2000 },
  quick: { pairs: 500, rate: 2000, ms: 4000, warmupMs: 1000 },
  tiny: { pairs: 5, rate: 100, ms: 400, warmupMs: 0 },
};

const KEYS = ['deliveredPerSec', 'lost', 'errors', 'latP50', 'latP99', 'latP999', 'latN', 'cpuPer100k', 'otherCores', 'load1'];

function clusterMetrics(prefix: string, title: string): MetricSpec[] {
  return [
    ...phaseMetrics(prefix, title, KEYS).map((m) =>
      m.key === prefixedKey(prefix, 'cpuPer100k') ? { ...m, label: `${m.label} (both instances)` } : m,
    ),
    { key: `${prefix}RedisCpuPer100k`, label: `${title}: Redis CPU per 100k delivered`, unit: 's', digits: 2 },
  ];
}

async function redisServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const until = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (p.exitCode !== null || Date.now() > until) throw new Error('cluster: redis-server did not start (is it installed?)');
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: p.pid!,
    stop: async () => {
      if (p.exitCode === null) {
        p.kill('SIGKILL');
        await once(p, 'exit');
      }
    },
  };
}

export const cluster: Scenario = {
  name: 'cluster',
  title: 'Two instances over Redis: pairs on one instance (baseline), then split across both',
  maxRuns: 2,
  metrics: [
    { key: 'rate', label: 'offered msgs/s', unit: '/s', digits: 0 },
    ...clusterMetrics('single', 'one instance'),
    ...clusterMetrics('cross', 'across two'),
  ],
  prepare(size) {
    pairs(SIZES[size].pairs);
  },
  async warmup() {},
  async run(ctx: RunContext) {
    if (ctx.target.kind !== 'server') return {};
    const s = SIZES[ctx.size];
    const redis = await redisServer();
    // REDIS_ID_SECRET: the server refuses REDIS_URL without one; both instances share it.
    const env = {
      ...SERVER_ENV,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `bench${ctx.runTag}:`,
      REDIS_ID_SECRET: `bench-${ctx.runTag}-secret`,
    };
    // Two instances load (tsx) at once on a shared 2-core machine: 20 s was seen to run out.
    const start = () => Target.start({ kind: 'server', env, startTimeoutMs: 60_000 });
    const [a, b] = await Promise.all([start(), start()]);
    try {
      const traffic: TrafficSpec = {
        mode: 'paced',
        ratePerSec: s.rate,
        window: 0,
        durationMs: s.ms,
        warmupMs: s.warmupMs,
        ephemeral: false,
        expectSent: true,
        expectDelivered: true,
        settleTimeoutMs: 15_000,
      };
      const warm: TrafficSpec = { ...traffic, durationMs: Math.min(1000, s.ms), warmupMs: 0 };
      const redisCpu: number[] = [];
      // Both instances' CPU as the server's, Redis's alongside, over the phase and its steady window.
      const measure = async (
        phase: () => Promise<TrafficResult[]>,
        win: MeasureWindow,
      ): Promise<{ result: TrafficResult[]; usage: Usage }> => {
        const at = () => ({ b: b.sample(), redisS: readProc(redis.pid).cpuS });
        const b0 = at();
        const marks = sampleWindow(win, at);
        const out = await measured(a, phase, win);
        const [w0, w1] = marks.end() ?? [];
        const b1 = at();
        redisCpu.push(w0 && w1 ? w1.redisS - w0.redisS : NaN);
        return {
          result: out.result,
          usage: {
            ...out.usage,
            serverCpuS: out.usage.serverCpuS + b1.b.cpuS - b0.b.cpuS,
            serverMainCpuS: out.usage.serverMainCpuS + b1.b.mainCpuS - b0.b.mainCpuS,
            windowCpuS: w0 && w1 ? out.usage.windowCpuS + w1.b.cpuS - w0.b.cpuS : NaN,
            windowMainCpuS: w0 && w1 ? out.usage.windowMainCpuS + w1.b.mainCpuS - w0.b.mainCpuS : NaN,
          },
        };
      };
      const run = async (urls: string[]) => {
        redisCpu.length = 0;
        const ctxA = { ...ctx, target: a };
        const [, main] = await runPairsThen(ctxA, s.pairs, (done) => [warm, traffic][done.length] ?? null, { urls, measure });
        return { m: main!, redisS: redisCpu[1]! };
      };
      const single = await run([a.url]);
      const cross = await run([a.url, b.url]);
      // Redis's CPU in the steady window, per message received in it (as the servers' figure).
      const per100k = (cpuS: number, m: { results: TrafficResult[] }) =>
        (cpuS /
          Math.max(
            1,
            m.results.reduce((n, r) => n + r.receivedInWindow, 0),
          )) *
        1e5;
      return {
        rate: s.rate,
        ...trafficMetrics(single.m, 'single'),
        singleRedisCpuPer100k: per100k(single.redisS, single.m),
        ...trafficMetrics(cross.m, 'cross'),
        crossRedisCpuPer100k: per100k(cross.redisS, cross.m),
      };
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
    }
  },
};
