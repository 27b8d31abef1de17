// Deadlines of the frames sockets hold back (Conn.sendHeld): a `sent` waiting for its `delivered`
// so the two share one write. At a human pace no two frames for one socket fall in the same turn,
// and a write is ~25 µs of sendto on loopback, more than half of what a light message costs
// (docs/performance.md "Sent and delivered in one write"); a held frame goes with the socket's next
// write, or alone at its deadline, whichever comes first.
//
// One FIFO per hold duration: with one duration the deadlines come in the order they were set, so
// a queue and one timer serve every socket, with no timer object per held frame. Several servers in
// one process (the tests) may hold for different durations, hence the map. The timer ticks at most
// every quarter of the hold: most entries are stale by their deadline (their frame left with a
// `delivered`), and a timer aimed at each one would wake an idle loop once per message, which costs
// about what the saved write does. A frame that does go alone may so leave up to a quarter late.

/** A socket that can hold frames back: release() writes them if `until` is still its deadline. */
export interface HoldingSocket {
  releaseHeld(until: number): void;
}

class DeadlineQueue {
  private readonly socks: HoldingSocket[] = [];
  private readonly until: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly tickMs: number;

  constructor(private readonly holdMs: number) {
    this.tickMs = Math.max(1, Math.ceil(holdMs / 4));
  }

  /** Schedules `sock`'s release; the deadline is returned for the socket to remember. */
  add(sock: HoldingSocket): number {
    const until = performance.now() + this.holdMs;
    this.socks.push(sock);
    this.until.push(until);
    if (this.timer === undefined) this.arm(this.holdMs);
    return until;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(ms)));
    // Held frames are not a reason to keep a process alive: a closing server drops its sockets.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    const { socks, until } = this;
    let i = this.head;
    for (; i < socks.length && until[i]! <= now; i++) {
      const sock = socks[i]!;
      socks[i] = undefined as unknown as HoldingSocket;
      sock.releaseHeld(until[i]!);
    }
    if (i === socks.length) {
      socks.length = until.length = 0;
      this.head = 0;
      return;
    }
    this.head = i;
    // Compact once the released prefix outweighs what is left, so the arrays stay small.
    if (i > 1024 && i * 2 > socks.length) {
      socks.splice(0, i);
      until.splice(0, i);
      this.head = 0;
    }
    this.arm(Math.max(this.tickMs, until[this.head]! - now));
  }
}

const queues = new Map<number, DeadlineQueue>();

/** Puts `sock` in the queue for `holdMs`; returns its deadline (a performance.now() time). */
export function holdUntil(sock: HoldingSocket, holdMs: number): number {
  let q = queues.get(holdMs);
  if (q === undefined) queues.set(holdMs, (q = new DeadlineQueue(holdMs)));
  return q.add(sock);
}
