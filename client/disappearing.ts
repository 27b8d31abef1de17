// Disappearing messages: a message sent under a conversation's timer carries it (`ttl` in its body)
// and expires at sentAt + ttl — counted from when it was SENT (the sender's clock), on every device
// of both people, read or not. The sweep deletes expired messages from storage (by the injected
// clock) and tells `removed` with reason 'expired', so cached attachment bytes go too.
import { atomically } from './batch.ts';
import { removeMessages } from './conversationOps.ts';
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';

/** setTimeout's limit: a later expiry is looked at again after this. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class Disappearing {
  private readonly _timer: Timer;
  private _next = Infinity;

  constructor(private readonly _ctx: ClientContext) {
    // Unref'd: a bot with a message due to disappear next week still exits when its work is done;
    // what expired meanwhile goes at the next start's sweep.
    this._timer = new Timer(_ctx.runtime, { unref: true });
  }

  /** A message with this expiry was stored: make sure the sweep runs by then. */
  schedule(expiresAt: number): void {
    if (expiresAt >= this._next && this._timer.pending) return;
    this._next = expiresAt;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, expiresAt - this._ctx.runtime.now()));
    this._timer.setEarliest(wait, () => {
      this._next = Infinity;
      this._ctx.enqueue(() => this.sweep());
    });
  }

  /** Deletes every expired message (inside the serial queue); returns their ids. */
  async sweep(): Promise<string[]> {
    const ctx = this._ctx;
    const now = ctx.runtime.now();
    const removed: string[] = [];
    let next = Infinity;
    for (const c of await ctx.storage.listConversations()) {
      const expired: string[] = [];
      for (const m of await ctx.storage.listMessages(c.peer)) {
        if (m.expiresAt === undefined) continue;
        if (m.expiresAt <= now) expired.push(m.id);
        else next = Math.min(next, m.expiresAt);
      }
      if (expired.length > 0) removed.push(...(await atomically(ctx, (b) => removeMessages(ctx, b, c.peer, expired, 'expired'))));
    }
    if (next !== Infinity) this.schedule(next);
    return removed;
  }

  stop(): void {
    this._timer.clear();
    this._next = Infinity;
  }
}
