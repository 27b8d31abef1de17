// The process under test: a relay or the server as a `node --import tsx` child on 127.0.0.1 and a
// port chosen here (testkit/child.ts); CPU and RSS are read from /proc.
import { readFileSync } from 'node:fs';
import { Listener } from '../../testkit/child.ts';
import { freePort, TEST_METRICS_TOKEN } from '../../testkit/net.ts';

export { ROOT } from '../../testkit/child.ts';

export type TargetKind = 'relay' | 'server';

/** Soft limit on open files of a process (what bounds its sockets). */
export function fdLimit(pid: number | 'self' = 'self'): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export interface TargetOptions {
  readonly kind: TargetKind;
  /** Extra environment (limits raised for load). */
  readonly env?: Record<string, string>;
  /**
   * Directory for V8 CPU profiles (node --cpu-prof), written when the process exits: one file per
   * thread (tsx's loader hooks run in a thread of their own), so one directory per process.
   */
  readonly profileDir?: string;
  /** More node flags (e.g. --heapsnapshot-signal for bench/heap.ts). */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

/**
 * The server runs as `npm start` runs it (package.json; a test keeps the two the same). A 4 MB
 * young generation instead of letting V8 grow each semi-space to 16 MB: idle RSS per connection at
 * 10k sockets 3.5 → 1.4 KB; 2 MB saved no more memory and cost ~10 % CPU per message at 5k msgs/s
 * (docs/performance.md, History).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * The server under load: limits raised so the bench measures speed, not the defaults' policy.
 * Rate limits are raised rather than switched off (0), so their token buckets still run.
 */
const HIGH = '1000000000';
export const SERVER_ENV: Record<string, string> = {
  MAX_CONNECTIONS: '1000000',
  MAX_DEVICES_PER_ID: '10',
  MAILBOX_MAX_ENTRIES: '1000000',
  MAILBOX_MAX_BYTES: String(1 << 30),
  // Long: in the storm and contact scenarios a handshake waits for its grants' verification.
  AUTH_TIMEOUT: '120s',
  SEND_RATE: HIGH,
  SEND_RATE_IP: HIGH,
  AUTH_RATE_IP: HIGH,
  PRESENCE_RATE: HIGH,
  PRESENCE_RATE_IP: HIGH,
  LOG_LEVEL: 'error',
};

export const ENTRY: Record<TargetKind, string> = {
  relay: 'bench/relay.ts',
  server: 'server/src/main.ts',
};

/** Every simulated client connects from 127.0.0.1: the per-address socket caps must not apply. */
const LOAD_FROM_ONE_ADDRESS = { MAX_CONNECTIONS_PER_IP: '10000000', MAX_UNAUTH_PER_IP: '10000000' };

export class Target extends Listener {
  readonly kind: TargetKind;

  private constructor(kind: TargetKind, port: number, opts: TargetOptions) {
    const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
    super({
      entry: ENTRY[kind],
      port,
      nodeArgs: [...(kind === 'server' ? SERVER_NODE_FLAGS : []), ...profile, ...(opts.nodeArgs ?? [])],
      // The memory store unless a run asks for Redis: CI exports REDIS_URL for the Redis tests.
      // /metrics is private (METRICS_TOKEN): the bench reads it with the test token.
      env: { ...process.env, LOG_LEVEL: 'error', REDIS_URL: '', METRICS_TOKEN: TEST_METRICS_TOKEN, ...LOAD_FROM_ONE_ADDRESS, ...opts.env },
    });
    this.kind = kind;
  }

  static async start(opts: TargetOptions): Promise<Target> {
    const t = new Target(opts.kind, await freePort(), opts);
    const state = await t.listening(Date.now() + (opts.startTimeoutMs ?? 20_000));
    if (state === 'listening') return t;
    await t.stop();
    throw new Error(
      state === 'exited'
        ? `${opts.kind} exited during start-up:\n${t.log()}`
        : `${opts.kind} did not listen on ${t.port} within the start timeout:\n${t.log()}`,
    );
  }

  fdLimit(): number {
    return fdLimit(this.pid);
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
