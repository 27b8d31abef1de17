// The real server as a child process (`node --import tsx server/src/main.ts`, testkit/child.ts),
// for tests that measure it from the outside (RSS from /proc, /metrics) or kill it with SIGKILL. It
// listens on a port named here, so a restart can bind the same port.
import { afterEach } from 'vitest';
import { Listener } from '../../../testkit/child.ts';
import { freePort, HOST, scrapeMetrics, TEST_METRICS_TOKEN } from '../../../testkit/net.ts';

const live = new Set<ChildServer>();

afterEach(async () => {
  for (const s of [...live]) await s.kill();
});

export class ChildServer extends Listener {
  private constructor(env: Record<string, string>, port: number) {
    super({
      entry: 'server/src/main.ts',
      port,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'error',
        STATIC_DIR: '/nonexistent-static-dir',
        METRICS_TOKEN: TEST_METRICS_TOKEN,
        ...env,
      },
    });
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  /** Starts the server with `env` (config variables) on `port` (a free one when omitted). */
  static async start(env: Record<string, string> = {}, port?: number, timeoutMs = 20_000): Promise<ChildServer> {
    const p = port ?? (await freePort());
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = new ChildServer(env, p);
      const state = await s.listening(deadline);
      if (state === 'listening') return s;
      if (state === 'timeout') {
        await s.kill();
        throw new Error(`server did not listen on ${p}:\n${s.log()}`);
      }
      // The port is still held by the previous process's sockets: try again until the deadline.
      if (Date.now() > deadline) throw new Error(`server exited during start-up:\n${s.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get httpUrl(): string {
    return `http://${HOST}:${this.port}`;
  }

  /** Resident set size in bytes, from /proc. */
  rss(): number {
    const { rssKb } = this.sample();
    if (Number.isNaN(rssKb)) throw new Error('no VmRSS');
    return rssKb * 1024;
  }

  /** CPU time the process has used (user + system), seconds: a figure that load on the host does not skew. */
  cpuSeconds(): number {
    return this.sample().cpuS;
  }

  async metrics(): Promise<Map<string, number>> {
    const text = await scrapeMetrics(this.httpUrl);
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
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
