// A real message as the SDK sends it, replayed by lean connections: every identity has two devices
// (connections 4k..4k+3 of a group are A1, B1, A2, B2 of pair k), and one real message from A to B
// is: typing on (ephemeral), the message box to B, its sync copy to A's own Session ID (A2 and A1
// get it), typing off; when B1 has the message it sends a delivery receipt and a read receipt to A.
// With the server's `sent`, the envelopes to both devices of each side, every device's cumulative
// acks and the `delivered` notices, that is ~20 frames per real message. Boxes are padded as the
// SDK pads them (messages and copies: the message ciphertext given; typing and receipts: the small
// one). Latency is scheduled send → B1 has the message.
import type { ServerFrames } from '../../protocol/index.ts';
import type { FrameSink, LeanConn } from './conn.ts';
import { Samples, SeenFlags, settle, sleep } from './traffic.ts';

export interface RealChatArgs {
  readonly group: string;
  /** Real messages per second offered by this worker. */
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** The message box (and its copy), base64. */
  readonly ct: string;
  /** Typing indicators and receipts, base64. */
  readonly smallCt: string;
  readonly runTag: string;
  readonly settleTimeoutMs: number;
}

export interface RealChatResult {
  readonly messages: number;
  /** Messages B1 got / copies A2 got / receipts (two per message) A1 got. */
  readonly received: number;
  readonly copies: number;
  readonly receipts: number;
  readonly duplicates: number;
  readonly errors: Record<string, number>;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly windowMs: number;
  readonly receivedInWindow: number;
  readonly latency: Float64Array;
}

const KIND = { typingOn: 0, message: 1, copy: 2, typingOff: 3, delivery: 4, read: 5 } as const;

export class RealChat implements FrameSink {
  private readonly prefix: string;
  private seq = 0;
  private readonly sendAt = new Samples();
  private readonly seen = new SeenFlags();
  private readonly latency = new Samples();
  private received = 0;
  private copies = 0;
  private receipts = 0;
  private receivedInWindow = 0;
  private readonly errors: Record<string, number> = {};
  private framesIn = 0;
  private framesOut = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private start = 0;
  private measureFrom = 0;
  private endAt = 0;

  constructor(
    private readonly a: RealChatArgs,
    private readonly conns: LeanConn[],
    workerIndex: number,
  ) {
    this.prefix = a.runTag + workerIndex.toString(16).padStart(4, '0');
    conns.forEach((c, i) => {
      c.tag = i;
      c.sink = this;
    });
  }

  /** Role r of pair p: 0 A1, 1 B1, 2 A2, 3 B2. */
  private at(p: number, r: number): LeanConn {
    return this.conns[4 * p + r]!;
  }

  private id(seq: number, kind: number): string {
    return this.prefix + (seq * 8 + kind).toString(16).padStart(20, '0');
  }

  private out(c: LeanConn, id: string, to: string, ct: string, ephemeral: boolean): void {
    c.sendEnvelope(id, to, ct, ephemeral);
    this.framesOut++;
    this.bytesOut += ct.length + 100;
  }

  private realMessage(p: number, forward: boolean, at: number): void {
    const seq = this.seq++;
    this.sendAt.set(seq, at);
    const s1 = this.at(p, forward ? 0 : 1);
    const r = this.at(p, forward ? 1 : 0);
    const { ct, smallCt } = this.a;
    this.out(s1, this.id(seq, KIND.typingOn), r.sessionId, smallCt, true);
    this.out(s1, this.id(seq, KIND.message), r.sessionId, ct, false);
    this.out(s1, this.id(seq, KIND.copy), s1.sessionId, ct, false);
    this.out(s1, this.id(seq, KIND.typingOff), r.sessionId, smallCt, true);
  }

  private count(_f: { type: string }, bytes: number): void {
    this.framesIn++;
    this.bytesIn += bytes;
  }

  envelope(conn: LeanConn, f: ServerFrames['envelope'], now: number): void {
    this.count(f, f.ct.length + 150);
    if (!f.id.startsWith(this.prefix)) return;
    const n = parseInt(f.id.slice(12), 16);
    const seq = Math.floor(n / 8);
    const kind = n % 8;
    const role = conn.tag % 4;
    const pair = conn.tag >> 2;
    // B1 (or A1 for a message from B): the primary device of the recipient.
    const isPrimary = role < 2;
    if (kind === KIND.message && isPrimary) {
      if (this.seen.mark(seq, 1)) return;
      this.received++;
      const t0 = this.sendAt.get(seq);
      if (t0 >= this.measureFrom) this.latency.push(now - t0);
      if (now >= this.measureFrom && now <= this.endAt) this.receivedInWindow++;
      const to = f.from;
      this.out(conn, this.id(seq, KIND.delivery), to, this.a.smallCt, false);
      this.out(conn, this.id(seq, KIND.read), to, this.a.smallCt, false);
    } else if (kind === KIND.copy && !isPrimary) {
      if (!this.seen.mark(seq, 2)) this.copies++;
    } else if ((kind === KIND.delivery || kind === KIND.read) && isPrimary) {
      if (!this.seen.mark(seq, kind === KIND.delivery ? 4 : 8)) this.receipts++;
    }
    void pair;
  }

  sent(_c: LeanConn, f: ServerFrames['sent']): void {
    this.count(f, 120);
  }

  delivered(_c: LeanConn, f: ServerFrames['delivered']): void {
    this.count(f, 140);
  }

  error(_c: LeanConn, f: ServerFrames['error']): void {
    this.count(f, 100);
    this.errors[f.code] = (this.errors[f.code] ?? 0) + 1;
  }

  private settled(): boolean {
    return this.received >= this.seq && this.copies >= this.seq && this.receipts >= 2 * this.seq;
  }

  async run(): Promise<RealChatResult> {
    const pairs = this.conns.length >> 2;
    const total = Math.floor((this.a.ratePerSec * this.a.durationMs) / 1000);
    this.start = performance.now();
    this.measureFrom = this.start + this.a.warmupMs;
    this.endAt = this.start + this.a.durationMs;
    let k = 0;
    while (k < total) {
      const due = Math.min(total, Math.floor(((performance.now() - this.start) * this.a.ratePerSec) / 1000));
      for (; k < due; k++) this.realMessage(k % pairs, Math.floor(k / pairs) % 2 === 0, this.start + (k * 1000) / this.a.ratePerSec);
      await sleep(1);
    }
    await settle(() => this.settled(), this.a.settleTimeoutMs);
    for (const c of this.conns) c.sink = null;
    return {
      messages: this.seq,
      received: this.received,
      copies: this.copies,
      receipts: this.receipts,
      duplicates: this.seen.duplicates,
      errors: this.errors,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      windowMs: this.a.durationMs - this.a.warmupMs,
      receivedInWindow: this.receivedInWindow,
      latency: this.latency.take(),
    };
  }
}
