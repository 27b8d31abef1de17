// The chat list: one row per conversation, plus accepted contacts not yet written to ("say hi"),
// most recent activity first. Rows are rebuilt from storage whenever something could change them.
import { computed, signal } from '@preact/signals';
import type { Client, Contact, StoredMessage } from '../api.ts';
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
export function buildChatRows(conversations: readonly Conversation[], contacts: readonly Contact[], lasts: readonly (StoredMessage | undefined)[]): ChatRow[] {
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

export class ChatListModel extends Disposable {
  readonly rows = signal<readonly ChatRow[]>([]);
  readonly loaded = signal(false);
  readonly unreadTotal = computed(() => this.rows.value.reduce((n, r) => n + r.unread, 0));

  readonly refresh = coalesce(async () => {
    const [conversations, contacts] = await Promise.all([this._client.getConversations(), this._client.getContacts()]);
    const lasts = await Promise.all(conversations.map((c) => (c.lastMessageId ? this._client.getMessage(c.lastMessageId) : undefined)));
    this.rows.value = buildChatRows(conversations, contacts, lasts);
    this.loaded.value = true;
  });

  constructor(private readonly _client: Client) {
    super();
    for (const ev of ['message', 'status', 'read', 'contact'] as const) this.own(_client.on(ev, () => this.refresh()));
    this.refresh();
  }
}
