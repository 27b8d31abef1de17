// Storage in the browser: one IndexedDB database, one object store per Storage concern (see
// storage.ts). The schema is the one interface below; `upgrade` migrates by oldVersion, so a
// device that skipped versions runs every step in order. IndexedDB structured-clones on put and
// on get, so every record returned is already a copy.
import { openDB, deleteDB, type DBSchema, type IDBPDatabase } from 'idb';
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

interface MetaValues {
  identity: StoredIdentity;
  settings: Settings;
  cursor: StreamCursor;
}
type MetaKey = keyof MetaValues;

export interface MessengerDB extends DBSchema {
  meta: { key: MetaKey; value: MetaValues[MetaKey] };
  contacts: { key: string; value: Contact };
  messages: { key: string; value: StoredMessage; indexes: { byPeerSeq: [string, number] } };
  conversations: { key: string; value: Conversation; indexes: { byLastSeq: number } };
  invitations: { key: string; value: InvitationRecord; indexes: { byCreatedAt: number } };
  outbox: { key: string; value: OutboxItem; indexes: { bySeq: number } };
}

export const DB_VERSION = 1;
export const DEFAULT_DB_NAME = 'session-messenger';

const STORES = ['meta', 'contacts', 'messages', 'conversations', 'invitations', 'outbox'] as const;

export interface IndexedDbStorageOptions {
  /** Database name; one per identity install. */
  readonly name?: string;
  /**
   * Another tab opened a newer version of the database and waits for this one to close. The
   * connection is closed first (so the other tab can upgrade); the app should reload.
   */
  readonly onVersionChange?: () => void;
}

export class IndexedDbStorage implements Storage {
  private constructor(
    private readonly _db: IDBPDatabase<MessengerDB>,
    readonly name: string,
  ) {}

  /** Opens (creating or migrating) the database. */
  static async open(opts: IndexedDbStorageOptions = {}): Promise<IndexedDbStorage> {
    const name = opts.name ?? DEFAULT_DB_NAME;
    let storage: IndexedDbStorage | undefined;
    const db = await openDB<MessengerDB>(name, DB_VERSION, {
      upgrade(db, oldVersion) {
        // Each step takes the schema from version N to N+1; never edit a released step.
        if (oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('contacts', { keyPath: 'sessionId' });
          db.createObjectStore('messages', { keyPath: 'id' }).createIndex('byPeerSeq', ['peer', 'seq']);
          db.createObjectStore('conversations', { keyPath: 'peer' }).createIndex('byLastSeq', 'lastSeq');
          db.createObjectStore('invitations', { keyPath: 'id' }).createIndex('byCreatedAt', 'createdAt');
          db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('bySeq', 'seq');
        }
      },
      blocking() {
        storage?.close();
        opts.onVersionChange?.();
      },
    });
    storage = new IndexedDbStorage(db, name);
    return storage;
  }

  /** Deletes the whole database (wipe this device). Close every open IndexedDbStorage on it first. */
  static async destroy(name: string = DEFAULT_DB_NAME): Promise<void> {
    await deleteDB(name);
  }

  close(): void {
    this._db.close();
  }

  /** One readwrite transaction over the stores written: IndexedDB commits all of it or none. */
  async write(writes: readonly StorageWrite[]) {
    if (writes.length === 0) return;
    const stores = [...new Set(writes.map((w) => w.store))];
    const tx = this._db.transaction(stores, 'readwrite');
    const done = tx.done;
    try {
      // Requests are queued synchronously: awaiting each would let nothing else into the
      // transaction anyway, and tx.done reports the first failure.
      for (const w of writes) {
        const store = tx.objectStore(w.store) as unknown as { put(v: unknown, k?: string): Promise<unknown>; delete(k: string): Promise<unknown> };
        const req = 'delete' in w ? store.delete(w.delete) : 'key' in w ? store.put(w.put, w.key) : store.put(w.put);
        req.catch(() => undefined); // the failure is tx.done's
      }
    } catch (err) {
      // A put that throws at once (a value that cannot be cloned) does not abort by itself.
      tx.abort();
      await done.catch(() => undefined);
      throw err;
    }
    await done;
  }

  private async _meta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
    return (await this._db.get('meta', key)) as MetaValues[K] | undefined;
  }

  getIdentity() {
    return this._meta('identity');
  }
  async setIdentity(identity: StoredIdentity) {
    await this._db.put('meta', identity, 'identity');
  }
  getSettings() {
    return this._meta('settings');
  }
  async setSettings(settings: Settings) {
    await this._db.put('meta', settings, 'settings');
  }
  getCursor() {
    return this._meta('cursor');
  }
  async setCursor(cursor: StreamCursor) {
    await this._db.put('meta', cursor, 'cursor');
  }

  getContact(sessionId: string) {
    return this._db.get('contacts', sessionId);
  }
  async putContact(contact: Contact) {
    await this._db.put('contacts', contact);
  }
  async deleteContact(sessionId: string) {
    await this._db.delete('contacts', sessionId);
  }
  listContacts() {
    return this._db.getAll('contacts');
  }

  getMessage(id: string) {
    return this._db.get('messages', id);
  }
  async putMessage(message: StoredMessage) {
    await this._db.put('messages', message);
  }
  async listMessages(peer: string, opts: ListMessagesOptions = {}) {
    const upper = opts.beforeSeq ?? Infinity;
    const range = IDBKeyRange.bound([peer, -Infinity], [peer, upper], false, opts.beforeSeq !== undefined);
    if (opts.limit === undefined) return this._db.getAllFromIndex('messages', 'byPeerSeq', range);
    // The latest `limit`: walk back from the top of the range, then return them in ascending order.
    const out: StoredMessage[] = [];
    if (opts.limit <= 0) return out;
    const tx = this._db.transaction('messages');
    for (let c = await tx.store.index('byPeerSeq').openCursor(range, 'prev'); c && out.length < opts.limit; c = await c.continue()) {
      out.push(c.value);
    }
    await tx.done;
    return out.reverse();
  }

  getConversation(peer: string) {
    return this._db.get('conversations', peer);
  }
  async putConversation(conversation: Conversation) {
    await this._db.put('conversations', conversation);
  }
  async listConversations() {
    return (await this._db.getAllFromIndex('conversations', 'byLastSeq')).reverse();
  }

  getInvitation(id: string) {
    return this._db.get('invitations', id);
  }
  async putInvitation(invitation: InvitationRecord) {
    await this._db.put('invitations', invitation);
  }
  async listInvitations() {
    return (await this._db.getAllFromIndex('invitations', 'byCreatedAt')).reverse();
  }

  getOutboxItem(id: string) {
    return this._db.get('outbox', id);
  }
  async putOutboxItem(item: OutboxItem) {
    await this._db.put('outbox', item);
  }
  async deleteOutboxItem(id: string) {
    await this._db.delete('outbox', id);
  }
  listOutbox() {
    return this._db.getAllFromIndex('outbox', 'bySeq');
  }

  async clear() {
    const tx = this._db.transaction(STORES, 'readwrite');
    await Promise.all([...STORES.map((s) => tx.objectStore(s).clear()), tx.done]);
  }
}
