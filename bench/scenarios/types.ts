// What a scenario is: a named measurement run once per target per repetition, reporting flat metrics.
import type { Grant } from '../../protocol/index.ts';
import type { Device, PairFixture } from '../lib/fixtures.ts';
import type { Pool } from '../lib/pool.ts';
import type { Target } from '../lib/proc.ts';
import type { SignerKind } from '../lib/signer.ts';

export type SizeName = 'full' | 'quick' | 'tiny';

export interface Goal {
  /** What the issue asks of the server: an absolute bound, or a bound on server/relay. */
  readonly kind: 'max' | 'min' | 'ratioMax' | 'ratioMin';
  readonly value: number;
  readonly text: string;
}

export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly digits?: number;
  readonly goal?: Goal;
}

export type Metrics = Record<string, number>;

export interface RunContext {
  readonly target: Target;
  readonly pool: Pool;
  readonly size: SizeName;
  readonly signer: SignerKind;
  /** 8 hex characters, new for every run. */
  readonly runTag: string;
  readonly log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly metrics: readonly MetricSpec[];
  /** Repetitions are capped at this (a slow, stable measurement needs one). */
  readonly maxRuns?: number;
  /**
   * Every run gets a newly started target: memory figures of a process that already grew its heap
   * for an earlier run would understate the next (freed pages are reused before RSS grows).
   */
  readonly freshProcessPerRun?: boolean;
  /** Only in these sizes (the fd-limit run is too long for --quick). */
  readonly sizes?: readonly SizeName[];
  /** Makes fixtures before any process starts, so no run pays for key generation. */
  prepare(size: SizeName): void;
  /**
   * Once per target before the measured runs (discarded), so JIT warm-up of the target and of the
   * bench's workers is not in run 1. Default: the scenario at its tiny size.
   */
  warmup?(ctx: RunContext): Promise<void>;
  run(ctx: RunContext): Promise<Metrics>;
}

/** Round-robin split of a list over the workers, keeping pairs (2k, 2k+1) together. */
export function splitPairs(pairs: readonly PairFixture[], workers: number, w: number): DeviceSet {
  const mine = pairs.filter((_, k) => k % workers === w);
  return { devices: mine.flatMap((p) => [p.a, p.b]), grants: mine.flatMap((p) => [[p.grantForA], [p.grantForB]]) };
}

/** Devices and the grants each presents (grants[i] by devices[i]). */
export interface DeviceSet {
  readonly devices: Device[];
  readonly grants: Grant[][];
}

/** Round-robin split of devices over the workers, each with its grants. */
export function splitEvenly(all: DeviceSet, workers: number, w: number): DeviceSet {
  const mine = (_: unknown, k: number) => k % workers === w;
  return { devices: all.devices.filter(mine), grants: all.grants.filter(mine) };
}

/** The same for devices that present no grants. */
export function splitDevices(devices: readonly Device[], workers: number, w: number): DeviceSet {
  const mine = devices.filter((_, k) => k % workers === w);
  return { devices: mine, grants: mine.map(() => []) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
