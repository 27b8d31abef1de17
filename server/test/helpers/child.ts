// The real server as a child process (`node --import tsx server/src/main.ts`), for tests that
// measure it from the outside (RSS from /proc, /metrics) or kill it with SIGKILL. It listens on a
// port named here, so a restart can bind the same port (uSockets sets SO_REUSEADDR only for a
// named port; a killed server's sockets linger in TIME_WAIT).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { afterEach } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const HOST = '127.0.0.1';
const live = new Set<ChildServer>();

afterEach(async () => {
  for (const s of [...live]) await s.kill();
});
process.on('exit', () => {
  for (const s of live) s.child.kill('SIGKILL');
});

/** A port free right now (bound by number afterwards, so SO_REUSEADDR applies on restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
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

export class ChildServer {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => live.delete(this));
  }

  /** Starts the server with `env` (config variables) on `port` (a free one when omitted). */
  static async start(env: Record<string, string> = {}, port?: number, timeoutMs = 20_000): Promise<ChildServer> {
    const p = port ?? (await freePort());
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', STATIC_DIR: '/nonexistent-static-dir', ...env, HOST, PORT: String(p) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const s = new ChildServer(child, p);
      live.add(s);
      let dead = false;
      void s.exited.then(() => (dead = true));
      while (!dead && !(await canConnect(p))) {
        if (Date.now() > deadline) {
          await s.kill();
          throw new Error(`server did not listen on ${p}:\n${s.output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!dead) return s;
      // The port is still held by the previous process's sockets: try again until the deadline.
      if (Date.now() > deadline) throw new Error(`server exited during start-up:\n${s.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number {
    return this.child.pid!;
  }
  get url(): string {
    return `ws://${HOST}:${this.port}/ws`;
  }
  get httpUrl(): string {
    return `http://${HOST}:${this.port}`;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  log(): string {
    return this.output;
  }

  /** Resident set size in bytes, from /proc. */
  rss(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!m) throw new Error('no VmRSS');
    return Number(m[1]) * 1024;
  }

  /** CPU time the process has used (user + system), seconds: a figure that load on the host does not skew. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  }

  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.httpUrl}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
  }

  /** kill -9: no shutdown code runs, every socket is dropped by the kernel. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Sum of a labelled counter's values, e.g. total('sm_frames_in_total'). */
export function total(metrics: Map<string, number>, name: string): number {
  let n = 0;
  for (const [k, v] of metrics) if (k === name || k.startsWith(name + '{')) n += v;
  return n;
}

/** `{label → value}` of a labelled counter. */
export function byLabel(metrics: Map<string, number>, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of metrics) {
    const m = new RegExp(`^${name}\\{\\w+="([^"]*)"\\}$`).exec(k);
    if (m) out[m[1]!] = v;
  }
  return out;
}
