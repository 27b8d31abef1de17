// A command that gets no reply within COMMAND_TIMEOUT_MS fails with TimeoutError (the handlers
// then answer STORE_UNAVAILABLE, retryable). node-redis' own default command timeout (5 s) cost an
// AbortSignal.timeout per command: a timer and a signal that live the whole 5 s whether the reply
// came or not. At ~8 commands per delivered message they outlived the young generation by the tens
// of thousands and were the largest cost of the Redis path after the socket writes (issue 14).
// It also stopped counting once a command was written (commands-queue.js drops the listener), so
// a Redis that took a command and never answered kept it waiting until the socket broke; this
// deadline runs to the reply. One timer per client over a queue in issue order: a connection
// answers in order, so the oldest waiting command is first, and an answered one leaves the queue
// at once, young. No store command blocks in Redis: a reply 5 s late means a stuck or swamped Redis.
import { TimeoutError } from 'redis';

export const COMMAND_TIMEOUT_MS = 5000;

interface Waiting {
  readonly at: number;
  /** Until the command settles. */
  reject: ((err: Error) => void) | undefined;
}

export class CommandDeadlines {
  private q: Waiting[] = [];
  private head = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly timeoutMs = COMMAND_TIMEOUT_MS,
    private readonly clock: () => number = Date.now,
    /** How often the oldest command is looked at: a command fails within timeoutMs + tickMs. */
    private readonly tickMs = Math.max(1, Math.ceil(timeoutMs / 5)),
  ) {}

  /** Commands still waiting for their reply (or their deadline). */
  get waiting(): number {
    let n = 0;
    for (let i = this.head; i < this.q.length; i++) if (this.q[i]!.reject !== undefined) n++;
    return n;
  }

  /** `reply`, or a TimeoutError once the deadline passes without it. */
  track<T>(reply: Promise<T>): Promise<T> {
    const w: Waiting = { at: this.clock() + this.timeoutMs, reject: undefined };
    this.q.push(w);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.check(), this.tickMs);
      this.timer.unref();
    }
    return new Promise<T>((resolve, reject) => {
      w.reject = reject;
      reply.then(
        (v) => {
          this.settled(w);
          resolve(v);
        },
        (err: unknown) => {
          this.settled(w);
          reject(err);
        },
      );
    });
  }

  /** Fails every command whose deadline has passed; the timer's work, public for tests. */
  check(): void {
    const now = this.clock();
    for (let i = this.head; i < this.q.length; i++) {
      const w = this.q[i]!;
      if (w.reject === undefined) continue;
      // Issue order is deadline order: the first one still in time ends the search.
      if (w.at > now) break;
      const reject = w.reject;
      w.reject = undefined;
      reject(new TimeoutError());
    }
    this.trim();
    if (this.head === this.q.length && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private settled(w: Waiting): void {
    w.reject = undefined;
    this.trim();
  }

  /** Drops settled commands from the front; the array is rebuilt only once most of it is dead. */
  private trim(): void {
    const q = this.q;
    let h = this.head;
    while (h < q.length && q[h]!.reject === undefined) h++;
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h >= 1024 && h * 2 >= q.length) {
      this.q = q.slice(h);
      h = 0;
    }
    this.head = h;
  }
}

interface Sends {
  sendCommand(...args: never[]): Promise<unknown>;
}

/**
 * Puts every command of `client` (node-redis created with `commandOptions: { timeout: 0 }`) under
 * `deadlines`. node-redis sends its typed commands and scripts through sendCommand too.
 */
export function withDeadlines<C extends Sends>(client: C, deadlines: CommandDeadlines): void {
  const send = client.sendCommand as (this: C, ...args: unknown[]) => Promise<unknown>;
  client.sendCommand = function (this: C, ...args: unknown[]): Promise<unknown> {
    return deadlines.track(send.apply(this, args));
  } as C['sendCommand'];
}
