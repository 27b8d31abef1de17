// A TypeScript entry point run as a plain `node --import tsx` child (so its PID is the program
// itself, not a wrapper, and /proc speaks of it alone), listening on 127.0.0.1 at a port named by
// the caller. The server tests and the bench both measure and kill such processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HOST, waitForPort, type PortWait } from './net.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux this runs on. */
const CLK_TCK = 100;
/** How much of a child's output is kept for error messages. */
const TAIL = 8000;

/** Children still running: killed if the parent exits early (crash, Ctrl-C), never orphaned. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface ProcSample {
  /** utime + stime of every thread, seconds: a figure that other load on the host does not skew. */
  readonly cpuS: number;
  /** The same for the main thread alone (the event loop; worker threads excluded). */
  readonly mainCpuS: number;
  readonly rssKb: number;
}

/** utime + stime from a /proc stat line, seconds. */
function statCpuS(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function readProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  return { cpuS: statCpuS(`/proc/${pid}/stat`), mainCpuS: statCpuS(`/proc/${pid}/task/${pid}/stat`), rssKb: rss ? Number(rss[1]) : NaN };
}

export interface ListenerOptions {
  /** The entry point, relative to the repository root. */
  readonly entry: string;
  readonly port: number;
  /** The child's whole environment; HOST and PORT are set over it. */
  readonly env: NodeJS.ProcessEnv;
  /** Node flags before the entry (profiling, heap snapshots). */
  readonly nodeArgs?: readonly string[];
}

export class Listener {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  private output = '';

  constructor(opts: ListenerOptions) {
    this.port = opts.port;
    this.child = spawn(process.execPath, ['--import', 'tsx', ...(opts.nodeArgs ?? []), opts.entry], {
      cwd: ROOT,
      // No Web Push key file written into the tree by a test's relay (push stays off unless the env asks).
      env: { VAPID_KEY_FILE: '', ...opts.env, HOST, PORT: String(opts.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = this.child;
    live.add(child);
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-TAIL);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
  }

  /** Whether it listens by the deadline ('timeout' leaves it running: the caller decides). */
  listening(deadline: number): Promise<PortWait> {
    return waitForPort(this.port, deadline, () => !this.running);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `ws://${HOST}:${this.port}/ws`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last few KB the process printed (for error messages). */
  log(): string {
    return this.output;
  }

  sample(): ProcSample {
    return readProc(this.pid);
  }

  /** kill -9: no shutdown code runs, every socket is dropped by the kernel. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
