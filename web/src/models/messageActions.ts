// The conversation features of one open chat: the message menu (reply, react, edit, delete), the
// reply/edit state of the composer, the conversation's settings (disappearing timer, mute), delete
// chat, jumping to a search result, and keeping the chat's messages from the SDK's events.
import { computed, effect, signal } from '@preact/signals';
import type { Client, StoredMessage } from '../api.ts';
import type { Conversation } from '../../../client/storage.ts';
import { describeError } from '../lib/errors.ts';
import { Disposable } from './_disposable.ts';

export const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;
/** Delete for everyone is offered this long after sending (the SDK's window, client/conversationOps.ts). */
export const UNSEND_WINDOW_MS = 24 * 3_600_000;
export const TIMER_CHOICES: readonly { readonly ms: number; readonly label: string }[] = [
  { ms: 0, label: 'Off' },
  { ms: 5 * 60_000, label: '5 minutes' },
  { ms: 3_600_000, label: '1 hour' },
  { ms: 8 * 3_600_000, label: '8 hours' },
  { ms: 24 * 3_600_000, label: '1 day' },
  { ms: 7 * 24 * 3_600_000, label: '1 week' },
  { ms: 28 * 24 * 3_600_000, label: '4 weeks' },
];

export function timerLabel(ms: number): string {
  return TIMER_CHOICES.find((c) => c.ms === ms)?.label ?? `${Math.round(ms / 60_000)} minutes`;
}

/** The notice a timer change shows in the chat. */
export function timerNotice(m: StoredMessage, peerName: string): string {
  const ms = Number(m.content);
  const who = m.direction === 'out' ? 'You' : peerName;
  return ms > 0 ? `${who} set disappearing messages to ${timerLabel(ms)}.` : `${who} turned off disappearing messages.`;
}

/** Where a search result asked to open a chat: read by the chat once it opens. */
export const jumpTarget = signal<{ readonly peer: string; readonly id: string } | null>(null);

/** What the chat model gives its actions: its list and a way to page older messages in. */
export interface ChatHost {
  readonly peer: string;
  readonly messages: { value: readonly StoredMessage[] };
  readonly error: { value: string | null };
  readonly draft: { value: string };
  readonly hasOlder: { readonly value: boolean };
  loadOlder(): Promise<number>;
}

export interface MenuState {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

export class MessageActions extends Disposable {
  readonly menu = signal<MenuState | null>(null);
  readonly replyTo = signal<StoredMessage | null>(null);
  readonly editing = signal<StoredMessage | null>(null);
  readonly conversation = signal<Conversation | null>(null);
  readonly timerMs = computed(() => this.conversation.value?.disappearMs ?? 0);
  readonly muted = computed(() => this.conversation.value?.muted === true);
  readonly deleteChatConfirm = signal(false);
  /** A message to show (search result): MessageList scrolls to it and marks it. */
  readonly highlight = signal<string | null>(null);
  readonly chatDeleted = signal(false);
  private readonly _loaded = signal(false);

  constructor(
    private readonly _chat: ChatHost,
    private readonly _client: Client,
  ) {
    super();
    const peer = _chat.peer;
    const replace = (m: StoredMessage) => {
      const list = _chat.messages.value;
      const i = list.findIndex((x) => x.id === m.id);
      if (i < 0) return;
      const next = list.slice();
      next[i] = m;
      _chat.messages.value = next;
    };
    this.own(_client.on('messageUpdate', (m) => m.peer === peer && replace(m)));
    this.own(
      _client.on('removed', (r) => {
        if (r.peer !== peer || r.reason === 'unsend') return; // a tombstone comes as messageUpdate
        const gone = new Set(r.ids);
        _chat.messages.value = _chat.messages.value.filter((m) => !gone.has(m.id));
        if (r.reason === 'chat') this.conversation.value = null;
      }),
    );
    this.own(_client.on('conversation', (e) => e.conversation.peer === peer && (this.conversation.value = e.conversation)));
    // A search result for this chat: once its first page is in, page back to the message.
    this.own(
      effect(() => {
        const j = jumpTarget.value;
        if (!j || j.peer !== peer || !this._loaded.value) return;
        jumpTarget.value = null;
        void this.jumpTo(j.id);
      }),
    );
    void _client.getConversation(peer).then((c) => {
      if (!this.disposed && !this.conversation.value) this.conversation.value = c;
    });
  }

  /** The chat's first page is in. */
  loaded(): void {
    this._loaded.value = true;
  }

  private _find(id: string): StoredMessage | undefined {
    return this._chat.messages.value.find((m) => m.id === id);
  }

  private async _try(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this._chat.error.value = describeError(err);
      return false;
    }
  }

  openMenu(id: string, x = 0, y = 0): void {
    const m = this._find(id);
    if (!m || m.deleted || m.messageType === 'timer') return;
    this.menu.value = { id, x, y };
  }

  closeMenu(): void {
    this.menu.value = null;
  }

  /** What the menu offers for a message (own messages: edit and delete for everyone, within the window). */
  canEdit(m: StoredMessage): boolean {
    return m.direction === 'out' && !m.deleted && m.status !== 'failed';
  }
  canUnsend(m: StoredMessage, now: number): boolean {
    return m.direction === 'out' && !m.deleted && now - m.sentAt <= UNSEND_WINDOW_MS;
  }
  /** I reacted with this emoji already. */
  mine(m: StoredMessage, emoji: string, me: string): boolean {
    return m.reactions?.[emoji]?.includes(me) ?? false;
  }

  startReply(id: string): void {
    this.closeMenu();
    this.editing.value = null;
    this.replyTo.value = this._find(id) ?? null;
  }

  startEdit(id: string): void {
    this.closeMenu();
    const m = this._find(id);
    if (!m) return;
    this.replyTo.value = null;
    this.editing.value = m;
    this._chat.draft.value = m.content;
  }

  cancelCompose(): void {
    if (this.editing.value) this._chat.draft.value = '';
    this.editing.value = null;
    this.replyTo.value = null;
  }

  /** Sends the draft as a reply or an edit, or as a plain message. */
  async submit(content: string): Promise<void> {
    const editing = this.editing.value;
    if (editing) {
      this.editing.value = null;
      if (content !== editing.content) await this._client.editMessage(editing.id, content);
      return;
    }
    const reply = this.replyTo.value;
    this.replyTo.value = null;
    await this._client.sendMessage({ recipientId: this._chat.peer, content, messageType: 'text', ...(reply ? { replyTo: reply.id } : {}) });
  }

  /** Toggles my reaction with this emoji. */
  react(id: string, emoji: string, me: string): Promise<boolean> {
    this.closeMenu();
    const m = this._find(id);
    const on = !(m && this.mine(m, emoji, me));
    return this._try(() => this._client.react(id, emoji, on));
  }

  deleteForMe(id: string): Promise<boolean> {
    this.closeMenu();
    return this._try(() => this._client.deleteForMe([id]));
  }

  deleteForEveryone(id: string): Promise<boolean> {
    this.closeMenu();
    return this._try(() => this._client.deleteForEveryone(id));
  }

  setTimer(ms: number): Promise<boolean> {
    return this._try(() => this._client.setDisappearingTimer(this._chat.peer, ms));
  }

  toggleMute(): Promise<boolean> {
    return this._try(() => this._client.setMuted(this._chat.peer, !this.muted.value));
  }

  askDeleteChat(open = true): void {
    this.deleteChatConfirm.value = open;
  }

  async deleteChat(): Promise<boolean> {
    this.deleteChatConfirm.value = false;
    const ok = await this._try(() => this._client.deleteChat(this._chat.peer));
    if (ok) this.chatDeleted.value = true;
    return ok;
  }

  /** Pages back until the message is loaded, then marks it for the list to scroll to. */
  async jumpTo(id: string): Promise<boolean> {
    for (let guard = 0; guard < 1000 && !this._find(id); guard++) {
      if (!this._chat.hasOlder.value || (await this._chat.loadOlder()) === 0) break;
      if (this.disposed) return false;
    }
    if (!this._find(id)) return false;
    this.highlight.value = id;
    return true;
  }
}
