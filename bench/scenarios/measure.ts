// Brackets a phase with /proc samples of the target and the bench's own CPU (all its threads).
import { readFileSync } from 'node:fs';
import type { Target } from '../lib/proc.ts';
import * as hdr from 'hdr-histogram-js';
import { loadavg } from 'node:os';
import type { Metrics, MetricSpec } from './types.ts';

export interface Usage {
  readonly serverCpuS: number;
  /** The server's main thread (event loop) alone; the rest is its worker threads (verification, GC helpers). */
  readonly serverMainCpuS: number;
  readonly clientCpuS: number;
  /** CPU-seconds the whole machine spent busy: minus server and bench, what others took. */
  readonly machineCpuS: number;
  readonly wallS: number;
  readonly rssKb: number;
  /**
   * The server's CPU (all threads / main thread) within the steady window (MeasureWindow), NaN
   * when none was asked for or the phase ended before the window did.
   */
  readonly windowCpuS: number;
  readonly windowMainCpuS: number;
}

/**
 * The steady part of a phase, in ms from its start: after the warm-up, until the sends stop.
 * CPU per message is taken over it against the messages received in it, so work a message causes
 * later (a batched ack, a sweep) counts as much as the earlier messages' work that falls inside:
 * the phase's ramp-up and its tail (settling, the last batched acks) are left out on both sides.
 */
export interface MeasureWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Busy CPU-seconds of the whole machine so far (/proc/stat; USER_HZ = 100). */
function machineBusyS(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/**
 * Takes `sample()` when the window opens and when it closes (the load runs on the pool's threads:
 * this thread is idle enough to sample on time). `end()` cancels what has not fired and returns
 * both samples, or undefined when the phase ended before the window did.
 */
export function sampleWindow<S>(window: MeasureWindow, sample: () => S): { end(): [S, S] | undefined } {
  const got: S[] = [];
  const timers = [window.fromMs, window.toMs].map((ms) => setTimeout(() => got.push(sample()), ms));
  return {
    end() {
      for (const t of timers) clearTimeout(t);
      return got.length === 2 ? [got[0]!, got[1]!] : undefined;
    },
  };
}

export async function measured<T>(target: Target, phase: () => Promise<T>, window?: MeasureWindow): Promise<{ result: T; usage: Usage }> {
  const before = target.sample();
  const machine = machineBusyS();
  const client = process.cpuUsage();
  const t0 = performance.now();
  const marks = window ? sampleWindow(window, () => target.sample()) : undefined;
  const result = await phase();
  const w = marks?.end();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(client);
  const after = target.sample();
  return {
    result,
    usage: {
      serverCpuS: after.cpuS - before.cpuS,
      serverMainCpuS: after.mainCpuS - before.mainCpuS,
      clientCpuS: (c.user + c.system) / 1e6,
      machineCpuS: machineBusyS() - machine,
      wallS,
      rssKb: after.rssKb,
      windowCpuS: w ? w[1].cpuS - w[0].cpuS : NaN,
      windowMainCpuS: w ? w[1].mainCpuS - w[0].mainCpuS : NaN,
    },
  };
}

/**
 * Enough samples for a percentile: at least this many beyond it, so p99.9 rests on ≥ 10 samples
 * (10,000 in all) rather than on one or two outliers. Fewer: the figure is NaN ("–" in the table).
 */
export const TAIL_SAMPLES = 10;

/**
 * p50 / p99 / p99.9 (and max) of merged samples, as `${prefix}P50` etc., read from an HDR
 * histogram (hdr-histogram-js, 1 µs to 1 h at 3 significant digits), and the sample count as
 * `${prefix}N`. A percentile without TAIL_SAMPLES samples beyond it is NaN.
 */
export function latency(
  prefix: string,
  parts: readonly ArrayLike<number>[],
  which: readonly (50 | 99 | 99.9 | 100)[] = [50, 99, 99.9],
): Metrics {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  let n = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (!Number.isFinite(v)) continue;
      h.recordValue(Math.max(1, Math.round(v * 1000)));
      n++;
    }
  }
  const out: Metrics = { [`${prefix}N`]: n };
  for (const p of which) {
    const key = `${prefix}${p === 100 ? 'Max' : `P${String(p).replace('.', '')}`}`;
    const enough = p === 100 ? n > 0 : n * (1 - p / 100) >= TAIL_SAMPLES || (p === 50 && n > 0);
    out[key] = enough ? (p === 100 ? h.maxValue : h.getValueAtPercentile(p)) / 1000 : NaN;
  }
  return out;
}

/** Load average and other processes' CPU, to print next to every figure of a phase. */
export function loadMetrics(u: Usage): Metrics {
  return { load1: loadavg()[0]!, otherCores: Math.max(0, u.machineCpuS - u.serverCpuS - u.clientCpuS) / u.wallS };
}

/** The columns of usageMetrics (serverCpuS is for computing, not shown). */
export const USAGE_METRICS: readonly MetricSpec[] = [
  { key: 'serverCores', label: 'server CPU', unit: 'cores', digits: 2 },
  { key: 'clientCores', label: 'bench CPU', unit: 'cores', digits: 2 },
  { key: 'otherCores', label: "other processes' CPU", unit: 'cores', digits: 2 },
  { key: 'load1', label: 'load average (1 min) after', unit: '', digits: 2 },
  { key: 'rssMb', label: 'server RSS after', unit: 'MB', digits: 0 },
];

/** The usage figures every scenario reports. */
export function usageMetrics(u: Usage): Metrics {
  return {
    serverCpuS: u.serverCpuS,
    serverCores: u.serverCpuS / u.wallS,
    clientCores: u.clientCpuS / u.wallS,
    otherCores: Math.max(0, u.machineCpuS - u.serverCpuS - u.clientCpuS) / u.wallS,
    load1: loadavg()[0]!,
    rssMb: u.rssKb / 1024,
  };
}

export function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}
