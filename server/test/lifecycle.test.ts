// Start, graceful close, abrupt kill, and the real entry point (npm start) with its signals and
// configuration errors.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { MemoryStore } from '../src/store/memory/memory.ts';
import { connectAs, newIdentity, RawClient } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';

const root = new URL('../..', import.meta.url).pathname;

function runMain(env: Record<string, string>): {
  child: ReturnType<typeof spawn>;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, err, exit };
}

async function waitFor<T>(get: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('server lifecycle', () => {
  it('listens on port 0 and reports the bound port and urls', async () => {
    const srv = await start();
    expect(srv.port).toBeGreaterThan(0);
    expect(srv.url).toBe(`ws://127.0.0.1:${srv.port}/ws`);
    expect(srv.httpUrl).toBe(`http://127.0.0.1:${srv.port}`);
    expect(srv.store.kind).toBe('memory');
    expect(srv.config.port).toBe(0);
  });

  it('close(): every socket gets GOING_AWAY and close 1001, and the port stops listening', async () => {
    const srv = await startServer({ config: { host: '127.0.0.1', port: 0 }, log: silentLogger() });
    const a = track(await connectAs(srv.url, newIdentity()));
    const pending = track(await RawClient.connect(srv.url));
    await srv.close();
    for (const c of [a, pending]) {
      expect(await c.closed()).toEqual({ code: 1001, reason: 'GOING_AWAY' });
      expect(c.received.at(-1)).toMatchObject({ type: 'error', code: 'GOING_AWAY' });
    }
    await expect(RawClient.connect(srv.url)).rejects.toThrow();
  });

  it('kill(): sockets drop without a close frame and the store survives for a restart', async () => {
    const store = new MemoryStore();
    const srv = await startServer({ config: { host: '127.0.0.1', port: 0 }, log: silentLogger(), store });
    const a = track(await connectAs(srv.url, newIdentity()));
    srv.kill();
    expect((await a.closed()).code).toBe(1006);
    const again = await start({}, { store });
    expect((await track(await RawClient.connect(again.url)).hello!).epoch).toBe(store.epoch);
  });

  it('refuses to start when REDIS_URL points at no Redis, naming it without its password', async () => {
    const err = await startServer({
      config: { host: '127.0.0.1', port: 0, redisUrl: 'redis://app:hunter2@127.0.0.1:1', redisIdSecret: 'a-secret-of-sixteen+' },
      log: silentLogger(),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:1\/? is not reachable: .*ECONNREFUSED/);
    expect(err?.message).not.toContain('hunter2');
  }, 30_000);
});

describe('npm start (server/src/main.ts)', () => {
  it('logs "listening" as JSON, serves, and exits 0 on SIGTERM after closing sockets with 1001', async () => {
    const run = runMain({ LOG_LEVEL: 'info' });
    const listening = await waitFor(() =>
      run.out.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'listening'),
    );
    expect(listening).toMatchObject({ level: 'info', store: 'memory' });
    const port = listening.port as number;
    const c = await RawClient.connect(`ws://127.0.0.1:${port}/ws`);
    await c.auth(newIdentity());
    run.child.kill('SIGTERM');
    expect(await c.closed()).toEqual({ code: 1001, reason: 'GOING_AWAY' });
    expect(await run.exit).toBe(0);
  }, 30_000);

  it('exits 1 with a message naming a bad variable', async () => {
    const run = runMain({ HEARTBEAT_INTERVAL: 'often' });
    expect(await run.exit).toBe(1);
    expect(run.err.join('')).toContain('HEARTBEAT_INTERVAL="often" is invalid');
  }, 30_000);

  it('exits 1 naming REDIS_ID_SECRET when REDIS_URL is set without it (issue 11: no Session IDs in Redis key names)', async () => {
    const run = runMain({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_ID_SECRET: '' });
    expect(await run.exit).toBe(1);
    expect(run.err.join('')).toMatch(/^session-messenger: configuration error: REDIS_ID_SECRET is required when REDIS_URL is set/);
  }, 30_000);

  it('exits 1 with a clear message when Redis cannot be reached at start-up', async () => {
    const run = runMain({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_ID_SECRET: 'a-secret-of-sixteen+' });
    expect(await run.exit).toBe(1);
    expect(run.err.join('')).toMatch(
      /^session-messenger: cannot start: Redis at redis:\/\/127\.0\.0\.1:1\/? is not reachable: .*ECONNREFUSED/,
    );
    expect(run.out.some((l) => l.includes('"event":"listening"'))).toBe(false);
  }, 30_000);
});
