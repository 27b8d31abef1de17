// Processes for the fault tests: the real server (server/src/main.ts) as a child, optionally inside
// a network namespace, and a private redis-server on a free port (never the shared one). Both are
// killed by stopAll() (afterEach) so a failing test leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { ROOT } from '../../../testkit/child.ts';
import { freePort } from '../../../testkit/net.ts';
import type { Netns } from '../../../testkit/netns.ts';
import { TEST_ID_SECRET } from '../../../server/test/helpers/cluster.ts';

const running = new Set<ChildProcess>();

async function stop(p: ChildProcess): Promise<void> {
  running.delete(p);
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGKILL');
  await once(p, 'exit');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stop));
}

export interface ServerProc {
  readonly port: number;
  /** ws URL at the given address (the namespace's link address for a server inside one). */
  url(host?: string): string;
  kill(): Promise<void>;
  log(): string;
}

/** Starts server/src/main.ts with `env` (HOST 0.0.0.0, PORT 0), inside `ns` when given. */
export async function startServerProc(env: Record<string, string>, ns?: Netns): Promise<ServerProc> {
  const node = [process.execPath, '--import', 'tsx', 'server/src/main.ts'];
  const [cmd, args] = ns ? ns.exec(node[0]!, ...node.slice(1)) : [node[0]!, node.slice(1)];
  const p = spawn(cmd, args, {
    cwd: ROOT,
    // REDIS_ID_SECRET: required with REDIS_URL (Session IDs are hashed in key names); unused without.
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '0.0.0.0',
      PORT: '0',
      LOG_LEVEL: 'info',
      STATIC_DIR: '/nonexistent-static-dir',
      REDIS_ID_SECRET: TEST_ID_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(p);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out = (out + d.toString()).slice(-20_000);
      const m = /"event":"listening"[^\n]*"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', onData);
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { port, url: (host = '127.0.0.1') => `ws://${host}:${port}/ws`, kill: () => stop(p), log: () => out };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.write('PING\r\n');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    s.once('error', () => resolve(false));
  });
}

export class RedisProc {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly bind: readonly string[],
  ) {}

  /** A redis-server of the test's own, no persistence, listening on `bind` (127.0.0.1 and more). */
  static async start(bind: readonly string[] = ['127.0.0.1']): Promise<RedisProc> {
    const r = new RedisProc(await freePort(), bind);
    await r.restart();
    return r;
  }

  url(host = '127.0.0.1'): string {
    return `redis://${host}:${this.port}`;
  }

  /** Starts it (again, empty) and waits until it answers. */
  async restart(): Promise<void> {
    const p = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', ...this.bind, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    this.proc = p;
    running.add(p);
    const until = Date.now() + 10_000;
    while (!(await answers('127.0.0.1', this.port))) {
      if (Date.now() > until) throw new Error(`redis-server on ${this.port} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(): Promise<void> {
    if (this.proc) await stop(this.proc);
    this.proc = undefined;
  }
}
