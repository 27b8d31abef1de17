// Clocks for clients that live through weeks in a test: a hand-moved one, and one whose long timers
// (renewals, re-invitations: scheduledPass.ts) follow it while short ones run in real time.
import { MemoryStorage } from '../index.ts';
import { befriend, eventually, server, user } from './integration.ts';

export const HOUR = 3_600_000;

export function sharedClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

class LongTimer {
  constructor(
    readonly at: number,
    readonly fn: () => void,
  ) {}
}

/**
 * sharedClock, plus timers for a client that stays connected while it moves: one of an hour or more
 * (renewals, re-invitations) follows the hand-moved clock and runs when advance() passes its
 * time; shorter ones (heartbeats, backoff, waits) run in real time, so the socket stays up.
 */
export function movingClock() {
  const clock = sharedClock();
  const long = new Set<LongTimer>();
  return {
    now: clock.now,
    setTimeout: (fn: () => void, ms: number): unknown => {
      if (ms < HOUR) return globalThis.setTimeout(fn, ms);
      const t = new LongTimer(clock.now() + ms, fn);
      long.add(t);
      return t;
    },
    clearTimeout: (h: unknown): void => {
      if (h instanceof LongTimer) long.delete(h);
      else globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>);
    },
    /** When the long timers set now will run. */
    armed: (): number[] => [...long].map((t) => t.at),
    advance(ms: number): void {
      clock.advance(ms);
      for (const t of [...long]) {
        if (t.at > clock.now()) continue;
        long.delete(t);
        t.fn();
      }
    },
  };
}

/**
 * Alice and Bob are contacts on a real server that shares a movingClock; Alice's device (on
 * `storage`) runs its long timers on that clock and has its account document on the server.
 */
export async function contactsOnMovingClock() {
  const clock = movingClock();
  const srv = await server({}, clock.now);
  const storage = new MemoryStorage();
  const alice = await user(srv, { clock: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, storage });
  const bob = await user(srv, { clock: clock.now });
  await befriend(alice, bob);
  await eventually(async () => (await storage.getAccount())?.dirty === false, 'the document on the server');
  await alice.c.idle();
  return { clock, srv, storage, alice, bob };
}
