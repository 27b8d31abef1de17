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
import type { AccountState } from './accountSync.ts';
import { isSealed, KEY_PATH, LockError, type LockAttempts, type LockRecord, type RecordCodec, type StoreName } from './lockedStorage.ts';

interface MetaValues {
  identity: StoredIdentity;
  settings: Settings;
  cursor: StreamCursor;
  /** The app lock (lockedStorage.ts), always in clear: it is what unlocks the rest. */
  lock: LockRecord;
  lockAttempts: LockAttempts;
  account: AccountState;
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
/** Meta keys never sealed: the lock itself. */
const LOCK_KEYS: readonly string[] = ['lock', 'lockAttempts'];

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
  /** The app lock's codec once unlocked; undefined with the lock off or still locked. */
  private _codec: RecordCodec | undefined;

  private constructor(
    private readonly _db: IDBPDatabase<MessengerDB>,
    readonly name: string,
    /** The lock is on and not yet opened: every read and write is refused. */
    private _locked: boolean,
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
    storage = new IndexedDbStorage(db, name, (await db.get('meta', 'lock')) !== undefined);
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
        const store = tx.objectStore(w.store) as unknown as {
          put(v: unknown, k?: string): Promise<unknown>;
          delete(k: string): Promise<unknown>;
        };
        const req =
          'delete' in w
            ? store.delete(w.delete)
            : 'key' in w
              ? store.put(this._seal('meta', w.put, w.key), w.key)
              : store.put(this._seal(w.store, w.put));
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

  // The app lock's boundary: every record passes _seal on its way in and _open on its way out.
  private _seal<T extends object>(store: StoreName, value: T, metaKey?: string): T {
    if (this._locked) throw new LockError('LOCKED', 'the app is locked');
    if (!this._codec) return value;
    const key = metaKey ?? String((value as Record<string, unknown>)[KEY_PATH[store as Exclude<StoreName, 'meta'>]]);
    return this._codec.seal(store, key, value) as T;
  }
  private _open<T>(store: StoreName, stored: T | undefined, metaKey?: string): T | undefined {
    return this._openWith(this._codec, store, stored, metaKey);
  }
  private _openWith<T>(codec: RecordCodec | undefined, store: StoreName, stored: T | undefined, metaKey?: string): T | undefined {
    if (stored === undefined) return undefined;
    if (this._locked) throw new LockError('LOCKED', 'the app is locked');
    if (!codec) {
      if (isSealed(stored)) throw new LockError('LOCKED', 'a sealed record without the lock open');
      return stored;
    }
    const key = metaKey ?? String((stored as Record<string, unknown>)[KEY_PATH[store as Exclude<StoreName, 'meta'>]]);
    return codec.open(store, key, stored as object) as T;
  }
  private _openAll<T>(store: StoreName, stored: T[]): T[] {
    return stored.map((v) => this._open(store, v)!);
  }
  private async _put<T extends object>(store: Exclude<StoreName, 'meta'>, value: T): Promise<void> {
    await (this._db as unknown as IDBPDatabase).put(store, this._seal(store, value));
  }

  private async _meta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
    return this._open('meta', (await this._db.get('meta', key)) as MetaValues[K] | undefined, key);
  }
  private async _putMeta<K extends MetaKey>(key: K, value: MetaValues[K]): Promise<void> {
    await this._db.put('meta', this._seal('meta', value, key), key);
  }

  // ---- The app lock (lockedStorage.ts). Its records are read and written in clear. ----

  /** The lock is on and has not been opened on this connection. */
  get locked(): boolean {
    return this._locked;
  }
  async getLock(): Promise<LockRecord | undefined> {
    return (await this._db.get('meta', 'lock')) as LockRecord | undefined;
  }
  async getLockAttempts(): Promise<LockAttempts | undefined> {
    return (await this._db.get('meta', 'lockAttempts')) as LockAttempts | undefined;
  }
  async setLockAttempts(attempts: LockAttempts): Promise<void> {
    await this._db.put('meta', attempts, 'lockAttempts');
  }
  /** Opens the lock for this connection with the codec openLock gave (the passphrase was checked). */
  unlock(codec: RecordCodec): void {
    this._codec = codec;
    this._locked = false;
  }

  /**
   * Turns the lock on (next given), changes its passphrase, or turns it off (undefined): every
   * record is opened with the current codec and rewritten with the next, with the lock record, in
   * one transaction — a tab closed half-way leaves the old state whole.
   */
  async reseal(next: { record: LockRecord; codec: RecordCodec } | undefined): Promise<void> {
    if (this._locked) throw new LockError('LOCKED', 'the app is locked');
    const tx = this._db.transaction(STORES, 'readwrite');
    const done = tx.done;
    // Switched now, not after commit: a write the running SDK makes from here on queues behind this
    // transaction (IndexedDB runs overlapping ones in creation order), so it must be sealed the new way.
    const prev = this._codec;
    this._codec = next?.codec;
    try {
      for (const name of STORES) {
        const store = tx.objectStore(name) as unknown as {
          getAllKeys(): Promise<string[]>;
          getAll(): Promise<object[]>;
          put(v: unknown, k?: string): Promise<unknown>;
        };
        const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          if (name === 'meta' && LOCK_KEYS.includes(key)) continue;
          const metaKey = name === 'meta' ? key : undefined;
          const plain = this._openWith(prev, name, values[i], metaKey)!;
          const out = next ? next.codec.seal(name, key, plain) : plain;
          void (name === 'meta' ? store.put(out, key) : store.put(out)).catch(() => undefined);
        }
      }
      const meta = tx.objectStore('meta');
      void (next ? meta.put(next.record, 'lock') : meta.delete('lock')).catch(() => undefined);
      void meta.delete('lockAttempts').catch(() => undefined);
      await done;
    } catch (err) {
      this._codec = prev;
      try {
        tx.abort();
      } catch {
        // already finished (the commit itself failed)
      }
      await done.catch(() => undefined);
      throw err;
    }
  }

  getIdentity() {
    return this._meta('identity');
  }
  async setIdentity(identity: StoredIdentity) {
    await this._putMeta('identity', identity);
  }
  getSettings() {
    return this._meta('settings');
  }
  async setSettings(settings: Settings) {
    await this._putMeta('settings', settings);
  }
  getCursor() {
    return this._meta('cursor');
  }
  async setCursor(cursor: StreamCursor) {
    await this._putMeta('cursor', cursor);
  }

  getAccount() {
    return this._meta('account');
  }

  getContact(sessionId: string) {
    return this._db.get('contacts', sessionId).then((v) => this._open('contacts', v));
  }
  async putContact(contact: Contact) {
    await this._put('contacts', contact);
  }
  async deleteContact(sessionId: string) {
    await this._db.delete('contacts', sessionId);
  }
  async listContacts() {
    return this._openAll('contacts', await this._db.getAll('contacts'));
  }

  getMessage(id: string) {
    return this._db.get('messages', id).then((v) => this._open('messages', v));
  }
  async putMessage(message: StoredMessage) {
    await this._put('messages', message);
  }
  async listMessages(peer: string, opts: ListMessagesOptions = {}) {
    const upper = opts.beforeSeq ?? Infinity;
    const range = IDBKeyRange.bound([peer, -Infinity], [peer, upper], false, opts.beforeSeq !== undefined);
    if (opts.limit === undefined) return this._openAll('messages', await this._db.getAllFromIndex('messages', 'byPeerSeq', range));
    // The latest `limit`: walk back from the top of the range, then return them in ascending order.
    const out: StoredMessage[] = [];
    if (opts.limit <= 0) return out;
    const tx = this._db.transaction('messages');
    for (let c = await tx.store.index('byPeerSeq').openCursor(range, 'prev'); c && out.length < opts.limit; c = await c.continue()) {
      out.push(this._open('messages', c.value)!);
    }
    await tx.done;
    return out.reverse();
  }

  getConversation(peer: string) {
    return this._db.get('conversations', peer).then((v) => this._open('conversations', v));
  }
  async putConversation(conversation: Conversation) {
    await this._put('conversations', conversation);
  }
  async listConversations() {
    return this._openAll('conversations', await this._db.getAllFromIndex('conversations', 'byLastSeq')).reverse();
  }

  getInvitation(id: string) {
    return this._db.get('invitations', id).then((v) => this._open('invitations', v));
  }
  async putInvitation(invitation: InvitationRecord) {
    await this._put('invitations', invitation);
  }
  async listInvitations() {
    return this._openAll('invitations', await this._db.getAllFromIndex('invitations', 'byCreatedAt')).reverse();
  }

  getOutboxItem(id: string) {
    return this._db.get('outbox', id).then((v) => this._open('outbox', v));
  }
  async putOutboxItem(item: OutboxItem) {
    await this._put('outbox', item);
  }
  async deleteOutboxItem(id: string) {
    await this._db.delete('outbox', id);
  }
  async listOutbox() {
    return this._openAll('outbox', await this._db.getAllFromIndex('outbox', 'bySeq'));
  }

  async clear() {
    const tx = this._db.transaction(STORES, 'readwrite');
    await Promise.all([...STORES.map((s) => tx.objectStore(s).clear()), tx.done]);
    // The lock record went with everything else.
    this._codec = undefined;
    this._locked = false;
  }
}
