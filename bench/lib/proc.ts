// The process under test: spawned as a plain `node --import tsx` child (so its PID is the server
// itself, not a wrapper), on 127.0.0.1 and a port chosen here; CPU and RSS are read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HOST = '127.0.0.1';
/** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux this runs on. */
const CLK_TCK = 100;

export type TargetKind = 'relay' | 'server';

/** Children still running: killed if the bench itself exits early (crash, Ctrl-C), never orphaned. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface ProcSample {
  /** utime + stime of every thread, seconds. */
  readonly cpuS: number;
  readonly rssKb: number;
}

export function readProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  return { cpuS: (utime + stime) / CLK_TCK, rssKb: rss ? Number(rss[1]) : NaN };
}

/** Soft limit on open files of a process (what bounds its sockets). */
export function fdLimit(pid: number | 'self' = 'self'): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
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

export const ENTRY: Record<TargetKind, string> = {
  relay: 'bench/relay.ts',
  server: 'server/src/main.ts',
};

export class Target {
  readonly kind: TargetKind;
  readonly port: number;
  readonly url: string;
  private readonly child: ChildProcess;
  private exited: Promise<number | null>;
  private output = '';

  private constructor(kind: TargetKind, port: number, child: ChildProcess) {
    this.kind = kind;
    this.port = port;
    this.url = `ws://${HOST}:${port}/ws`;
    this.child = child;
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(opts: TargetOptions): Promise<Target> {
    const port = await freePort();
    const args = ['--import', 'tsx'];
    if (opts.profileDir) args.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
    args.push(...(opts.nodeArgs ?? []));
    args.push(ENTRY[opts.kind]);
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // The memory store unless a run asks for Redis: CI exports REDIS_URL for the Redis tests.
      env: { ...process.env, LOG_LEVEL: 'error', REDIS_URL: '', ...opts.env, HOST, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const t = new Target(opts.kind, port, child);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
    let dead = false;
    void t.exited.then(() => (dead = true));
    while (!(await canConnect(port))) {
      if (dead) throw new Error(`${opts.kind} exited during start-up:\n${t.output}`);
      if (Date.now() > deadline) {
        await t.stop();
        throw new Error(`${opts.kind} did not listen on ${port} within the start timeout:\n${t.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return t;
  }

  get pid(): number {
    return this.child.pid!;
  }

  sample(): ProcSample {
    return readProc(this.pid);
  }

  fdLimit(): number {
    return fdLimit(this.pid);
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** The last few KB the process printed (for error messages). */
  log(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
