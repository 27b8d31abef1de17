// Real processes for the scale-out tests: relay instances (npm start's entry point), a private
// redis-server a test may kill and restart, nginx in front. Every instance of a test shares a key
// prefix of its own in the shared Redis; nothing here may FLUSHALL (other suites share that Redis).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { randomId } from '../../../protocol/index.ts';
import { freePort, TEST_METRICS_TOKEN } from '../../../testkit/net.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** REDIS_ID_SECRET for the test instances and stores (the one CI exports, or a fixed test value). */
export const TEST_ID_SECRET = process.env.REDIS_ID_SECRET ?? 'test-only-redis-id-secret-0123456789';
const ROOT = new URL('../../..', import.meta.url).pathname;
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
export const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Why Redis at url cannot be used, or undefined when it answers PING. */
export async function redisUnreachable(url = REDIS_URL): Promise<string | undefined> {
  const c = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    await c.close();
    return undefined;
  } catch (err) {
    c.destroy();
    return err instanceof Error ? err.message || err.name : String(err);
  }
}

/**
 * Decides, once per file, whether its Redis tests run: CI (REQUIRE_REDIS=1) fails loudly when
 * something they need is missing, a laptop without it skips with a message saying why.
 */
export async function scaleOutGate(what: string, needs: { nginx?: boolean; redisServer?: boolean } = {}): Promise<string | undefined> {
  const down = await redisUnreachable();
  const missing =
    down !== undefined
      ? `Redis at ${REDIS_URL} is not reachable (${down})`
      : needs.nginx && NGINX === undefined
        ? 'nginx is not installed (/usr/sbin/nginx)'
        : needs.redisServer && !HAS_REDIS_SERVER
          ? 'redis-server is not installed (a private one is started and killed)'
          : undefined;
  if (missing === undefined) return undefined;
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but ${missing}: ${what} cannot run`);
  console.warn(`Skipping ${what}: ${missing}. Set REQUIRE_REDIS=1 to fail instead.`);
  return missing;
}

export function testPrefix(): string {
  return `sm:test:${randomId().slice(0, 12)}:`;
}

/** Deletes a test's keys (SCAN on its own prefix: a test helper, never a server path). */
export async function wipePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const c = createClient({ url });
  c.on('error', () => {});
  try {
    await c.connect();
    for await (const keys of c.scanIterator({ MATCH: prefix + '*', COUNT: 1000 })) if (keys.length > 0) await c.del(keys);
    await c.close();
  } catch {
    c.destroy();
  }
}

/** One command against a Redis (tests only). */
export async function redisCommand<T>(args: string[], url = REDIS_URL): Promise<T> {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  try {
    return await c.sendCommand<T>(args);
  } finally {
    await c.close();
  }
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A redis-server of the test's own, on a free port, with no persistence: a restart is an empty Redis. */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.restart();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, empty) and waits until it answers. */
  async restart(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await until(async () => (await redisUnreachable(this.url)) === undefined, `redis-server on ${this.port}`, 10_000);
  }

  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGKILL');
    await once(p, 'exit');
  }
}

export interface InstanceOptions {
  readonly redisUrl?: string;
  readonly prefix: string;
  readonly env?: Record<string, string>;
}

/** One relay process (server/src/main.ts), on a port of its own. */
export class Instance {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  port = 0;
  private constructor(readonly proc: ChildProcess) {}

  static async start(opts: InstanceOptions): Promise<Instance> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        STATIC_DIR: '/nonexistent-static-dir',
        REDIS_URL: opts.redisUrl ?? REDIS_URL,
        REDIS_KEY_PREFIX: opts.prefix,
        REDIS_ID_SECRET: TEST_ID_SECRET,
        PRESENCE_DEBOUNCE: '300ms',
        INSTANCE_TTL: '2s',
        HEARTBEAT_INTERVAL: '5s',
        METRICS_TOKEN: TEST_METRICS_TOKEN,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inst = new Instance(proc);
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      inst.lines.push(...parts.filter(Boolean));
    });
    proc.stderr!.on('data', (d: Buffer) => inst.stderr.push(d.toString()));
    running.add(inst);
    try {
      await until(() => inst.event('listening') !== undefined || proc.exitCode !== null, 'an instance to listen', 30_000);
    } catch (err) {
      inst.proc.kill('SIGKILL');
      throw err;
    }
    const listening = inst.event('listening');
    if (!listening) throw new Error(`instance exited ${proc.exitCode}: ${inst.stderr.join('')}${inst.lines.join('\n')}`);
    inst.port = listening.port as number;
    return inst;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first JSON log line with this event. */
  event(name: string): Record<string, unknown> | undefined {
    for (const l of this.lines) {
      if (!l.includes(`"event":"${name}"`)) continue;
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        // a partial line
      }
    }
    return undefined;
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.httpUrl}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** kill -9: no close frames, no goodbye to Redis. */
  async crash(): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGKILL');
    await once(this.proc, 'exit');
  }

  async stop(): Promise<void> {
    running.delete(this);
    if (!this.alive) return;
    this.proc.kill('SIGTERM');
    const exited = once(this.proc, 'exit');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const running = new Set<Instance>();

/** Ends every instance still running (afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((i) => i.stop()));
}

/**
 * nginx in front of instances, running docs/nginx.conf (an http-context file) with its listen port
 * and upstream servers substituted, inside a minimal main configuration whose logs, pid and
 * temporary files live in a directory of its own.
 */
export class Nginx {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  /** docs/nginx.conf with the ports replaced; throws when the file no longer has what is replaced. */
  static site(listenPort: number, upstreams: readonly number[]): string {
    const shipped = readFileSync(join(ROOT, 'docs/nginx.conf'), 'utf8');
    const servers = shipped.match(/^ *server 127\.0\.0\.1:\d+[^;\n]*;$/gm);
    if (!servers || servers.length === 0) throw new Error('docs/nginx.conf: no "server 127.0.0.1:PORT …;" lines in the upstream block');
    const block = upstreams.map((p) => servers[0]!.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${p}`)).join('\n');
    const site = shipped.replace(servers.join('\n'), block).replace(/^( *)listen 8080;$/m, `$1listen 127.0.0.1:${listenPort};`);
    if (!site.includes(`listen 127.0.0.1:${listenPort};`)) throw new Error('docs/nginx.conf: no "listen 8080;" line');
    return site;
  }

  static config(dir: string, listenPort: number, upstreams: readonly number[]): string {
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/tmp/${t};`).join('\n');
    return [
      'worker_processes 1;',
      `error_log ${dir}/logs/error.log info;`,
      `pid ${dir}/logs/nginx.pid;`,
      'events { worker_connections 1024; }',
      'http {',
      '    access_log off;',
      temps,
      Nginx.site(listenPort, upstreams),
      '}',
      '',
    ].join('\n');
  }

  /** `listenPort`: chosen beforehand when the instances must be told it (PUBLIC_ORIGINS). */
  static async start(upstreams: readonly number[], listenPort?: number): Promise<Nginx> {
    const dir = mkdtempSync(join(tmpdir(), 'sm-nginx-'));
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'tmp'));
    const port = listenPort ?? (await freePort());
    writeFileSync(join(dir, 'nginx.conf'), Nginx.config(dir, port, upstreams));
    const proc = spawn(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir + '/', '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const err: string[] = [];
    proc.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
    const n = new Nginx(proc, port, dir);
    await until(
      async () => {
        if (proc.exitCode !== null) throw new Error(`nginx exited ${proc.exitCode}: ${err.join('')}`);
        return fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.arrayBuffer().then(() => true),
          () => false,
        );
      },
      'nginx to answer',
      10_000,
    );
    return n;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, 'logs/error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await once(this.proc, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
