// My mailbox stream (docs/protocol.md "Stream entries"): entries are processed in offset order, and
// acknowledged cumulatively, in batches, only after what they carry is in storage. The cursor is
// saved before each ack, so a resume never skips an entry this device has not stored.
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';
import type { StreamCursor } from './storage.ts';

export interface StreamOptions {
  /** Batch window for acks. */
  readonly ackDelayMs: number;
  /** Ack at once after this many unacknowledged entries. */
  readonly ackEvery: number;
}

export const DEFAULT_STREAM: StreamOptions = { ackDelayMs: 50, ackEvery: 100 };

export class Stream {
  private _gen = -1;
  private _epoch = '';
  private _offset = 0;
  private _acked = 0;
  private _unacked = 0;
  private readonly _timer: Timer;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _opts: StreamOptions,
  ) {
    this._timer = new Timer(_ctx.runtime);
  }

  get cursor(): StreamCursor {
    return { epoch: this._epoch, offset: this._offset };
  }

  /** A new socket is ready at this position. */
  reset(gen: number, cursor: StreamCursor): void {
    this._timer.clear();
    this._gen = gen;
    this._epoch = cursor.epoch;
    this._offset = cursor.offset;
    this._acked = cursor.offset;
    this._unacked = 0;
  }

  /** Entry `offset` from socket `gen` is stored. Entries of an older socket are not acknowledged here. */
  async processed(gen: number, offset: number | undefined): Promise<void> {
    if (offset === undefined || gen !== this._gen || offset <= this._offset) return;
    this._offset = offset;
    if (++this._unacked >= this._opts.ackEvery) await this.flush();
    else if (!this._timer.pending) this._timer.set(this._opts.ackDelayMs, () => this._ctx.enqueue(() => this.flush()));
  }

  /**
   * Entry `offset` is one this device appended itself (a copy to its own Session ID, which the
   * server does not send back to the socket that sent it): what it carries is stored already.
   * Counted as processed when it is the next one, so the device acknowledges it and it does not sit
   * in its own mailbox, taking the room of delivered notices, until some other entry arrives. Not
   * the next one: an earlier entry is still on its way, and the ack after it covers this one.
   */
  async ownEntry(gen: number, offset: number): Promise<void> {
    if (offset === this._offset + 1) await this.processed(gen, offset);
  }

  /** Saves the cursor, then acknowledges everything up to it. */
  async flush(): Promise<void> {
    this._timer.clear();
    if (this._offset <= this._acked || this._gen !== this._ctx.gen()) return;
    const offset = this._offset;
    await this._ctx.storage.setCursor({ epoch: this._epoch, offset });
    if (this._gen === this._ctx.gen() && this._ctx.send({ type: 'ack', offset })) {
      this._acked = offset;
      this._unacked = 0;
    }
  }

  /** Saves how far this device got without acknowledging (no socket): the next resume starts there. */
  async save(): Promise<void> {
    this._timer.clear();
    if (this._epoch === '' || this._offset <= this._acked) return;
    const stored = await this._ctx.storage.getCursor();
    if (stored && stored.epoch === this._epoch && stored.offset >= this._offset) return;
    await this._ctx.storage.setCursor({ epoch: this._epoch, offset: this._offset });
  }

  stop(): void {
    this._timer.clear();
  }
}
