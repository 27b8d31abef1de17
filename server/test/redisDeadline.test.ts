// Command timeouts of the Redis store (_deadline.ts): a command with no reply fails after the
// timeout, as with node-redis' default, but without node-redis' timer per command.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from 'redis';
import { randomId } from '../../protocol/index.ts';
import { CommandDeadlines } from '../src/store/redis/_deadline.ts';
import { createStoreClient } from '../src/store/redis/_util.ts';
import { redisUnreachable } from './helpers/cluster.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const down = await redisUnreachable(url);
if (down !== undefined && process.env.REQUIRE_REDIS === '1')
  throw new Error(`REQUIRE_REDIS=1 but Redis at ${url} is not reachable: ${down}`);

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const never = () => new Promise<never>(() => {});

describe('CommandDeadlines', () => {
  it('fails a command once its deadline passes, not before', async () => {
    const clock = fakeClock();
    const d = new CommandDeadlines(5000, clock.now);
    const p = d.track(never());
    const seen: unknown[] = [];
    p.catch((err: unknown) => seen.push(err));
    clock.advance(4999);
    d.check();
    await Promise.resolve();
    expect(seen).toEqual([]);
    clock.advance(1);
    d.check();
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(d.waiting).toBe(0);
  });

  it('passes replies and errors through, and forgets answered commands at once', async () => {
    const clock = fakeClock();
    const d = new CommandDeadlines(5000, clock.now);
    await expect(d.track(Promise.resolve('OK'))).resolves.toBe('OK');
    await expect(d.track(Promise.reject(new Error('ERR x')))).rejects.toThrow('ERR x');
    expect(d.waiting).toBe(0);
    clock.advance(10_000);
    d.check();
  });

  it('fails only the overdue commands: later ones keep their own deadline', async () => {
    const clock = fakeClock();
    const d = new CommandDeadlines(5000, clock.now);
    const first = d.track(never());
    first.catch(() => {});
    clock.advance(3000);
    const second = d.track(never());
    const settled: string[] = [];
    second.then(
      () => settled.push('second resolved'),
      () => settled.push('second failed'),
    );
    clock.advance(2000);
    d.check();
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    expect(settled).toEqual([]);
    expect(d.waiting).toBe(1);
    clock.advance(3000);
    d.check();
    await expect(second).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe.skipIf(down !== undefined)('the store client', () => {
  const opened: ReturnType<typeof createStoreClient>[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const c of opened.splice(0)) c.destroy();
  });

  async function client(d: CommandDeadlines) {
    const c = createStoreClient(url, 5000, () => true, d);
    c.on('error', () => {});
    opened.push(c);
    await c.connect();
    return c;
  }

  it('fails a command Redis does not answer (a blocked connection) with TimeoutError', async () => {
    const clock = fakeClock();
    const d = new CommandDeadlines(5000, clock.now);
    const c = await client(d);
    await expect(c.sendCommand(['PING'])).resolves.toBe('PONG');
    // BLPOP on a key nobody pushes to: Redis holds the reply back forever.
    const blocked = c.sendCommand(['BLPOP', `sm:test:${randomId()}:nothing`, '0']);
    clock.advance(5000);
    d.check();
    await expect(blocked).rejects.toBeInstanceOf(TimeoutError);
  });

  it('stays in step after a deadline: the late reply goes to the failed command, the next gets its own', async () => {
    const clock = fakeClock();
    const d = new CommandDeadlines(5000, clock.now);
    const c = await client(d);
    // Redis answers this one (nil) after a second of its own time, long after its deadline here.
    const late = c.sendCommand(['BLPOP', `sm:test:${randomId()}:nothing`, '1']);
    clock.advance(3000);
    const next = c.sendCommand(['ECHO', 'mine']);
    clock.advance(2000);
    d.check();
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await expect(next).resolves.toBe('mine');
  });

  it('starts no timer of its own per command (node-redis would: AbortSignal.timeout)', async () => {
    const c = await client(new CommandDeadlines());
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    await Promise.all(Array.from({ length: 20 }, () => c.sendCommand(['PING'])));
    await c.sendCommand(['EVAL', 'return 1', '0']);
    expect(timeout).not.toHaveBeenCalled();
  });
});
