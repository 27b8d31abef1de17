// One open conversation: its messages (paged from the newest back), the draft, sending, retrying,
// read receipts for what is on screen, and the peer's typing and presence.
import { computed, effect, signal } from '@preact/signals';
import type { Client, StoredMessage } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { Disposable } from './_disposable.ts';
import type { ContactsModel } from './contacts.ts';
import { MessageActions } from './messageActions.ts';

export const PAGE = 50;

export interface ChatDeps {
  readonly client: Client;
  readonly contacts: ContactsModel;
  /** Whether the page is on screen (read receipts only for what is seen). */
  readonly visible: { readonly value: boolean };
  /** Longest message the SDK accepts. */
  readonly maxChars: number;
  /** What really fits in one message (engine contentBytes, client.maxMessageBytes): the composer shows it near the limit. */
  readonly size?: { measure(text: string): number; max(): number };
}

/** Characters left in a draft (negative: too many), shown from 80 % of the limit on. */
export function roomLeft(text: string, size: { measure(text: string): number; max(): number }): number | null {
  const used = size.measure(text);
  const max = size.max();
  if (used < max * 0.8) return null;
  // Bytes per character of this draft: an emoji costs four, a Latin letter one.
  const chars = [...text].length;
  const perChar = chars > 0 ? used / chars : 1;
  return used <= max ? Math.floor((max - used) / perChar) : -Math.ceil((used - max) / perChar);
}

/** Inserts or replaces by id, keeping ascending seq. */
function upsert(list: readonly StoredMessage[], m: StoredMessage): StoredMessage[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    const next = list.slice();
    next[i] = m;
    return next;
  }
  const next = [...list, m];
  if (list.length > 0 && list[list.length - 1]!.seq > m.seq) next.sort((a, b) => a.seq - b.seq);
  return next;
}

export class ChatModel extends Disposable {
  readonly messages = signal<readonly StoredMessage[]>([]);
  readonly loaded = signal(false);
  readonly hasOlder = signal(false);
  readonly loadingOlder = signal(false);
  readonly draft = signal('');
  readonly error = signal<string | null>(null);
  readonly blockConfirm = signal(false);
  /** Characters left before the size limit, once the draft is near it; negative when over. */
  readonly room = computed(() => (this._d.size ? roomLeft(this.draft.value.trim(), this._d.size) : null));

  readonly contact = computed(() => this._d.contacts.byId.value.get(this.peer));
  readonly name = computed(() => this._d.contacts.name(this.peer));
  readonly online = computed(() => this._d.contacts.online.value.has(this.peer));
  readonly typing = computed(() => this._d.contacts.typing.value.has(this.peer));
  readonly blocked = computed(() => this.contact.value?.state === 'blocked');
  /** Messages can go out only along a grant: an accepted, unblocked contact. */
  readonly canSend = computed(() => this.contact.value?.state === 'accepted');
  readonly unreadIds = computed(() => this.messages.value.filter((m) => m.direction === 'in' && !m.read).map((m) => m.id));

  private readonly _client: Client;
  private _typingSent = false;
  /** Reply, react, edit, delete, timer, mute, delete chat (messageActions.ts). */
  readonly actions: MessageActions;

  constructor(
    readonly peer: string,
    private readonly _d: ChatDeps,
  ) {
    super();
    this._client = _d.client;
    const c = this._client;
    this.actions = new MessageActions(this, c);
    this.own(() => this.actions.dispose());
    this.own(
      c.on('message', (m) => {
        if (m.peer === peer) this.messages.value = upsert(this.messages.value, m);
      }),
    );
    this.own(
      c.on('status', (s) => {
        if (s.peer === peer) this.messages.value = upsert(this.messages.value, s.message);
      }),
    );
    this.own(
      c.on('read', (r) => {
        if (r.peer !== peer) return;
        let list = this.messages.value;
        for (const m of r.messages) if (list.some((x) => x.id === m.id)) list = upsert(list, m);
        this.messages.value = list;
      }),
    );
    // Whatever unread message is on screen while the page is visible is read.
    this.own(
      effect(() => {
        const ids = this.unreadIds.value;
        if (ids.length > 0 && this._d.visible.value && this.loaded.value) void this._markRead(ids);
      }),
    );
    void this.load();
  }

  async load(): Promise<void> {
    const list = await this._client.getMessages(this.peer, { limit: PAGE });
    if (this.disposed) return;
    // Events may have arrived while loading: keep them.
    let merged = list;
    for (const m of this.messages.value) merged = upsert(merged, m);
    this.messages.value = merged;
    this.hasOlder.value = list.length === PAGE;
    this.loaded.value = true;
    this.actions.loaded(); // a search result waiting for this chat is shown now
  }

  /** Pages back; resolves to how many older messages were added. */
  async loadOlder(): Promise<number> {
    const first = this.messages.value[0];
    if (!first || this.loadingOlder.value || !this.hasOlder.value) return 0;
    this.loadingOlder.value = true;
    try {
      const older = await this._client.getMessages(this.peer, { limit: PAGE, beforeSeq: first.seq });
      if (this.disposed) return 0;
      this.hasOlder.value = older.length === PAGE;
      this.messages.value = [...older, ...this.messages.value.filter((m) => !older.some((o) => o.id === m.id))];
      return older.length;
    } finally {
      this.loadingOlder.value = false;
    }
  }

  private async _markRead(ids: readonly string[]): Promise<void> {
    try {
      await this._client.markRead(this.peer, ids);
    } catch (err) {
      console.warn('markRead failed', err);
    }
  }

  input(text: string): void {
    this.draft.value = text;
    if (this.error.value) this.error.value = null;
    const typing = text.trim() !== '' && this.canSend.value;
    if (typing || this._typingSent) {
      this._client.sendTypingIndicator(this.peer, typing);
      this._typingSent = typing;
    }
  }

  /** Sends the draft. Bad input gets a reason, never a silent no-op. */
  async send(): Promise<boolean> {
    const content = this.draft.value.trim();
    if (content === '') {
      this.error.value = 'Write a message first.';
      return false;
    }
    if (!this.canSend.value) {
      this.error.value = this.blocked.value ? 'You blocked this contact.' : 'You can message this person once they accept your request.';
      return false;
    }
    if (content.length > this._d.maxChars) {
      this.error.value = `This message is too long: ${content.length.toLocaleString()} characters, at most ${this._d.maxChars.toLocaleString()}.`;
      return false;
    }
    const room = this._d.size ? roomLeft(content, this._d.size) : null;
    if (room !== null && room < 0) {
      this.error.value = `This message is too long: shorten it by about ${(-room).toLocaleString()} characters, or send it in parts.`;
      return false;
    }
    this.draft.value = '';
    this._typingSent = false;
    try {
      // Its `status` event (queued, with the record) has put it on screen by the time this returns.
      await this.actions.submit(content); // a reply, an edit or a plain message
      return true;
    } catch (err) {
      if (this.draft.value === '') this.draft.value = content;
      this.error.value = describeError(err);
      return false;
    }
  }

  async retry(id: string): Promise<void> {
    try {
      await this._client.retry(id); // its status event brings the record back as queued
    } catch (err) {
      this.error.value = describeError(err);
    }
  }

  askBlock(open = true): void {
    this.blockConfirm.value = open;
  }

  async block(): Promise<void> {
    this.blockConfirm.value = false;
    try {
      await this._d.contacts.block(this.peer);
    } catch (err) {
      this.error.value = describeError(err);
    }
  }

  override dispose(): void {
    if (this._typingSent && !this.disposed) {
      try {
        this._client.sendTypingIndicator(this.peer, false);
      } catch {
        // nothing to stop
      }
    }
    super.dispose();
  }
}
