// The writes of one user action or one incoming entry, stored together (Storage.write: one
// IndexedDB transaction). A send is a message, its conversation and two outbox items; were they
// written one by one, a tab closed in between could leave a message "queued" that no retry finds.
// Reads through the batch see its own writes first, so code can read-modify-write as before. The
// events the action causes are told only once everything is stored.
import type { ClientContext } from './context.ts';
import type { ClientEvents } from './events.ts';
import type { Contact, Conversation, InvitationRecord, OutboxItem, StorageWrite, StoredIdentity, StoredMessage } from './storage.ts';

type Staged = { readonly write: StorageWrite; readonly value: unknown };

export class Batch {
  /** By store and key: a record written twice is written once, with its last value. */
  private readonly _staged = new Map<string, Staged>();
  private readonly _after: (() => void)[] = [];

  constructor(private readonly _ctx: ClientContext) {}

  get size(): number {
    return this._staged.size;
  }

  private _put(store: string, key: string, write: StorageWrite, value: unknown): void {
    this._staged.set(`${store}\u0000${key}`, { write, value: structuredClone(value) });
  }

  private async _get<T>(store: string, key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const s = this._staged.get(`${store}\u0000${key}`);
    if (!s) return read();
    return s.value === null ? undefined : structuredClone(s.value as T);
  }

  putMessage(m: StoredMessage): void {
    this._put('messages', m.id, { store: 'messages', put: m }, m);
  }
  deleteMessage(id: string): void {
    this._put('messages', id, { store: 'messages', delete: id }, null);
  }
  deleteConversation(peer: string): void {
    this._put('conversations', peer, { store: 'conversations', delete: peer }, null);
  }
  getMessage(id: string): Promise<StoredMessage | undefined> {
    return this._get('messages', id, () => this._ctx.storage.getMessage(id));
  }
  putConversation(c: Conversation): void {
    this._put('conversations', c.peer, { store: 'conversations', put: c }, c);
  }
  getConversation(peer: string): Promise<Conversation | undefined> {
    return this._get('conversations', peer, () => this._ctx.storage.getConversation(peer));
  }
  putOutboxItem(item: OutboxItem): void {
    this._put('outbox', item.id, { store: 'outbox', put: item }, item);
  }
  deleteOutboxItem(id: string): void {
    this._put('outbox', id, { store: 'outbox', delete: id }, null);
  }
  getOutboxItem(id: string): Promise<OutboxItem | undefined> {
    return this._get('outbox', id, () => this._ctx.storage.getOutboxItem(id));
  }
  putContact(c: Contact): void {
    this._put('contacts', c.sessionId, { store: 'contacts', put: c }, c);
  }
  deleteContact(id: string): void {
    this._put('contacts', id, { store: 'contacts', delete: id }, null);
  }
  getContact(id: string): Promise<Contact | undefined> {
    return this._get('contacts', id, () => this._ctx.storage.getContact(id));
  }
  putInvitation(rec: InvitationRecord): void {
    this._put('invitations', rec.id, { store: 'invitations', put: rec }, rec);
  }
  setIdentity(identity: StoredIdentity): void {
    this._put('meta', 'identity', { store: 'meta', key: 'identity', put: identity }, identity);
  }

  /** Tells the app once the batch is stored (never if it is not). */
  emit<K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void {
    this._after.push(() => this._ctx.events.emit(event, payload));
  }

  /** Runs fn once the batch is stored (a frame to send, a flush to queue). */
  after(fn: () => void): void {
    this._after.push(fn);
  }

  /** Stores every write in one Storage.write, then runs what waited for it. */
  async commit(): Promise<void> {
    // The staged copies, not the callers' objects: a record changed after it was put is not
    // written half-changed.
    const writes = [...this._staged.values()].map(({ write, value }) =>
      'put' in write ? ({ ...write, put: value } as StorageWrite) : write,
    );
    this._staged.clear();
    if (writes.length > 0) await this._ctx.storage.write(writes);
    for (const fn of this._after.splice(0)) fn();
  }
}

/** Runs fn with a fresh batch and commits it; the result is fn's, once everything is stored. */
export async function atomically<T>(ctx: ClientContext, fn: (b: Batch) => Promise<T> | T): Promise<T> {
  const b = new Batch(ctx);
  const result = await fn(b);
  await b.commit();
  return result;
}
