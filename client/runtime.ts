// Time, timers and jitter are passed in, so tests drive them instead of sleeping. Cryptographic
// randomness is not: keys, nonces and ids always come from the platform CSPRNG (protocol/random.ts).

export type TimerHandle = unknown;

export interface Runtime {
  /** Wall clock, ms since the Unix epoch. */
  now(): number;
  /** Uniform in [0, 1): only for backoff jitter, never for secrets. */
  random(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface RuntimeOptions {
  clock?: () => number;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => TimerHandle;
  clearTimeout?: (handle: TimerHandle) => void;
}

export function createRuntime(o: RuntimeOptions = {}): Runtime {
  // Wrapped, not passed bare: browsers throw "Illegal invocation" when setTimeout loses its `this`.
  const st = o.setTimeout ?? ((fn: () => void, ms: number) => globalThis.setTimeout(fn, ms));
  const ct = o.clearTimeout ?? ((h: TimerHandle) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>));
  return {
    now: o.clock ?? (() => Date.now()),
    random: o.random ?? Math.random,
    setTimeout: st,
    clearTimeout: ct,
  };
}

/** A timer that is either scheduled or not; rescheduling replaces it. */
export class Timer {
  private _handle: TimerHandle | undefined;
  private _due = Infinity;

  /** unref: in Node, a pending run does not keep the process alive (a bot exits when its work is done). */
  constructor(
    private readonly _rt: Runtime,
    private readonly _opts: { readonly unref?: boolean } = {},
  ) {}

  get pending(): boolean {
    return this._handle !== undefined;
  }

  /** Schedules fn after ms, replacing any pending one. */
  set(ms: number, fn: () => void): void {
    this.clear();
    this._due = this._rt.now() + ms;
    this._handle = this._rt.setTimeout(
      () => {
        this._handle = undefined;
        this._due = Infinity;
        fn();
      },
      Math.max(0, ms),
    );
    if (this._opts.unref) (this._handle as { unref?: () => void } | null)?.unref?.();
  }

  /** Schedules fn after ms unless a pending run is already due sooner. */
  setEarliest(ms: number, fn: () => void): void {
    if (this._handle !== undefined && this._due <= this._rt.now() + ms) return;
    this.set(ms, fn);
  }

  clear(): void {
    if (this._handle !== undefined) this._rt.clearTimeout(this._handle);
    this._handle = undefined;
    this._due = Infinity;
  }
}

/**
 * Runs tasks one at a time, in order. Everything that reads-modifies-writes storage goes through
 * one queue, so an incoming frame and an app call never interleave half-way through an update.
 */
export class SerialQueue {
  private _tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly _onError: (err: unknown) => void) {}

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this._tail.then(fn);
    this._tail = p.catch(() => undefined);
    return p;
  }

  /** Fire and forget; errors go to onError. Never await a queued task from inside another one. */
  enqueue(fn: () => unknown): void {
    this.run(fn).catch(this._onError);
  }

  /** Resolves when every task queued so far has finished. */
  idle(): Promise<void> {
    return this._tail.then(() => undefined);
  }
}
