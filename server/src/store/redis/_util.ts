// Small helpers every Redis store module shares.
import { createClient } from 'redis';
import { CommandDeadlines, withDeadlines } from './_deadline.ts';

/** A TTL Redis accepts: a whole number of milliseconds, at least 1. */
export function ms(n: number): number {
  return Math.max(1, Math.ceil(n));
}

export function positive(name: string, n: number): number {
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`${name}: expected a positive number, got ${n}`);
  return n;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** The URL as logs may show it: a password is never written. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The command connection. While the store has not started (`started()` false) reconnects give up at
 * the connect deadline, so start-up fails with a clear message; afterwards they go on, jittered.
 */
export function createStoreClient(
  url: string,
  connectTimeoutMs: number,
  started: () => boolean,
  deadlines: CommandDeadlines = new CommandDeadlines(),
): ReturnType<typeof createClient> {
  const deadline = Date.now() + connectTimeoutMs;
  const client: ReturnType<typeof createClient> = createClient({
    url,
    // Fail fast while Redis is away: the handlers answer STORE_UNAVAILABLE (retryable) instead
    // of queueing work that may be stale by the time Redis returns.
    disableOfflineQueue: true,
    // Command timeouts are ours (withDeadlines): node-redis' own cost a timer per command.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: Math.min(connectTimeoutMs, 5000),
      reconnectStrategy: (retries, cause) => {
        if (!started()) return Date.now() < deadline ? Math.min(50 * 2 ** retries, 500) : cause;
        return Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 200);
      },
    },
  });
  withDeadlines(client, deadlines);
  return client;
}
