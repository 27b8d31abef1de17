// A TCP fault proxy for tests: every connection to its port is forwarded to one target, and the test
// decides what the network does meanwhile, for all connections at once (the kernel here has no
// netem, so this is how a slow, stalled or resetting link is made):
//   latency(ms)  each chunk is delivered ms later, in order, in both directions
//   stall()      bytes stop moving in both directions; sockets stay open, nothing is closed or
//                reset (a NAT that dropped the flow, a dead Wi-Fi), new connections hang the same way
//   reset()      every open connection is reset on both sides (RST, not FIN)
//   down()/up()  new connections are refused (RST) while down; up() also ends a stall and flushes
//                what the stall held back, as a path that comes back delivers retransmitted data
import { connect, createServer, type Server, type Socket } from 'node:net';
import { closeServer, listenOnFreePort } from './net.ts';

interface Link {
  readonly a: Socket;
  readonly b: Socket;
  /** Chunks held while stalled, per direction, forwarded in order at heal. */
  readonly heldAB: Buffer[];
  readonly heldBA: Buffer[];
}

export class FaultProxy {
  private readonly links = new Set<Link>();
  private delayMs = 0;
  private stalled = false;
  private refusing = false;
  /** Counters a test can report: connections accepted, refused while down, reset by reset(). */
  accepted = 0;
  refused = 0;
  resets = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly host: string,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1', listenHost = '127.0.0.1'): Promise<FaultProxy> {
    let self: FaultProxy | undefined;
    const server = createServer({ noDelay: true }, (a) => self!.accept(a, targetPort, targetHost));
    self = new FaultProxy(server, await listenOnFreePort(server, listenHost), listenHost);
    return self;
  }

  get url(): string {
    return `ws://${this.host}:${this.port}/ws`;
  }

  get open(): number {
    return this.links.size;
  }

  latency(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  stall(): void {
    this.stalled = true;
  }

  reset(): void {
    for (const l of this.links) {
      this.resets++;
      l.a.resetAndDestroy();
      l.b.resetAndDestroy();
    }
    this.links.clear();
  }

  down(): void {
    this.refusing = true;
  }

  /** Heals everything: no latency, no stall, connections accepted; held bytes are delivered. */
  up(): void {
    this.refusing = false;
    this.delayMs = 0;
    if (!this.stalled) return;
    this.stalled = false;
    for (const l of this.links) {
      for (const d of l.heldAB.splice(0)) if (!l.b.destroyed) l.b.write(d);
      for (const d of l.heldBA.splice(0)) if (!l.a.destroyed) l.a.write(d);
    }
  }

  async close(): Promise<void> {
    for (const l of this.links) {
      l.a.destroy();
      l.b.destroy();
    }
    this.links.clear();
    await closeServer(this.server);
  }

  private accept(a: Socket, port: number, host: string): void {
    a.on('error', () => undefined);
    if (this.refusing) {
      this.refused++;
      a.resetAndDestroy();
      return;
    }
    this.accepted++;
    const b = connect({ host, port, noDelay: true });
    b.on('error', () => undefined);
    const link: Link = { a, b, heldAB: [], heldBA: [] };
    this.links.add(link);
    this.pipe(a, b, link.heldAB);
    this.pipe(b, a, link.heldBA);
    const end = (): void => {
      if (!this.links.delete(link)) return;
      // A close on one side is passed on as a close (FIN), after anything still delayed.
      setTimeout(() => {
        a.destroy();
        b.destroy();
      }, this.delayMs);
    };
    a.on('close', end);
    b.on('close', end);
  }

  private pipe(from: Socket, to: Socket, held: Buffer[]): void {
    // Each chunk is due at max(now + latency, the previous chunk's due time): order is kept when the
    // latency drops (timers fire by expiry, equal expiries in creation order).
    let lastDue = 0;
    from.on('data', (d: Buffer) => {
      if (this.stalled) {
        held.push(d);
        return;
      }
      const now = performance.now();
      const due = Math.max(now + this.delayMs, lastDue);
      lastDue = due;
      if (due <= now && held.length === 0) {
        if (!to.destroyed) to.write(d);
        return;
      }
      setTimeout(() => {
        if (!to.destroyed) to.write(d);
      }, due - now);
    });
  }
}
