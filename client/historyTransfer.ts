// History from an online sibling (docs/protocol.md "History transfer"). A new device sends a
// history_request to its own Session ID; another device of mine answers with history_chunk bodies
// for that device (each at most 50 messages and one envelope), in (seq, id) order after the
// request's cursor, at most HISTORY_MAX_MESSAGES per request; the new device merges each chunk
// (backup.ts mergeHistory: by id, no duplicates), acknowledges it with a history_ack so the sibling
// shows progress too, and asks again from its cursor when the answer says there is more. Everything
// is an ordinary E2E envelope to my own ID, through the outbox: the relay sees nothing new.
import { randomId } from '../protocol/index.ts';
import { atomically } from './batch.ts';
import { collectHistory, importBackup, mergeHistory, type MergeResult } from './backup.ts';
import { HISTORY_CHUNK_MESSAGES, encodeBody, type Bodies, type Body, type HistoryMessage } from './body.ts';
import { DEFAULT_MAX_CT_BYTES } from './contentLimit.ts';
import type { ClientContext } from './context.ts';
import type { Outbox } from './outbox.ts';

/** Messages one request is answered with at most; the new device asks again for the rest. */
export const HISTORY_MAX_MESSAGES = 5_000;
/** Request ids a device remembers having answered (each is answered once). */
const ANSWERED_MAX = 256;
/** Box, base64 and the chunk's own fields around its messages. */
const CHUNK_OVERHEAD_BYTES = 1_024;

export interface HistoryProgressEvent {
  readonly rid: string;
  /** receiving: this (new) device; sending: the sibling answering it. */
  readonly role: 'receiving' | 'sending';
  /** Messages the new device has, of total. */
  readonly received: number;
  /** 0 until the sibling's first chunk says. */
  readonly total: number;
  readonly done: boolean;
}

interface Receiving {
  rid: string;
  by?: string;
  afterSeq: number;
  afterId: string;
  received: number;
  total: number;
  done: boolean;
}

const after = (m: HistoryMessage, seq: number, id: string): boolean => m.seq > seq || (m.seq === seq && m.id > id);
const bodyText = (b: Body): string => new TextDecoder().decode(encodeBody(b));

export class HistoryTransfer {
  private _receiving: Receiving | undefined;
  /** The last progress of an answer this device sent, for a screen opened mid-transfer. */
  private _sending: HistoryProgressEvent | undefined;
  private readonly _answered = new Set<string>();

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _outbox: Outbox,
    private readonly _deviceId: () => string,
    /** Local order continues after the largest seq merged. */
    private readonly _sawSeq: (seq: number) => void,
    private readonly _maxMessages: number = HISTORY_MAX_MESSAGES,
  ) {}

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  /** This device's request's progress if it made one since start, else its last answer's. */
  get progress(): HistoryProgressEvent | undefined {
    const r = this._receiving;
    if (!r) return this._sending;
    return { rid: r.rid, role: 'receiving', received: r.received, total: r.total, done: r.done };
  }

  /** A backup file merged (backup.ts); local order continues after it. */
  async importBackup(file: Uint8Array): Promise<MergeResult> {
    const r = await importBackup(this._ctx, file);
    this._sawSeq(r.maxSeq);
    return r;
  }

  /** Asks my other devices for history after what this device already received; returns the request id. */
  async request(): Promise<string> {
    const prev = this._receiving;
    const r: Receiving = {
      rid: randomId(),
      afterSeq: prev?.afterSeq ?? 0,
      afterId: prev?.afterId ?? '',
      received: prev?.received ?? 0,
      total: prev?.total ?? 0,
      done: false,
    };
    this._receiving = r;
    const body: Bodies['history_request'] = {
      t: 'history_request',
      rid: r.rid,
      dev: this._deviceId(),
      afterSeq: r.afterSeq,
      afterId: r.afterId,
      received: r.received,
    };
    await atomically(this._ctx, (b) => {
      this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'history', body: bodyText(body) });
      b.emit('historyProgress', this.progress!);
    });
    await this._outbox.flush();
    return r.rid;
  }

  /** A history body from my own Session ID (messages.ts checked the sender). */
  async onBody(body: Bodies['history_request'] | Bodies['history_chunk'] | Bodies['history_ack']): Promise<void> {
    if (body.t === 'history_request') return this._answer(body);
    if (body.t === 'history_chunk') return this._onChunk(body);
    if (body.by === this._deviceId())
      this._tellSending({ rid: body.rid, role: 'sending', received: body.received, total: body.total, done: body.received >= body.total });
  }

  private _tellSending(e: HistoryProgressEvent): void {
    this._sending = e;
    this._ctx.events.emit('historyProgress', e);
  }

  /** Sibling side: every message after the cursor, in chunks, queued in one batch; once per rid. */
  private async _answer(req: Bodies['history_request']): Promise<void> {
    if (req.dev === this._deviceId() || this._answered.has(req.rid)) return;
    this._answered.add(req.rid);
    if (this._answered.size > ANSWERED_MAX) this._answered.delete(this._answered.values().next().value!);
    const all = (await collectHistory(this._ctx)).sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rest = all.filter((m) => after(m, req.afterSeq, req.afterId));
    const take = rest.slice(0, this._maxMessages);
    const total = req.received + rest.length;
    const budget = (this._ctx.limits()?.maxCtBytes ?? DEFAULT_MAX_CT_BYTES) * 0.75 - CHUNK_OVERHEAD_BYTES;
    const chunks: HistoryMessage[][] = [];
    let cur: HistoryMessage[] = [];
    let bytes = 0;
    for (const m of take) {
      const size = new TextEncoder().encode(JSON.stringify(m)).length;
      if (size > budget) continue; // cannot travel in any envelope; a backup file still carries it
      if (cur.length === HISTORY_CHUNK_MESSAGES || (cur.length > 0 && bytes + size > budget)) {
        chunks.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(m);
      bytes += size;
    }
    chunks.push(cur); // possibly empty: the new device still learns that nothing is left
    const more = rest.length > take.length;
    let sent = req.received;
    await atomically(this._ctx, (b) => {
      chunks.forEach((messages, index) => {
        const last = index === chunks.length - 1;
        // Skipped oversize messages count as sent, so the total is reached.
        sent = last ? req.received + take.length : sent + messages.length;
        const body: Bodies['history_chunk'] = {
          t: 'history_chunk',
          rid: req.rid,
          dev: req.dev,
          by: this._deviceId(),
          index,
          sent,
          total,
          last,
          more,
          messages,
        };
        this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'history', body: bodyText(body) });
      });
      b.after(() => this._tellSending({ rid: req.rid, role: 'sending', received: req.received, total, done: total === req.received }));
    });
    await this._outbox.flush();
  }

  /** New-device side: merge (any chunk for this device: it is my own history), then progress. */
  private async _onChunk(c: Bodies['history_chunk']): Promise<void> {
    if (c.dev !== this._deviceId()) return;
    const r = this._receiving;
    const current = r !== undefined && r.rid === c.rid && (r.by === undefined || r.by === c.by);
    await atomically(this._ctx, async (b) => {
      const res = await mergeHistory(b, c.messages, this._ctx.runtime.now());
      this._sawSeq(res.maxSeq);
      if (!current) return;
      r.by = c.by;
      const tail = c.messages.at(-1);
      if (tail && after(tail, r.afterSeq, r.afterId)) {
        r.afterSeq = tail.seq;
        r.afterId = tail.id;
      }
      r.received = Math.max(r.received, c.sent);
      r.total = c.total;
      r.done = c.last && !c.more;
      const ack: Bodies['history_ack'] = { t: 'history_ack', rid: c.rid, by: c.by, received: r.received, total: r.total };
      this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'history', body: bodyText(ack) });
      b.emit('historyProgress', this.progress!);
    });
    if (current && c.last && c.more) await this.request();
    else await this._outbox.flush();
  }
}
