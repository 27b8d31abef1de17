// Messages, both ways. Outgoing: stored as queued first, then handed to the outbox, with a `sync`
// copy to my own Session ID for my other devices. Incoming: the box is opened and its sender checked
// against the sender the server authenticated, then the body is applied once (de-duplicated by id).
import { BoxError, fromBase64, open, randomId, type ServerFrames } from '../protocol/index.ts';
import { atomically, type Batch } from './batch.ts';
import { decodeBody, encodeBody, MAX_QUOTE_CHARS, type Bodies, type Body } from './body.ts';
import type { ConversationOps } from './conversationOps.ts';
import type { Disappearing } from './disappearing.ts';
import type { Contacts } from './contacts.ts';
import type { HistoryTransfer } from './historyTransfer.ts';
import { report, type ClientContext } from './context.ts';
import type { Outbox } from './outbox.ts';
import type { StoredAttachment, StoredMessage } from './storage.ts';
import type { Typing } from './typing.ts';

const bodyText = (b: Body): string => new TextDecoder().decode(encodeBody(b));

export class Messages {
  /** Set by the facade: history bodies from my own devices go there. */
  history: HistoryTransfer | undefined;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _outbox: Outbox,
    private readonly _contacts: Contacts,
    private readonly _typing: Typing,
    private readonly _ops: ConversationOps,
    private readonly _disappearing: Disappearing,
  ) {}

  /** Reply and disappearing fields of a stored message, from its body (conversation features). */
  private _features(body: {
    replyTo?: { id: string; quote: string } | undefined;
    ttl?: number | undefined;
    ts: number;
  }): Partial<StoredMessage> {
    const f: { replyTo?: { id: string; quote: string }; expiresAt?: number } = {};
    if (body.replyTo) f.replyTo = { id: body.replyTo.id, quote: body.replyTo.quote };
    if (body.ttl !== undefined) {
      f.expiresAt = body.ts + body.ttl;
      this._disappearing.schedule(f.expiresAt);
    }
    return f;
  }

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  /** Stores the message as queued and queues its envelopes; returns the stored message. */
  async send(peer: string, content: string, messageType: string, replyToId?: string): Promise<StoredMessage> {
    const m = this._outgoing(peer, content, messageType, await this._outgoingExtra(peer, replyToId));
    // The message, its conversation and its envelopes: all stored or none (batch.ts).
    await atomically(this._ctx, async (b) => {
      b.putMessage(m);
      await this._touchConversation(b, m, 0);
      this._enqueueIn(b, m);
    });
    return m;
  }

  /** Stores an outgoing message as queued, without envelopes: an attachment's waits so while its file uploads. */
  async store(peer: string, content: string, messageType: string, attachment: StoredAttachment): Promise<StoredMessage> {
    const m = this._outgoing(peer, content, messageType, await this._outgoingExtra(peer));
    m.attachment = attachment;
    await atomically(this._ctx, async (b) => {
      b.putMessage(m);
      await this._touchConversation(b, m, 0);
      b.emit('status', { id: m.id, peer, status: 'queued', message: m });
    });
    return m;
  }

  /** Stores m (its attachment now uploaded) with its envelope and the copy for my other devices. */
  async enqueue(m: StoredMessage): Promise<void> {
    await atomically(this._ctx, async (b) => {
      b.putMessage(m);
      this._enqueueIn(b, m);
    });
  }

  /** A reply quotes the start of what it answers; a timer in force makes the message disappear. */
  private async _outgoingExtra(peer: string, replyToId?: string): Promise<{ replyTo?: { id: string; quote: string }; ttl?: number }> {
    const { storage } = this._ctx;
    const quoted = replyToId === undefined ? undefined : await storage.getMessage(replyToId);
    const replyTo =
      quoted && quoted.peer === peer && !quoted.deleted ? { id: quoted.id, quote: quoted.content.slice(0, MAX_QUOTE_CHARS) } : undefined;
    const ttl = (await storage.getConversation(peer))?.disappearMs || undefined;
    return { ...(replyTo ? { replyTo } : {}), ...(ttl ? { ttl } : {}) };
  }

  private _outgoing(
    peer: string,
    content: string,
    messageType: string,
    extra: { replyTo?: { id: string; quote: string }; ttl?: number },
  ): StoredMessage {
    const ctx = this._ctx;
    const now = ctx.runtime.now();
    const m: StoredMessage = {
      id: randomId(),
      peer,
      direction: 'out',
      content,
      messageType,
      sentAt: now,
      storedAt: now,
      seq: ctx.nextSeq(),
      status: 'queued',
      read: true,
    };
    return { ...m, ...this._features({ ...extra, ts: now }) };
  }

  private _enqueueIn(b: Batch, m: StoredMessage): void {
    const { id, peer } = m;
    const ttl = m.expiresAt === undefined ? undefined : m.expiresAt - m.sentAt;
    const msg = {
      id,
      ts: m.sentAt,
      content: m.content,
      messageType: m.messageType,
      ...(m.replyTo ? { replyTo: m.replyTo } : {}),
      ...(ttl ? { ttl } : {}),
      ...(m.attachment ? { attachment: m.attachment } : {}),
    };
    this._outbox.enqueue(b, { id, to: peer, kind: 'msg', body: bodyText({ t: 'msg', ...msg }), messageId: id });
    if (peer !== this._me())
      this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'sync', body: bodyText({ t: 'sync', to: peer, msg }) });
    b.emit('status', { id, peer, status: 'queued', message: m });
  }

  /** Marks incoming messages read; returns the ids that were unread. Receipts per the privacy setting. */
  async markRead(peer: string, ids: readonly string[]): Promise<string[]> {
    return atomically(this._ctx, async (b) => {
      const changed = await this._markReadLocally(b, peer, ids);
      if (changed.length === 0) return changed;
      const me = this._me();
      if (this._ctx.settings().sendReadReceipts && peer !== me) {
        this._outbox.enqueue(b, {
          id: randomId(),
          to: peer,
          kind: 'receipt',
          body: bodyText({ t: 'receipt', kind: 'read', ids: changed }),
        });
      }
      if (peer !== me)
        this._outbox.enqueue(b, { id: randomId(), to: me, kind: 'read_sync', body: bodyText({ t: 'read_sync', peer, ids: changed }) });
      return changed;
    });
  }

  private async _markReadLocally(b: Batch, peer: string, ids: readonly string[]): Promise<string[]> {
    const changed: StoredMessage[] = [];
    for (const id of new Set(ids)) {
      const m = await b.getMessage(id);
      if (m?.direction !== 'in' || m.peer !== peer || m.read) continue;
      m.read = true;
      b.putMessage(m);
      changed.push(m);
    }
    if (changed.length === 0) return [];
    const c = await b.getConversation(peer);
    if (c) {
      c.unread = Math.max(0, c.unread - changed.length);
      b.putConversation(c);
      const last = changed.find((m) => m.id === c.lastMessageId);
      b.emit('conversation', last ? { conversation: c, last } : { conversation: c });
    }
    const ids2 = changed.map((m) => m.id);
    b.emit('read', { peer, ids: ids2, messages: changed });
    return ids2;
  }

  private async _touchConversation(b: Batch, m: StoredMessage, unreadDelta: number): Promise<void> {
    const c = (await b.getConversation(m.peer)) ?? { peer: m.peer, lastSeq: 0, unread: 0 };
    const isLast = m.seq >= c.lastSeq;
    if (isLast) {
      c.lastSeq = m.seq;
      c.lastMessageId = m.id;
    }
    c.unread += unreadDelta;
    b.putConversation(c);
    b.emit('conversation', isLast ? { conversation: c, last: m } : { conversation: c });
  }

  /**
   * An envelope (stored or ephemeral). Never throws for what the peer sent: a box that does not
   * open, a forged sender or a malformed body is reported and skipped, so the stream moves on.
   */
  async onEnvelope(frame: ServerFrames['envelope']): Promise<void> {
    const ctx = this._ctx;
    const from = frame.from;
    // Only my own devices and accepted, unblocked contacts: anything else is dropped unseen and
    // never notified (invitations come as their own frames, not envelopes).
    if (!(await this._contacts.mayReceiveFrom(from))) return;
    let body: Body | null;
    try {
      const opened = open(ctx.identity(), fromBase64(frame.ct));
      // The box names its sender; it must be the one the server authenticated, or a stranger could
      // replay a contact's box (or claim a contact's name) through their own socket.
      if (opened.senderId !== from)
        throw new BoxError('sender', `box sender ${opened.senderId.slice(0, 8)}… is not the envelope's sender ${from.slice(0, 8)}…`);
      body = decodeBody(opened.body);
    } catch (err) {
      report(ctx, err);
      return;
    }
    if (!body) return;
    // Copies are only believed from my own devices; receipts, typing and profiles only from others.
    const fromMe = from === this._me();
    const ownOnly =
      body.t === 'sync' ||
      body.t === 'read_sync' ||
      body.t === 'sync_request' ||
      body.t === 'contacts' ||
      body.t === 'chat_op' ||
      body.t.startsWith('history_');
    const allowed = ownOnly ? fromMe : body.t === 'receipt' || body.t === 'typing' || body.t === 'profile' ? !fromMe : true;
    if (!allowed) {
      report(ctx, new Error(`body ${body.t} from ${fromMe ? 'my own Session ID' : 'another Session ID'} ignored`));
      return;
    }
    switch (body.t) {
      case 'msg':
        return this._onMsg(from, body, frame.ts);
      case 'sync':
        return this._onSync(body);
      case 'receipt':
        return this._outbox.onRead(from, body.ids);
      case 'read_sync':
        await atomically(ctx, (b) => this._markReadLocally(b, body.peer, body.ids));
        return;
      case 'typing':
        if (frame.ephemeral) this._typing.onTyping(from, body.on);
        return;
      case 'profile':
        return this._contacts.onProfile(from, body.displayName, body.at);
      case 'grant':
        return this._contacts.onGrantBody(from, body.grant);
      case 'sync_request':
        await this._contacts.shareWithMyDevices();
        return;
      case 'contacts':
        return this._contacts.onContactsSync(body.contacts);
      case 'history_request':
      case 'history_chunk':
      case 'history_ack':
        return this.history?.onBody(body);
      case 'invite':
        return; // only ever inside invite.ct
      case 'react':
      case 'edit':
      case 'unsend':
      case 'timer':
      case 'chat_op':
        return this._ops.onBody(from, body);
    }
  }

  private async _onMsg(from: string, b: Bodies['msg'], ts: number): Promise<void> {
    const ctx = this._ctx;
    if (await ctx.storage.getMessage(b.id)) return; // a re-send (reconnect, epoch change): already here
    const m: StoredMessage = {
      id: b.id,
      peer: from,
      direction: 'in',
      content: b.content,
      messageType: b.messageType,
      sentAt: b.ts || ts,
      storedAt: ctx.runtime.now(),
      seq: ctx.nextSeq(),
      read: false,
      ...this._features({ ...b, ts: b.ts || ts }),
    };
    if (b.attachment) m.attachment = b.attachment;
    await atomically(ctx, async (b) => {
      b.putMessage(m);
      b.emit('message', m);
      await this._touchConversation(b, m, 1);
    });
    this._typing.onMessage(from);
  }

  /** A copy of what another of my devices sent: shown in the conversation with its recipient. */
  private async _onSync(b: Bodies['sync']): Promise<void> {
    const ctx = this._ctx;
    if (await ctx.storage.getMessage(b.msg.id)) return;
    const now = ctx.runtime.now();
    const m: StoredMessage = {
      id: b.msg.id,
      peer: b.to,
      direction: 'out',
      content: b.msg.content,
      messageType: b.msg.messageType,
      sentAt: b.msg.ts,
      storedAt: now,
      seq: ctx.nextSeq(),
      status: 'sent',
      read: true,
      ...this._features(b.msg),
    };
    if (b.msg.attachment) m.attachment = b.msg.attachment;
    await atomically(ctx, async (b) => {
      b.putMessage(m);
      b.emit('message', m);
      await this._touchConversation(b, m, 0);
    });
  }
}
