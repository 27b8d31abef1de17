// Brackets a phase with /proc samples of the target and the bench's own CPU (all its threads).
import { readFileSync } from 'node:fs';
import type { Target } from '../lib/proc.ts';
import { mergeSorted, percentile } from '../lib/stats.ts';
import type { Metrics } from './types.ts';

export interface Usage {
  readonly serverCpuS: number;
  readonly clientCpuS: number;
  /** CPU-seconds the whole machine spent busy: minus server and bench, what others took. */
  readonly machineCpuS: number;
  readonly wallS: number;
  readonly rssKb: number;
}

/** Busy CPU-seconds of the whole machine so far (/proc/stat; USER_HZ = 100). */
function machineBusyS(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

export async function measured<T>(target: Target, phase: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  const before = target.sample();
  const machine = machineBusyS();
  const client = process.cpuUsage();
  const t0 = performance.now();
  const result = await phase();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(client);
  const after = target.sample();
  return {
    result,
    usage: { serverCpuS: after.cpuS - before.cpuS, clientCpuS: (c.user + c.system) / 1e6, machineCpuS: machineBusyS() - machine, wallS, rssKb: after.rssKb },
  };
}

/** p50 / p99 / p99.9 (and max) of merged samples, as `${prefix}P50` etc. */
export function latency(prefix: string, parts: readonly ArrayLike<number>[], which: readonly (50 | 99 | 99.9 | 100)[] = [50, 99, 99.9]): Metrics {
  const all = mergeSorted(parts);
  const out: Metrics = {};
  for (const p of which) out[`${prefix}${p === 100 ? 'Max' : `P${String(p).replace('.', '')}`}`] = percentile(all, p);
  return out;
}

/** The usage figures every scenario reports. */
export function usageMetrics(u: Usage): Metrics {
  return {
    serverCpuS: u.serverCpuS,
    serverCores: u.serverCpuS / u.wallS,
    clientCores: u.clientCpuS / u.wallS,
    otherCores: Math.max(0, u.machineCpuS - u.serverCpuS - u.clientCpuS) / u.wallS,
    rssMb: u.rssKb / 1024,
  };
}

export function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}
