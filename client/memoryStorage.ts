// Storage in memory: Node (tests, bots, benchmarks). Values are structured-cloned in and out, as
// IndexedDB does, so code that works here does not rely on aliasing that IndexedDB would break.
import type { AccountState } from './accountSync.ts';
import type {
  Contact,
  Conversation,
  InvitationRecord,
  ListMessagesOptions,
  OutboxItem,
  Settings,
  Storage,
  StoredIdentity,
  StoredMessage,
  StorageWrite,
  StreamCursor,
} from './storage.ts';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStorage implements Storage {
  private _identity: StoredIdentity | undefined;
  private _settings: Settings | undefined;
  private _cursor: StreamCursor | undefined;
  private _account: AccountState | undefined;
  private readonly _contacts = new Map<string, Contact>();
  private readonly _messages = new Map<string, StoredMessage>();
  private readonly _conversations = new Map<string, Conversation>();
  private readonly _invitations = new Map<string, InvitationRecord>();
  private readonly _outbox = new Map<string, OutboxItem>();

  /** All or nothing: every value is copied (the step that can throw) before any is applied. */
  async write(writes: readonly StorageWrite[]) {
    const copies = writes.map((w) => ('put' in w ? ({ ...w, put: clone(w.put) } as StorageWrite) : w));
    for (const w of copies) this._apply(w);
  }

  private _apply(w: StorageWrite): void {
    if ('delete' in w) {
      (({ contacts: this._contacts, outbox: this._outbox, messages: this._messages, conversations: this._conversations }) as const)[
        w.store
      ].delete(w.delete);
      return;
    }
    switch (w.store) {
      case 'contacts':
        this._contacts.set(w.put.sessionId, w.put);
        return;
      case 'messages':
        this._messages.set(w.put.id, w.put);
        return;
      case 'conversations':
        this._conversations.set(w.put.peer, w.put);
        return;
      case 'invitations':
        this._invitations.set(w.put.id, w.put);
        return;
      case 'outbox':
        this._outbox.set(w.put.id, w.put);
        return;
      case 'meta':
        if (w.key === 'identity') this._identity = w.put;
        else if (w.key === 'settings') this._settings = w.put;
        else if (w.key === 'account') this._account = w.put;
        else this._cursor = w.put;
    }
  }

  async getAccount() {
    return clone(this._account);
  }
  async getIdentity() {
    return clone(this._identity);
  }
  async setIdentity(identity: StoredIdentity) {
    this._identity = clone(identity);
  }
  async getSettings() {
    return clone(this._settings);
  }
  async setSettings(settings: Settings) {
    this._settings = clone(settings);
  }
  async getCursor() {
    return clone(this._cursor);
  }
  async setCursor(cursor: StreamCursor) {
    this._cursor = clone(cursor);
  }

  async getContact(sessionId: string) {
    return clone(this._contacts.get(sessionId));
  }
  async putContact(contact: Contact) {
    this._contacts.set(contact.sessionId, clone(contact));
  }
  async deleteContact(sessionId: string) {
    this._contacts.delete(sessionId);
  }
  async listContacts() {
    return [...this._contacts.values()].map(clone);
  }

  async getMessage(id: string) {
    return clone(this._messages.get(id));
  }
  async putMessage(message: StoredMessage) {
    this._messages.set(message.id, clone(message));
  }
  async listMessages(peer: string, opts: ListMessagesOptions = {}) {
    let list = [...this._messages.values()].filter((m) => m.peer === peer && (opts.beforeSeq === undefined || m.seq < opts.beforeSeq));
    list.sort((a, b) => a.seq - b.seq);
    if (opts.limit !== undefined) list = list.slice(Math.max(0, list.length - opts.limit));
    return list.map(clone);
  }

  async getConversation(peer: string) {
    return clone(this._conversations.get(peer));
  }
  async putConversation(conversation: Conversation) {
    this._conversations.set(conversation.peer, clone(conversation));
  }
  async listConversations() {
    return [...this._conversations.values()].sort((a, b) => b.lastSeq - a.lastSeq).map(clone);
  }

  async getInvitation(id: string) {
    return clone(this._invitations.get(id));
  }
  async putInvitation(invitation: InvitationRecord) {
    this._invitations.set(invitation.id, clone(invitation));
  }
  async listInvitations() {
    return [...this._invitations.values()].sort((a, b) => b.createdAt - a.createdAt).map(clone);
  }

  async getOutboxItem(id: string) {
    return clone(this._outbox.get(id));
  }
  async putOutboxItem(item: OutboxItem) {
    this._outbox.set(item.id, clone(item));
  }
  async deleteOutboxItem(id: string) {
    this._outbox.delete(id);
  }
  async listOutbox() {
    return [...this._outbox.values()].sort((a, b) => a.seq - b.seq).map(clone);
  }

  async clear() {
    this._identity = undefined;
    this._settings = undefined;
    this._cursor = undefined;
    this._account = undefined;
    this._contacts.clear();
    this._messages.clear();
    this._conversations.clear();
    this._invitations.clear();
    this._outbox.clear();
  }
}
