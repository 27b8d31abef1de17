// The chat list: one row per conversation, plus accepted contacts not yet written to ("say hi"),
// most recent activity first. Read from storage once, then kept by the records the SDK's events carry.
import { computed, signal } from '@preact/signals';
import type { Client, Contact, ConversationEvent, StoredMessage } from '../api.ts';
import type { Conversation } from '../../../client/storage.ts';
import { coalesce } from './_coalesce.ts';
import { Disposable } from './_disposable.ts';

export interface ChatRow {
  readonly peer: string;
  readonly last?: StoredMessage;
  readonly unread: number;
  /** When something last happened: the latest message, or when the contact was made. */
  readonly activityAt: number;
}

/**
 * The rows from what storage holds: `lasts[i]` is the last message of `conversations[i]`. Shared by
 * the live model and the start-up snapshot (snapshot.ts), so both draw the very same list.
 */
export function buildChatRows(
  conversations: readonly Conversation[],
  contacts: readonly Contact[],
  lasts: readonly (StoredMessage | undefined)[],
): ChatRow[] {
  const blocked = new Set(contacts.filter((c) => c.state === 'blocked').map((c) => c.sessionId));
  const rows: ChatRow[] = [];
  const seen = new Set<string>();
  conversations.forEach((c, i) => {
    if (blocked.has(c.peer)) return;
    const last = lasts[i];
    seen.add(c.peer);
    rows.push({ peer: c.peer, unread: c.unread, activityAt: last?.storedAt ?? 0, ...(last ? { last } : {}) });
  });
  for (const c of contacts) {
    if (c.state === 'accepted' && !seen.has(c.sessionId)) rows.push({ peer: c.sessionId, unread: 0, activityAt: c.createdAt });
  }
  return rows.sort((a, b) => b.activityAt - a.activityAt);
}

/** Rows in the list's order: most recent activity first. */
function sorted(rows: ChatRow[]): ChatRow[] {
  return rows.sort((a, b) => b.activityAt - a.activityAt);
}

export class ChatListModel extends Disposable {
  readonly rows = signal<readonly ChatRow[]>([]);
  readonly loaded = signal(false);
  readonly unreadTotal = computed(() => this.rows.value.reduce((n, r) => n + r.unread, 0));
  private _blocked = new Set<string>();

  /** The whole list from storage: at start, and when an event does not carry what a row needs. */
  readonly refresh = coalesce(async () => {
    const [conversations, contacts] = await Promise.all([this._client.getConversations(), this._client.getContacts()]);
    const lasts = await Promise.all(conversations.map((c) => (c.lastMessageId ? this._client.getMessage(c.lastMessageId) : undefined)));
    this._blocked = new Set(contacts.filter((c) => c.state === 'blocked').map((c) => c.sessionId));
    this.rows.value = buildChatRows(conversations, contacts, lasts);
    this.loaded.value = true;
  });

  constructor(private readonly _client: Client) {
    super();
    // Events carry the records they changed: a row is updated from them, without reading storage.
    this.own(_client.on('conversation', (e) => this._live(() => this._onConversation(e))));
    this.own(_client.on('status', (e) => this._live(() => this._onStatus(e.message))));
    this.own(_client.on('contact', (c) => this._live(() => this._onContact(c))));
    // Conversation features: an edited or deleted last message changes its row; a deleted chat or
    // a removed last message is read again (what is last now is not in the event).
    this.own(_client.on('messageUpdate', (m) => this._live(() => this._onStatus(m))));
    this.own(
      _client.on('removed', (r) => {
        if (r.reason === 'chat' || this.rows.value.some((row) => row.peer === r.peer && row.last && r.ids.includes(row.last.id)))
          this.refresh();
      }),
    );
    this.refresh();
  }

  /** Before the first read has landed, an event could be overwritten by it: read again instead. */
  private _live(apply: () => void): void {
    if (this.loaded.value) apply();
    else this.refresh();
  }

  private _onConversation({ conversation: c, last }: ConversationEvent): void {
    if (this._blocked.has(c.peer)) return;
    const rows = this.rows.value;
    const row = rows.find((r) => r.peer === c.peer);
    const lastNow = last ?? row?.last;
    if (!lastNow && c.lastMessageId) {
      this.refresh(); // a row this list has not seen, changed by something other than its last message
      return;
    }
    const next: ChatRow = {
      peer: c.peer,
      unread: c.unread,
      activityAt: lastNow?.storedAt ?? row?.activityAt ?? 0,
      ...(lastNow ? { last: lastNow } : {}),
    };
    this.rows.value = sorted([...rows.filter((r) => r.peer !== c.peer), next]);
  }

  private _onStatus(m: StoredMessage): void {
    const rows = this.rows.value;
    const i = rows.findIndex((r) => r.peer === m.peer && r.last?.id === m.id);
    if (i < 0) return;
    const next = rows.slice();
    next[i] = { ...rows[i]!, last: m };
    this.rows.value = next;
  }

  private _onContact(c: Contact): void {
    const rows = this.rows.value;
    if (c.state === 'blocked') {
      this._blocked.add(c.sessionId);
      if (rows.some((r) => r.peer === c.sessionId)) this.rows.value = rows.filter((r) => r.peer !== c.sessionId);
      return;
    }
    if (this._blocked.delete(c.sessionId)) {
      this.refresh(); // its conversation was hidden: read it back
      return;
    }
    if (!rows.some((r) => r.peer === c.sessionId))
      this.rows.value = sorted([...rows, { peer: c.sessionId, unread: 0, activityAt: c.createdAt }]);
  }
}
