// What the chat list looked like when the app was last open, read straight from the SDK's storage
// by the shell before the SDK and its crypto have arrived: on a slow network they come a round trip
// after the entry script, and the list (names, last messages, unread counts) needs none of them.
// Read-only, through the same Storage (IndexedDbStorage, already in the shell) and the same row
// builder as the live ChatListModel, so the live list that replaces it draws the same rows.
import { DEFAULT_SETTINGS, type Storage } from '../../../client/storage.ts';
import { buildChatRows, type ChatRow } from './chatList.ts';
import type { Prefs } from './prefs.ts';

export interface ChatListSnapshot {
  /** My Session ID, as onboarding recorded it (deriving it needs the crypto). */
  readonly me: string;
  readonly rows: readonly ChatRow[];
  /** Real names known for peers (contact record, else a pending request); the rest show a short ID. */
  readonly names: ReadonlyMap<string, string>;
  /** Pending contact requests to me, except from people I blocked. */
  readonly requests: number;
  /** My requests still waiting for an answer (the empty list says so). */
  readonly waiting: number;
  readonly hasContacts: boolean;
  readonly receiptsOn: boolean;
  /** When it was read: the list's relative times. */
  readonly at: number;
}

/** Null when this device has no onboarded identity: the SDK decides what to show then. */
export async function readSnapshot(storage: Storage, prefs: Prefs, now = Date.now()): Promise<ChatListSnapshot | null> {
  const me = prefs.onboardedId.value;
  if (!me || !(await storage.getIdentity())) return null;
  const [conversations, contacts, invitations, settings] = await Promise.all([
    storage.listConversations(),
    storage.listContacts(),
    storage.listInvitations(),
    storage.getSettings(),
  ]);
  const lasts = await Promise.all(conversations.map((c) => (c.lastMessageId ? storage.getMessage(c.lastMessageId) : undefined)));
  const blocked = new Set(contacts.filter((c) => c.state === 'blocked').map((c) => c.sessionId));
  const names = new Map<string, string>();
  for (const i of invitations) if (i.direction === 'incoming' && i.displayName) names.set(i.peer, i.displayName);
  for (const c of contacts) if (c.displayName) names.set(c.sessionId, c.displayName);
  return {
    me,
    rows: buildChatRows(conversations, contacts, lasts),
    names,
    requests: invitations.filter((i) => i.direction === 'incoming' && i.status === 'pending' && !blocked.has(i.peer)).length,
    waiting: invitations.filter((i) => i.direction === 'outgoing' && i.status === 'pending').length,
    hasContacts: contacts.some((c) => c.state === 'accepted'),
    receiptsOn: (settings ?? DEFAULT_SETTINGS).sendReadReceipts,
    at: now,
  };
}
