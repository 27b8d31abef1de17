// Conversation features (docs/protocol.md "Bodies"): reactions, edits, delete for everyone, the
// disappearing timer — each a body to the peer plus a copy with `to` for my other devices — and the
// local actions (delete for me, delete a chat, mute), which go to my own devices only (`chat_op`).
// Every device applies the same rules to what it receives, so both people's devices agree.
import { randomId } from '../protocol/index.ts';
import { atomically, type Batch } from './batch.ts';
import { encodeBody, MAX_DISAPPEAR_MS, MIN_DISAPPEAR_MS, type Bodies, type Body } from './body.ts';
import type { ClientContext } from './context.ts';
import type { RemovedReason } from './events.ts';
import type { Outbox } from './outbox.ts';
import type { StoredMessage } from './storage.ts';

/** How long after sending its author may delete a message for everyone. */
export const DELETE_FOR_EVERYONE_MS = 24 * 3_600_000;
/** Clock difference between two devices tolerated on the window above. */
const CLOCK_SLACK_MS = 5 * 60_000;

export type FeatureErrorCode = 'MESSAGE_NOT_FOUND' | 'NOT_AUTHOR' | 'DELETE_WINDOW_PASSED' | 'BAD_TIMER' | 'BAD_EMOJI' | 'MESSAGE_DELETED';

/** An app call the SDK refused, with a stable code (docs/client.md "Conversation features"). */
export class FeatureError extends Error {
  constructor(
    readonly code: FeatureErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'FeatureError';
  }
}

type PeerBody = Bodies['react'] | Bodies['edit'] | Bodies['unsend'] | Bodies['timer'];
const text = (b: Body): string => new TextDecoder().decode(encodeBody(b));

export function isTimerAllowed(ms: number): boolean {
  return ms === 0 || (Number.isInteger(ms) && ms >= MIN_DISAPPEAR_MS && ms <= MAX_DISAPPEAR_MS);
}

export class ConversationOps {
  constructor(
    private readonly _ctx: ClientContext,
    private readonly _outbox: Outbox,
  ) {}

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  private async _mine(id: string): Promise<StoredMessage> {
    const m = await this._ctx.storage.getMessage(id);
    if (!m) throw new FeatureError('MESSAGE_NOT_FOUND', `no message ${id.slice(0, 8)}…`);
    return m;
  }

  /** Sends a body to the peer and, with `to`, to my other devices; applies it here in the same batch. */
  private async _do(peer: string, body: PeerBody): Promise<void> {
    const me = this._me();
    await atomically(this._ctx, async (b) => {
      await this._apply(b, peer, me, body);
      this._outbox.enqueue(b, { id: randomId(), to: peer, kind: 'op', body: text(body) });
      if (peer !== me) this._outbox.enqueue(b, { id: randomId(), to: me, kind: 'op', body: text({ ...body, to: peer }) });
    });
  }

  private async _own(body: Bodies['chat_op']): Promise<void> {
    await atomically(this._ctx, async (b) => {
      await this._applyOwn(b, body);
      this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'op', body: text(body) });
    });
  }

  // ---- app calls (inside the serial queue) ----------------------------------------------------

  async react(id: string, emoji: string, on: boolean): Promise<void> {
    if (typeof emoji !== 'string' || emoji.length === 0 || emoji.length > 16)
      throw new FeatureError('BAD_EMOJI', 'an emoji is 1 to 16 characters');
    const m = await this._mine(id);
    if (m.deleted) throw new FeatureError('MESSAGE_DELETED', 'that message was deleted');
    await this._do(m.peer, { t: 'react', id, emoji, on });
  }

  async edit(id: string, content: string): Promise<void> {
    const m = await this._mine(id);
    if (m.direction !== 'out') throw new FeatureError('NOT_AUTHOR', 'only your own messages can be edited');
    if (m.deleted) throw new FeatureError('MESSAGE_DELETED', 'that message was deleted');
    await this._do(m.peer, { t: 'edit', id, ts: this._ts(m), content });
  }

  async unsend(id: string): Promise<void> {
    const m = await this._mine(id);
    if (m.direction !== 'out') throw new FeatureError('NOT_AUTHOR', 'only your own messages can be deleted for everyone');
    const now = this._ctx.runtime.now();
    if (now - m.sentAt > DELETE_FOR_EVERYONE_MS)
      throw new FeatureError('DELETE_WINDOW_PASSED', 'messages can be deleted for everyone within 24 hours');
    await this._do(m.peer, { t: 'unsend', id, ts: Math.max(now, m.sentAt) });
  }

  async setTimer(peer: string, ms: number): Promise<void> {
    if (!isTimerAllowed(ms)) throw new FeatureError('BAD_TIMER', `a timer is 0 (off) or ${MIN_DISAPPEAR_MS} to ${MAX_DISAPPEAR_MS} ms`);
    const c = await this._ctx.storage.getConversation(peer);
    // Strictly newer than the setting in force, even if this clock is behind the peer's.
    const ts = Math.max(this._ctx.runtime.now(), (c?.disappearSetAt ?? 0) + 1);
    await this._do(peer, { t: 'timer', ms, ts });
  }

  async hide(ids: readonly string[]): Promise<void> {
    const byPeer = new Map<string, string[]>();
    for (const id of ids) {
      const m = await this._ctx.storage.getMessage(id);
      if (m) byPeer.set(m.peer, [...(byPeer.get(m.peer) ?? []), id]);
    }
    for (const [peer, list] of byPeer) await this._own({ t: 'chat_op', op: 'hide', peer, ids: list });
  }

  deleteChat(peer: string): Promise<void> {
    return this._own({ t: 'chat_op', op: 'delete_chat', peer });
  }

  setMuted(peer: string, muted: boolean): Promise<void> {
    return this._own({ t: 'chat_op', op: muted ? 'mute' : 'unmute', peer });
  }

  /** An edit's time: later than the last edit even when this clock is behind. */
  private _ts(m: StoredMessage): number {
    return Math.max(this._ctx.runtime.now(), (m.editedAt ?? m.sentAt) + 1);
  }

  // ---- incoming (inside the serial queue) -----------------------------------------------------

  /** A feature body from `from` (authenticated). From me with `to`: a copy of what I did. */
  async onBody(from: string, body: PeerBody | Bodies['chat_op']): Promise<void> {
    const me = this._me();
    if (body.t === 'chat_op') {
      if (from === me) await atomically(this._ctx, (b) => this._applyOwn(b, body));
      return;
    }
    // From a peer: their conversation with me. From me: a copy, naming the conversation in `to`.
    const peer = from === me ? (body.to ?? me) : from;
    if (from !== me && body.to !== undefined) return; // a peer cannot speak for another conversation
    await atomically(this._ctx, (b) => this._apply(b, peer, from, body));
  }

  /** Applies a peer body by `author` in the conversation with `peer`; what does not fit is ignored. */
  private async _apply(b: Batch, peer: string, author: string, body: PeerBody): Promise<void> {
    if (body.t === 'timer') return this._applyTimer(b, peer, author, body);
    const m = await b.getMessage(body.id);
    if (!m || m.peer !== peer || m.deleted) return;
    const me = this._me();
    // Who wrote the message: me for an outgoing one, the peer for an incoming one.
    const isAuthor = m.direction === 'out' ? author === me : author === peer;
    switch (body.t) {
      case 'react': {
        const r = { ...(m.reactions ?? {}) };
        const who = new Set(r[body.emoji] ?? []);
        if (body.on) who.add(author);
        else who.delete(author);
        if (who.size > 0) r[body.emoji] = [...who];
        else delete r[body.emoji];
        return this._update(b, { ...m, reactions: r });
      }
      case 'edit':
        if (!isAuthor || body.ts <= (m.editedAt ?? m.sentAt)) return; // the newest edit wins
        return this._update(b, { ...m, content: body.content, editedAt: body.ts });
      case 'unsend': {
        if (!isAuthor || body.ts - m.sentAt > DELETE_FOR_EVERYONE_MS + CLOCK_SLACK_MS) return;
        const { reactions: _r, replyTo: _q, editedAt: _e, ...rest } = m;
        this._update(b, { ...rest, content: '', deleted: true });
        b.emit('removed', { peer, ids: [m.id], reason: 'unsend' });
        return;
      }
    }
  }

  private _update(b: Batch, m: StoredMessage): void {
    b.putMessage(m);
    b.emit('messageUpdate', m);
  }

  private async _applyTimer(b: Batch, peer: string, author: string, body: Bodies['timer']): Promise<void> {
    const c = (await b.getConversation(peer)) ?? { peer, lastSeq: 0, unread: 0 };
    if (body.ts <= (c.disappearSetAt ?? 0)) return; // older than the setting in force, or a re-send
    c.disappearMs = body.ms;
    c.disappearSetAt = body.ts;
    // The notice in the chat: a local message both sides show ("… set disappearing messages to 1 hour").
    const now = this._ctx.runtime.now();
    const out = author === this._me();
    const notice: StoredMessage = {
      id: randomId(),
      peer,
      direction: out ? 'out' : 'in',
      content: String(body.ms),
      messageType: 'timer',
      sentAt: body.ts,
      storedAt: now,
      seq: this._ctx.nextSeq(),
      read: true,
      ...(out ? { status: 'sent' as const } : {}),
    };
    b.putMessage(notice);
    c.lastSeq = notice.seq;
    c.lastMessageId = notice.id;
    b.putConversation(c);
    b.emit('message', notice);
    b.emit('conversation', { conversation: c, last: notice });
  }

  private async _applyOwn(b: Batch, body: Bodies['chat_op']): Promise<void> {
    const { peer } = body;
    if (body.op === 'mute' || body.op === 'unmute') {
      const c = await b.getConversation(peer);
      if (!c) return;
      c.muted = body.op === 'mute';
      b.putConversation(c);
      b.emit('conversation', { conversation: c });
      return;
    }
    if (body.op === 'delete_chat') {
      const all = await this._ctx.storage.listMessages(peer);
      for (const m of all) b.deleteMessage(m.id);
      b.deleteConversation(peer);
      b.emit('removed', { peer, ids: all.map((m) => m.id), reason: 'chat' });
      return;
    }
    await removeMessages(this._ctx, b, peer, body.ids ?? [], 'hide');
  }
}

/** Deletes messages of one conversation and keeps its record right (last message, unread). */
export async function removeMessages(
  ctx: ClientContext,
  b: Batch,
  peer: string,
  ids: readonly string[],
  reason: RemovedReason,
): Promise<string[]> {
  const gone = new Set<string>();
  let unread = 0;
  for (const id of ids) {
    const m = await b.getMessage(id);
    if (!m || m.peer !== peer) continue;
    if (m.direction === 'in' && !m.read) unread++;
    b.deleteMessage(id);
    gone.add(id);
  }
  if (gone.size === 0) return [];
  // A message deleted before it left this device (queued, or failed and waiting for a retry) is not
  // sent afterwards: its envelope and the copy for my other devices leave the outbox with it.
  for (const item of await ctx.storage.listOutbox()) {
    if (item.state !== 'pending') continue;
    if (gone.has(item.messageId ?? '') || (item.kind === 'sync' && gone.has(syncedMessageId(item.body)))) b.deleteOutboxItem(item.id);
  }
  const c = await b.getConversation(peer);
  if (c) {
    c.unread = Math.max(0, c.unread - unread);
    if (c.lastMessageId !== undefined && gone.has(c.lastMessageId)) {
      const recent = await ctx.storage.listMessages(peer, { limit: gone.size + 1 });
      const last = recent.filter((m) => !gone.has(m.id)).at(-1);
      if (last) c.lastMessageId = last.id;
      else delete c.lastMessageId;
      b.putConversation(c);
      b.emit('conversation', last ? { conversation: c, last } : { conversation: c });
    } else {
      b.putConversation(c);
      b.emit('conversation', { conversation: c });
    }
  }
  b.emit('removed', { peer, ids: [...gone], reason });
  return [...gone];
}

/** The message id a `sync` copy carries ("" when the body is not one). */
function syncedMessageId(body: string): string {
  try {
    const id = (JSON.parse(body) as { msg?: { id?: unknown } }).msg?.id;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}
