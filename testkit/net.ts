// Ports for processes started by tests and the bench: one free to hand to a child, and the wait
// until the child answers on it. Loopback only.
import { connect, createServer, type Server } from 'node:net';

export const HOST = '127.0.0.1';

/**
 * A port free right now. The child is then given the number rather than 0, so a restart can bind
 * the same port (uSockets sets SO_REUSEADDR only for a named port; a killed server's sockets
 * linger in TIME_WAIT).
 */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.unref();
  const port = await listenOnFreePort(srv);
  await closeServer(srv);
  return port;
}

/** Starts a test's own server (a proxy, a push service; net or http) on a port the kernel picks. */
export function listenOnFreePort(server: Server, host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

/** Stops listening and resolves once the server's own sockets are gone: end them first. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Whether something accepts a TCP connection on the port now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export type PortWait = 'listening' | 'exited' | 'timeout';

/**
 * Polls until the port answers. `gone` is asked first each round, so a child that died (say, on
 * EADDRINUSE) is reported even when something else holds the port.
 */
export async function waitForPort(port: number, deadline: number, gone: () => boolean = () => false): Promise<PortWait> {
  for (;;) {
    if (gone()) return 'exited';
    if (await canConnect(port)) return 'listening';
    if (Date.now() > deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** METRICS_TOKEN the test servers are started with: /metrics is private (docs/operations.md). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-not-secret';

/** The Prometheus text of a server started with TEST_METRICS_TOKEN. */
export async function scrapeMetrics(httpUrl: string): Promise<string> {
  const get = () => fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
  // A kept-alive connection the server closed between two polls fails once ("other side closed"):
  // that is the pool's race, not an answer, so ask again on a fresh connection.
  const res = await get().catch(get);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
