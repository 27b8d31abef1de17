// Helpers for the integration suites: real servers on port 0, real sockets (ws), real clients.
// Waits are bounded and fail with a message; nothing asserts on how long anything took.
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { startServer, type RunningServer } from '../../server/src/app.ts';
import { TEST_METRICS_TOKEN } from '../../testkit/net.ts';
import type { Config } from '../../server/src/config.ts';
import { MemoryStorage, MessengerClient, type ClientEvents, type MessengerClientOptions, type WebSocketConstructor } from '../index.ts';

const servers = new Set<RunningServer>();
const clients = new Set<MessengerClient>();

afterEach(async () => {
  await Promise.all([...clients].map((c) => c.disconnect().catch(() => undefined)));
  clients.clear();
  await Promise.all([...servers].map((s) => s.close().catch(() => undefined)));
  servers.clear();
});

export async function server(config: Partial<Config> = {}, clock?: () => number): Promise<RunningServer> {
  const s = await startServer({
    config: { port: 0, host: '127.0.0.1', logLevel: 'error', metricsToken: TEST_METRICS_TOKEN, ...config },
    ...(clock && { clock }),
  });
  servers.add(s);
  return s;
}

/**
 * A server that restart() can replace on the same port. uSockets sets SO_REUSEADDR only when a
 * port is named, and the sockets kill() drops linger in TIME_WAIT, which blocks a new listener on
 * a port first bound as port 0; so find a free port with port 0, then bind it by number.
 */
export async function restartableServer(config: Partial<Config> = {}): Promise<RunningServer> {
  const probe = await server(config);
  await probe.close();
  servers.delete(probe);
  return server({ ...config, port: probe.port });
}

/** Abrupt restart on the same port with a new, empty store: a new epoch, mailboxes gone. */
export async function restart(old: RunningServer, config: Partial<Config> = {}): Promise<RunningServer> {
  old.kill();
  servers.delete(old);
  // The port is released by the event loop, not synchronously by kill().
  for (let attempt = 0; ; attempt++) {
    try {
      return await server({ ...config, port: old.port });
    } catch (err) {
      if (attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export async function client(srv: RunningServer | string | string[], opts: Partial<MessengerClientOptions> = {}): Promise<MessengerClient> {
  const c = await MessengerClient.create({
    url: typeof srv === 'string' || Array.isArray(srv) ? srv : srv.url,
    storage: new MemoryStorage(),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: { baseMs: 20, maxMs: 200 },
    retry: { baseMs: 20, maxMs: 200 },
    network: null,
    ...opts,
  });
  clients.add(c);
  return c;
}

/** A user on a fresh client: its Session ID and recovery phrase. */
export interface TestUser {
  readonly c: MessengerClient;
  readonly id: string;
  readonly phrase: string;
}

/** A client with a new identity, connected. */
export async function user(srv: RunningServer, opts: Partial<MessengerClientOptions> = {}): Promise<TestUser> {
  const c = await client(srv, opts);
  const { sessionId, phrase } = await c.createIdentity();
  await c.connect();
  return { c, id: sessionId, phrase };
}

/** A second device of the same identity, connected. */
export async function device(srv: RunningServer, phrase: string, opts: Partial<MessengerClientOptions> = {}): Promise<MessengerClient> {
  const c = await client(srv, opts);
  await c.restoreIdentity(phrase);
  await c.connect();
  return c;
}

/** The next event matching pred. Register before the action that causes it. */
export function next<K extends keyof ClientEvents>(
  c: MessengerClient,
  event: K,
  pred: (p: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 8000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for a ${String(event)} event`));
    }, timeoutMs);
    const off = c.on(event, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Collects every event of a kind from now on. */
export function collect<K extends keyof ClientEvents>(c: MessengerClient, event: K): ClientEvents[K][] {
  const out: ClientEvents[K][] = [];
  c.on(event, (p) => out.push(p));
  return out;
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Alice invites Bob and Bob accepts; resolves when both sides hold the contact. */
export async function befriend(a: { c: MessengerClient; id: string }, b: { c: MessengerClient; id: string }): Promise<void> {
  const invited = next(b.c, 'invitation', (i) => i.peer === a.id);
  const told = next(a.c, 'invitationUpdate', (u) => u.peer === b.id && u.status === 'accepted');
  const id = await a.c.sendInvitation({ recipientId: b.id, displayName: 'A', message: 'hi' });
  await invited;
  await b.c.acceptInvitation(id);
  await told;
  await eventually(async () => (await b.c.getContact(a.id))?.state === 'accepted', 'the invitee holds the contact');
}

/** Alice and Bob, each on their own client, already contacts: where most end-to-end tests start. */
export async function friends(srv: RunningServer): Promise<{ alice: TestUser; bob: TestUser }> {
  const alice = await user(srv);
  const bob = await user(srv);
  await befriend(alice, bob);
  return { alice, bob };
}
