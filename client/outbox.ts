// The outbox: every envelope this device has to get to the server, kept until the recipient's
// device has it (`delivered`), so nothing is lost when the socket or the server goes away.
// docs/protocol.md "Status of an outgoing message".
import { seal, toBase64, utf8ToBytes, type ServerFrames, type SessionId } from '../protocol/index.ts';
import type { BackoffOptions } from './backoff.ts';
import { atomically, Batch } from './batch.ts';
import { errorFromFrame } from './connection.ts';
import { report, type ClientContext } from './context.ts';
import { PendingEngine, type Transmit } from './pending.ts';
import { applyStatus } from './status.ts';
import type { OutboxItem, OutboxKind } from './storage.ts';

export interface NewOutboxItem {
  readonly id: string;
  readonly to: string;
  readonly kind: OutboxKind;
  readonly body: string;
  readonly messageId?: string;
}

export class Outbox {
  private readonly _engine: PendingEngine<OutboxItem>;

  constructor(
    private readonly _ctx: ClientContext,
    retry: BackoffOptions,
  ) {
    this._engine = new PendingEngine(_ctx, retry, {
      list: () => _ctx.storage.listOutbox(),
      // Per recipient: a conversation is not reordered by a retry (pending.ts).
      request: (item) => (item.state === 'pending' ? { id: item.id, key: item.to, retry: item } : undefined),
      transmit: (item) => this._send(item),
      // Stored by the old server, not yet delivered: the new one has never seen it.
      reopen: (item) => {
        if (item.state !== 'sent') return false;
        item.state = 'pending';
        delete item.nextAttemptAt;
        return true;
      },
      stage: (b, item) => b.putOutboxItem(item),
    });
  }

  /** Queues an envelope in batch b, with the rest of the action that makes it. */
  enqueue(b: Batch, n: NewOutboxItem): OutboxItem {
    const now = this._ctx.runtime.now();
    const item: OutboxItem = { ...n, seq: this._ctx.nextSeq(), createdAt: now, state: 'pending', attempts: 0 };
    b.putOutboxItem(item);
    return item;
  }

  /** Sends what is due, in the order it was said (pending.ts). */
  flush(): Promise<void> {
    return this._engine.flush();
  }

  private async _send(item: OutboxItem): Promise<Transmit> {
    const ctx = this._ctx;
    let ct: string;
    try {
      ct = toBase64(seal(ctx.identity(), item.to as SessionId, utf8ToBytes(item.body)));
    } catch (err) {
      await this._fail(item, 'INVALID_SESSION_ID', err);
      return 'settled';
    }
    const limits = ctx.limits();
    const frame = { type: 'send' as const, id: item.id, to: item.to, ct };
    // An oversized frame is fatal on the server: sending it would loop through reconnects forever.
    if (limits && ((ct.length * 3) / 4 > limits.maxCtBytes || JSON.stringify(frame).length > limits.maxFrameBytes)) {
      await this._fail(item, 'FRAME_TOO_LARGE', new Error(`envelope ${item.id} exceeds the server's size limits`));
      return 'settled';
    }
    if (!ctx.send(frame)) return 'offline';
    item.attempts++;
    await ctx.storage.putOutboxItem(item);
    return 'sent';
  }

  private async _fail(item: OutboxItem, code: string, err?: unknown): Promise<void> {
    await atomically(this._ctx, async (b) => {
      if (item.messageId) {
        item.state = 'failed';
        item.lastError = code;
        delete item.nextAttemptAt;
        b.putOutboxItem(item);
        await applyStatus(b, item.messageId, 'failed', { reason: code });
      } else {
        // Receipts, copies and renewals have no message to show a failure on: drop, but say so.
        b.deleteOutboxItem(item.id);
      }
    });
    if (err !== undefined) report(this._ctx, err);
  }

  async onSent(frame: ServerFrames['sent']): Promise<void> {
    const item = await this._ctx.storage.getOutboxItem(frame.id);
    if (!item || item.to !== frame.to) {
      this._engine.answered(frame.id, false);
      return;
    }
    const wasRetry = item.lastError !== undefined;
    const b = new Batch(this._ctx);
    if (item.state !== 'sent') {
      item.state = 'sent';
      item.sentAt = this._ctx.runtime.now();
      delete item.nextAttemptAt;
      delete item.lastError;
      b.putOutboxItem(item);
    }
    if (item.messageId) await applyStatus(b, item.messageId, 'sent', { peer: item.to });
    await b.commit();
    this._engine.answered(item.id, wasRetry);
  }

  /** `delivered` also reaches my other devices, which hold the message through its sync copy. */
  async onDelivered(frame: ServerFrames['delivered']): Promise<void> {
    const item = await this._ctx.storage.getOutboxItem(frame.id);
    await atomically(this._ctx, async (b) => {
      if (item && item.to === frame.to) {
        this._engine.answered(frame.id, false);
        b.deleteOutboxItem(frame.id);
      }
      // Copies to my own Session ID are "delivered" too; they drive no status.
      if (frame.to !== this._ctx.identity().sessionId) await applyStatus(b, frame.id, 'delivered', { peer: frame.to });
    });
  }

  /** A read receipt: the message is read, so its envelope no longer needs guarding. */
  async onRead(peer: string, messageIds: readonly string[]): Promise<void> {
    await atomically(this._ctx, async (b) => {
      for (const id of messageIds) {
        if (!(await applyStatus(b, id, 'read', { peer }))) continue;
        const item = await b.getOutboxItem(id);
        if (item && item.to === peer && item.state === 'sent') b.deleteOutboxItem(id);
      }
    });
  }

  /** An error frame whose ref may be one of my envelopes. True when it was. */
  async onError(frame: ServerFrames['error']): Promise<boolean> {
    if (frame.ref === undefined) return false;
    const item = await this._ctx.storage.getOutboxItem(frame.ref);
    if (!item) return false;
    const plan = this._engine.refused(item.id, frame, item);
    if (!plan) {
      await this._fail(item, frame.code, item.messageId ? undefined : errorFromFrame(frame));
      return true;
    }
    item.state = 'pending';
    item.lastError = plan.lastError;
    item.nextAttemptAt = plan.nextAttemptAt;
    await atomically(this._ctx, async (b) => {
      b.putOutboxItem(item);
      if (item.messageId) await applyStatus(b, item.messageId, 'failed', { reason: frame.code, retrying: true });
    });
    return true;
  }

  /** The user's retry of a message (or envelope) id. True when something was queued again. */
  async retry(id: string): Promise<boolean> {
    let found = false;
    const b = new Batch(this._ctx);
    for (const item of await this._ctx.storage.listOutbox()) {
      if (item.id !== id && item.messageId !== id) continue;
      if (item.state === 'sent') continue;
      found = true;
      item.state = 'pending';
      item.attempts = 0;
      delete item.nextAttemptAt;
      b.putOutboxItem(item);
      if (item.messageId) await applyStatus(b, item.messageId, 'queued');
    }
    await b.commit();
    if (found) await this.flush();
    return found;
  }

  /** The server lost its memory: everything it stored but nobody received goes again, same ids. */
  requeueUndelivered(): Promise<number> {
    return this._engine.requeue();
  }

  /** Stored envelopes older than the mailbox TTL are gone from the server anyway; stop guarding them. */
  async prune(mailboxTtlMs: number): Promise<void> {
    const cutoff = this._ctx.runtime.now() - mailboxTtlMs;
    const b = new Batch(this._ctx);
    for (const item of await this._ctx.storage.listOutbox()) {
      if (item.state === 'sent' && item.sentAt !== undefined && item.sentAt < cutoff) b.deleteOutboxItem(item.id);
    }
    await b.commit();
  }

  stop(): void {
    this._engine.stop();
  }
}
