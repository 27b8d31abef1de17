// One socket's view of its identity's stream: replay after auth, then live entries, in offset order.
// The store holds every entry, so a socket never needs a server-side queue: when it is slow
// (buffered bytes above the high-water mark) it stops taking entries and, on drain, catches up from
// the store a page at a time from the last offset it was sent.
import { ProtocolError } from '../../../protocol/index.ts';
import type { ServerContext } from '../context.ts';
import type { EntryKind, FrameText } from '../store/types.ts';

/** Entries read from the store per page. */
export const REPLAY_PAGE = 256;

export interface FeedSocket {
  readonly open: boolean;
  readonly sid: string;
  bufferedAmount(): number;
  send(type: EntryKind, text: FrameText): boolean;
  /** Ends the connection (the store failed under the replay). */
  fail(err: unknown): void;
}

type Mode = 'idle' | 'reading' | 'paused' | 'live';

export class StreamFeed {
  /** Highest offset this socket was sent, or resumed from. */
  private sent = 0;
  private mode: Mode = 'idle';
  /** An entry arrived live while the feed was not live: read the store again before going live. */
  private dirty = false;

  constructor(
    private readonly sock: FeedSocket,
    private readonly ctx: ServerContext,
  ) {}

  get lastSent(): number {
    return this.sent;
  }

  /** Replays every held entry after `after`, then goes live. */
  start(after: number): void {
    this.sent = after;
    void this.pump();
  }

  deliver(type: EntryKind, offset: number, text: FrameText): void {
    if (offset <= this.sent) return;
    if (this.mode !== 'live') {
      this.dirty = true;
      return;
    }
    if (this.sock.bufferedAmount() > this.ctx.highWater) {
      this.pause();
      return;
    }
    // Entries of one stream appended by different instances can arrive out of order (each
    // instance publishes on its own connection): sending this one would make the missing ones
    // look delivered. The store has them all, in order.
    if (offset > this.sent + 1) {
      this.ctx.metrics.inc('feed_gaps_total');
      void this.pump();
      return;
    }
    this.sock.send(type, text);
    this.sent = offset;
  }

  /** The socket caused this entry itself and is not sent it live; the next one is no gap. */
  skip(offset: number): void {
    if (this.mode === 'live' && offset === this.sent + 1) this.sent = offset;
  }

  /** Something may have been appended without reaching deliver(): read the store again. */
  resync(): void {
    if (this.mode === 'live') void this.pump();
    else if (this.mode === 'reading') this.dirty = true;
    // paused: drain reads the store anyway; idle: not started, or failed.
  }

  drain(): void {
    if (this.mode === 'paused' && this.sock.open && this.sock.bufferedAmount() <= this.ctx.highWater / 2) void this.pump();
  }

  private pause(): void {
    this.mode = 'paused';
    this.dirty = true;
    this.ctx.metrics.inc('backpressure_pauses_total');
  }

  private async pump(): Promise<void> {
    const { ctx, sock } = this;
    this.mode = 'reading';
    try {
      for (;;) {
        if (!sock.open) return;
        if (sock.bufferedAmount() > ctx.highWater) return this.pause();
        this.dirty = false;
        const page = await ctx.store.readAfter(sock.sid, this.sent, REPLAY_PAGE, ctx.clock(), ctx.limits);
        if (!sock.open) return;
        let full = false;
        let sentNow = 0;
        // Queued on the socket and written in one cork at the end of the turn (Conn.send).
        for (const e of page) {
          if (e.offset <= this.sent) continue;
          sock.send(e.kind, e.text);
          this.sent = e.offset;
          sentNow++;
          if (sock.bufferedAmount() > ctx.highWater) {
            full = true;
            break;
          }
        }
        ctx.metrics.inc('replayed_entries_total', '', sentNow);
        if (full) return this.pause();
        if (page.length < REPLAY_PAGE && !this.dirty) {
          this.mode = 'live';
          return;
        }
      }
    } catch (err) {
      this.mode = 'idle';
      sock.fail(err instanceof ProtocolError ? err : new ProtocolError('INTERNAL'));
    }
  }
}
