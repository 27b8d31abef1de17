// Message traffic between connected pairs inside one worker: paced (open loop, a fixed offered
// rate) or closed (a window of messages in flight per direction). Sender and receiver of a pair
// live in the same thread, so latency is one clock: performance.now() at send → at receipt.
// A message id is runTag (8) ‖ worker (4) ‖ seq (20 hex), so a receipt finds its send time by
// index and anything from another run is recognised and ignored.
import type { ServerFrames } from '../../protocol/index.ts';
import { ACK_DELAY_MS, type FrameSink, type LeanConn } from './conn.ts';
import type { TrafficArgs, TrafficResult } from './rpc.ts';

/** A Float64Array that grows; set() beyond the end extends it with NaN. */
export class Samples {
  data = new Float64Array(1024).fill(NaN);
  length = 0;

  private ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length;
    while (cap < n) cap *= 2;
    const next = new Float64Array(cap).fill(NaN);
    next.set(this.data);
    this.data = next;
  }

  push(v: number): void {
    this.ensure(this.length + 1);
    this.data[this.length++] = v;
  }

  set(i: number, v: number): void {
    this.ensure(i + 1);
    this.data[i] = v;
    if (i >= this.length) this.length = i + 1;
  }

  get(i: number): number {
    return i < this.length ? this.data[i]! : NaN;
  }

  /** A compact copy, ready to transfer. */
  take(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What was seen of each message (a bit per kind of frame), so a second arrival counts as a duplicate. */
export class SeenFlags {
  private flags = new Uint8Array(1024);
  duplicates = 0;

  /** true when seq already had this bit (counted as a duplicate). */
  mark(seq: number, bit: number): boolean {
    if (seq >= this.flags.length) {
      const next = new Uint8Array(Math.max(seq + 1, this.flags.length * 2));
      next.set(this.flags);
      this.flags = next;
    }
    if (this.flags[seq]! & bit) {
      this.duplicates++;
      return true;
    }
    this.flags[seq]! |= bit;
    return false;
  }
}

/** Polls until `done` or the timeout: what is still missing then is reported as lost. */
export async function settle(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await sleep(10);
}

export class Traffic implements FrameSink {
  private readonly a: TrafficArgs;
  private readonly conns: LeanConn[];
  private readonly prefix: string;
  private seq = 0;
  private readonly sendAt = new Samples();
  /** 1 once received, 2 once `sent`, 4 once delivered: duplicates are spotted per kind. */
  private readonly seen = new SeenFlags();
  private readonly latency = new Samples();
  private readonly sentLatency = new Samples();
  private readonly deliveredLatency = new Samples();
  private received = 0;
  private sentAcked = 0;
  private deliveredCount = 0;
  private foreign = 0;
  private receivedInWindow = 0;
  private readonly errors: Record<string, number> = {};
  private start = 0;
  private measureFrom = 0;
  private endAt = 0;
  private maxLag = 0;
  private acksAtWindow = 0;
  private acksAtEnd = 0;

  constructor(args: TrafficArgs, conns: LeanConn[], workerIndex: number) {
    this.a = args;
    this.conns = conns;
    this.prefix = args.runTag + workerIndex.toString(16).padStart(4, '0');
    for (let k = 0; k + 1 < conns.length; k += 2) {
      conns[k]!.partner = conns[k + 1]!;
      conns[k + 1]!.partner = conns[k]!;
    }
    for (const c of conns) c.sink = this;
  }

  /**
   * `at`: when the message was due. Paced traffic passes its schedule, so a generator that falls
   * behind (a busy core, a stalled socket) shows in the latency instead of hiding it (coordinated
   * omission); the closed loop sends when a receipt releases it, i.e. now.
   */
  private send(from: LeanConn, to: LeanConn, at = performance.now()): void {
    const seq = this.seq++;
    this.sendAt.set(seq, at);
    from.sendEnvelope(this.prefix + seq.toString(16).padStart(20, '0'), to.sessionId, this.a.ct, this.a.ephemeral);
  }

  private mark(id: string, bit: number): number {
    if (!id.startsWith(this.prefix)) {
      this.foreign++;
      return -1;
    }
    const seq = parseInt(id.slice(12), 16);
    return this.seen.mark(seq, bit) ? -1 : seq;
  }

  envelope(conn: LeanConn, f: ServerFrames['envelope'], now: number): void {
    const seq = this.mark(f.id, 1);
    if (seq < 0) return;
    this.received++;
    const t0 = this.sendAt.get(seq);
    if (t0 >= this.measureFrom) this.latency.push(now - t0);
    if (now >= this.measureFrom && now <= this.endAt) this.receivedInWindow++;
    if (this.a.mode === 'closed' && now < this.endAt && conn.partner) this.send(conn.partner, conn);
  }

  sent(_conn: LeanConn, f: ServerFrames['sent'], now: number): void {
    const seq = this.mark(f.id, 2);
    if (seq < 0) return;
    this.sentAcked++;
    const t0 = this.sendAt.get(seq);
    if (t0 >= this.measureFrom) this.sentLatency.push(now - t0);
  }

  delivered(_conn: LeanConn, f: ServerFrames['delivered'], now: number): void {
    const seq = this.mark(f.id, 4);
    if (seq < 0) return;
    this.deliveredCount++;
    const t0 = this.sendAt.get(seq);
    if (t0 >= this.measureFrom) this.deliveredLatency.push(now - t0);
  }

  error(_conn: LeanConn, f: ServerFrames['error']): void {
    this.errors[f.code] = (this.errors[f.code] ?? 0) + 1;
  }

  private async pace(): Promise<void> {
    const pairs = this.conns.length >> 1;
    const total = Math.floor((this.a.ratePerSec * this.a.durationMs) / 1000);
    let k = 0;
    while (k < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - this.start) * this.a.ratePerSec) / 1000));
      if (due > k) this.maxLag = Math.max(this.maxLag, now - (this.start + (k * 1000) / this.a.ratePerSec));
      for (; k < due; k++) {
        const p = k % pairs;
        const forward = Math.floor(k / pairs) % 2 === 0;
        const a = this.conns[2 * p]!;
        const b = this.conns[2 * p + 1]!;
        const at = this.start + (k * 1000) / this.a.ratePerSec;
        if (forward) this.send(a, b, at);
        else this.send(b, a, at);
      }
      await sleep(1);
    }
  }

  private primeWindow(): void {
    for (let w = 0; w < this.a.window; w++) {
      for (let k = 0; k + 1 < this.conns.length; k += 2) {
        this.send(this.conns[k]!, this.conns[k + 1]!);
        this.send(this.conns[k + 1]!, this.conns[k]!);
      }
    }
  }

  private settledNow(): boolean {
    const n = this.seq;
    return this.received >= n && (!this.a.expectSent || this.sentAcked >= n) && (!this.a.expectDelivered || this.deliveredCount >= n);
  }

  async run(): Promise<TrafficResult> {
    this.start = performance.now();
    const acks = (): number => this.conns.reduce((n, c) => n + c.acksSent, 0);
    this.acksAtWindow = acks();
    this.acksAtEnd = -1;
    const marks = [
      setTimeout(() => (this.acksAtWindow = acks()), this.a.warmupMs),
      setTimeout(() => (this.acksAtEnd = acks()), this.a.durationMs),
    ];
    this.measureFrom = this.start + this.a.warmupMs;
    this.endAt = this.start + this.a.durationMs;
    if (this.a.mode === 'paced') await this.pace();
    else {
      this.primeWindow();
      await sleep(this.a.durationMs);
    }
    await settle(() => this.settledNow(), this.a.settleTimeoutMs);
    for (const t of marks) clearTimeout(t);
    // A phase that settled before its sending period's end: that end is now.
    if (this.acksAtEnd < 0) this.acksAtEnd = acks();
    // The last notices' acks wait out the SDK's ack window: they belong to this phase, not the next.
    await settle(() => !this.conns.some((c) => c.ackOwed && c.state === 'ready'), ACK_DELAY_MS + 1000);
    for (const c of this.conns) c.sink = null;
    return {
      acksInWindow: this.acksAtEnd - this.acksAtWindow,
      sent: this.seq,
      sentAcked: this.sentAcked,
      received: this.received,
      delivered: this.deliveredCount,
      duplicates: this.seen.duplicates,
      foreign: this.foreign,
      errors: this.errors,
      lostConnections: this.conns.filter((c) => c.lostCode !== 0).length,
      receivedInWindow: this.receivedInWindow,
      windowMs: this.a.durationMs - this.a.warmupMs,
      maxLagMs: this.maxLag,
      settled: this.settledNow(),
      latency: this.latency.take(),
      sentLatency: this.sentLatency.take(),
      deliveredLatency: this.deliveredLatency.take(),
    };
  }
}
