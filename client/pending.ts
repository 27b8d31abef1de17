// One engine for requests that must reach the server and that it may refuse for now: the outbox's
// envelopes and the invitation requests (invite, accept, decline, cancel). The requests live in
// their stored records; the engine decides what goes when. It sends what is due in the order it
// was made; per key (a peer), a request being retried holds back the later ones, so a full mailbox
// does not reorder a conversation; a retryable refusal (protocol/codes.ts `retryable`) is tried
// again after the server's retryAfterMs, else a full-jitter backoff; a new socket forgets what
// was on the wire, so everything unanswered goes again (same ids: the server de-duplicates); a new
// epoch (the server lost its memory) reopens what it had taken (requeue).
import { ERRORS, isErrorCode, type ServerFrames } from '../protocol/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { Batch } from './batch.ts';
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';

/** Where a request stands in its retries; kept in its stored record. */
export interface RetryState {
  /** Tries so far. */
  readonly attempts: number;
  /** The code of the last retryable refusal: set while the request is being retried. */
  readonly lastError?: string | undefined;
  /** Not before this (ms since the epoch). */
  readonly nextAttemptAt?: number | undefined;
}

export interface PendingRequest {
  readonly id: string;
  /** Requests with the same key go in order: one being retried holds back the later ones. */
  readonly key: string;
  readonly retry: RetryState;
  /** Remembered while the request is on the wire (inflight()): which request it was. */
  readonly what?: string;
}

/** sent: on the wire, its answer will come; offline: the socket is gone; settled: handled here (failed locally). */
export type Transmit = 'sent' | 'offline' | 'settled';

export interface PendingSource<T> {
  /** Every record that may carry a request, in the order the requests were made. */
  list(): Promise<readonly T[]>;
  /** The request a record carries, or undefined when it has nothing to send. */
  request(record: T): PendingRequest | undefined;
  transmit(record: T): Promise<Transmit>;
  /**
   * The server lost its memory (a new epoch): makes the record's request pending again if what the
   * server had taken is gone with it (same id, same content). True when it changed the record.
   */
  reopen(record: T, now: number): boolean;
  /** Puts a changed record in a batch. */
  stage(b: Batch, record: T): void;
}

/** What to store after a retryable refusal. */
export interface RetryPlan {
  readonly attempts: number;
  readonly lastError: string;
  readonly nextAttemptAt: number;
}

/** True when the SDK retries a request refused with this code by itself. */
export function retriedByClient(code: string): boolean {
  return isErrorCode(code) && ERRORS[code].retryable;
}

export class PendingEngine<T> {
  /** Requests on the wire on the current socket: id → what. */
  private readonly _inflight = new Map<string, string>();
  private _gen = -1;
  private readonly _timer: Timer;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _backoff: BackoffOptions,
    private readonly _source: PendingSource<T>,
  ) {
    this._timer = new Timer(_ctx.runtime);
  }

  /** Sends every request that is due and not already on its way. */
  async flush(): Promise<void> {
    const ctx = this._ctx;
    if (!ctx.connected()) return;
    if (this._gen !== ctx.gen()) {
      this._gen = ctx.gen();
      this._inflight.clear();
    }
    const now = ctx.runtime.now();
    const held = new Set<string>();
    let nextDue = Infinity;
    for (const record of await this._source.list()) {
      const r = this._source.request(record);
      if (!r || held.has(r.key)) continue;
      const retrying = r.retry.lastError !== undefined;
      if (this._inflight.has(r.id)) {
        // A retry awaiting its answer holds back the key's later requests (see below).
        if (retrying) held.add(r.key);
        continue;
      }
      const due = r.retry.nextAttemptAt;
      if (due !== undefined && due > now) {
        held.add(r.key);
        nextDue = Math.min(nextDue, due);
        continue;
      }
      const outcome = await this._source.transmit(record);
      if (outcome === 'offline') break;
      if (outcome === 'settled') continue;
      this._inflight.set(r.id, r.what ?? '');
      // A refused request goes again alone: were the ones after it sent with it, the server could
      // free up between them, and a later one be taken while this one is refused again. Its
      // answer (answered, refused) flushes the rest.
      if (retrying) held.add(r.key);
    }
    if (nextDue !== Infinity) this._schedule(nextDue - now);
  }

  /** After an epoch change: every request the server had taken but no one received goes again. */
  async requeue(): Promise<number> {
    const now = this._ctx.runtime.now();
    const b = new Batch(this._ctx);
    let n = 0;
    for (const record of await this._source.list()) {
      if (!this._source.reopen(record, now)) continue;
      this._source.stage(b, record);
      n++;
    }
    await b.commit();
    return n;
  }

  /** What request `id` was, while it is on the wire on this socket. */
  inflight(id: string): string | undefined {
    return this._inflight.get(id);
  }

  /**
   * The server took request `id` (or it was settled otherwise). `wasRetry`: it held back its key's
   * later requests, which may go now.
   */
  answered(id: string, wasRetry: boolean): void {
    this._inflight.delete(id);
    if (wasRetry) this._ctx.enqueue(() => this.flush());
  }

  /**
   * A refusal of request `id`, whose `attempts` tries include the one refused. Retryable: the retry
   * state to store (the engine flushes again when it is due). Otherwise null: the caller settles the
   * request (failed, dropped…), and the key's later requests go on without it.
   */
  refused(id: string, frame: Pick<ServerFrames['error'], 'code' | 'retryAfterMs'>, state: RetryState): RetryPlan | null {
    this._inflight.delete(id);
    if (!retriedByClient(frame.code)) {
      if (state.lastError !== undefined) this._ctx.enqueue(() => this.flush());
      return null;
    }
    const delay = frame.retryAfterMs ?? backoffDelay(Math.max(0, state.attempts - 1), this._backoff, this._ctx.runtime.random);
    this._schedule(delay);
    return { attempts: state.attempts, lastError: frame.code, nextAttemptAt: this._ctx.runtime.now() + delay };
  }

  private _schedule(ms: number): void {
    this._timer.setEarliest(ms, () => this._ctx.enqueue(() => this.flush()));
  }

  /** The socket went: nothing is on the wire any more, and no timer runs until the next flush. */
  stop(): void {
    this._timer.clear();
    this._inflight.clear();
  }
}
