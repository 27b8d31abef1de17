// Real servers on port 0 for tests, closed after each test, plus the "honest pair" check every
// hostile test ends with: whatever an attacker did, two ordinary users can still talk.
import { afterEach, expect } from 'vitest';
import { startServer, type RunningServer, type StartOptions } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { freePort, TEST_METRICS_TOKEN } from '../../../testkit/net.ts';
import type { Identity } from '../../../protocol/index.ts';
import { connectAs, connectedPair, type RawClient } from './rawClient.ts';

const running = new Set<RunningServer>();
const clients = new Set<RawClient>();

afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  clients.clear();
  for (const s of running) await s.close();
  running.clear();
});

/** A server for this test; closed (with its clients) after it. */
export async function start(config: Partial<Config> = {}, opts: Omit<StartOptions, 'config'> = {}): Promise<RunningServer> {
  // Behind a proxy the server must be told where clients dial (PUBLIC_ORIGINS); tests dial it directly.
  const behindProxy = (config.trustProxy ?? 0) > 0 && (config.publicOrigins ?? []).length === 0 ? await directOrigin(config.port) : {};
  const srv = await startServer({
    config: {
      host: '127.0.0.1',
      port: 0,
      staticDir: '/nonexistent-static-dir',
      metricsToken: TEST_METRICS_TOKEN,
      ...config,
      ...behindProxy,
    },
    log: opts.log ?? silentLogger(),
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.blobStore ? { blobStore: opts.blobStore } : {}),
    ...(opts.transport ? { transport: opts.transport } : {}),
  });
  running.add(srv);
  return srv;
}

async function directOrigin(port = 0): Promise<Partial<Config>> {
  const p = port === 0 ? await freePort() : port;
  return { port: p, publicOrigins: [`ws://127.0.0.1:${p}`] };
}

/** Registers clients to be torn down after the test. */
export function track<T extends RawClient>(c: T): T {
  clients.add(c);
  return c;
}

/** A client authenticated as `who`, torn down after the test. */
export async function as(url: string, who: Identity, opts: Parameters<typeof connectAs>[2] = {}): Promise<RawClient> {
  return track(await connectAs(url, who, opts));
}

/** A clock tests move by hand. */
export function fakeClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Two fresh users exchange a message both ways and /health answers 200. */
export async function expectHonestPairWorks(srv: RunningServer, now = Date.now()): Promise<void> {
  const { a, b, alice, bob } = await connectedPair(srv.url, now);
  track(a);
  track(b);
  const id1 = a.sendEnvelope(bob.sessionId);
  expect((await a.next('sent')).id).toBe(id1);
  const got = await b.next((f) => f.type === 'envelope' && f.id === id1);
  expect(got.from).toBe(alice.sessionId);
  const id2 = b.sendEnvelope(alice.sessionId);
  expect((await a.next((f) => f.type === 'envelope' && f.id === id2)).from).toBe(bob.sessionId);
  const health = await fetch(`${srv.httpUrl}/health`);
  expect(health.status).toBe(200);
  await health.arrayBuffer();
  await a.close();
  await b.close();
}

/** Polls cond until it holds; fails after timeoutMs. For server-side state a socket cannot observe. */
export async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
