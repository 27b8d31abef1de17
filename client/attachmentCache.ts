// Attachment bytes kept on this device, bounded: the encrypted file as uploaded or downloaded,
// keyed by its digest (so the sender's copy and a later download share one entry, and what sits
// on disk is ciphertext). Least recently used entries go first once maxBytes is passed.
// MemoryAttachmentCache for Node and tests, IndexedDbAttachmentCache (its own database, so the
// message store's schema is untouched) for the web.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface AttachmentCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Bytes held now. */
  size(): Promise<number>;
}

export const DEFAULT_CACHE_BYTES = 200 * 1024 * 1024;
export const DEFAULT_CACHE_DB = 'session-messenger-attachments';

export class MemoryAttachmentCache implements AttachmentCache {
  /** Map order is use order: the first entry is the least recently used. */
  private readonly _m = new Map<string, Uint8Array>();
  private _bytes = 0;

  constructor(private readonly _max = DEFAULT_CACHE_BYTES) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this._m.get(key);
    if (v) {
      this._m.delete(key);
      this._m.set(key, v);
    }
    return v?.slice();
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.delete(key);
    if (bytes.length > this._max) return;
    this._m.set(key, bytes.slice());
    this._bytes += bytes.length;
    for (const [k, v] of this._m) {
      if (this._bytes <= this._max) break;
      this._m.delete(k);
      this._bytes -= v.length;
    }
  }

  async delete(key: string): Promise<void> {
    const v = this._m.get(key);
    if (!v) return;
    this._m.delete(key);
    this._bytes -= v.length;
  }

  async size(): Promise<number> {
    return this._bytes;
  }
}

interface Entry {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly size: number;
  usedAt: number;
}

interface CacheDB extends DBSchema {
  files: { key: string; value: Entry; indexes: { byUsedAt: number } };
}

export class IndexedDbAttachmentCache implements AttachmentCache {
  private _clock = 0;

  private constructor(
    private readonly _db: IDBPDatabase<CacheDB>,
    private readonly _max: number,
  ) {}

  static async open(opts: { name?: string; maxBytes?: number } = {}): Promise<IndexedDbAttachmentCache> {
    const db: IDBPDatabase<CacheDB> = await openDB<CacheDB>(opts.name ?? DEFAULT_CACHE_DB, 1, {
      upgrade(d, oldVersion) {
        if (oldVersion < 1) d.createObjectStore('files', { keyPath: 'key' }).createIndex('byUsedAt', 'usedAt');
      },
      // A wipe (destroy) or a newer version elsewhere waits for this connection: let it go.
      blocking: () => db.close(),
    });
    return new IndexedDbAttachmentCache(db, opts.maxBytes ?? DEFAULT_CACHE_BYTES);
  }

  /** Deletes every cached file (wipe this device); open caches on it close themselves. */
  static async destroy(name = DEFAULT_CACHE_DB): Promise<void> {
    await deleteDB(name);
  }

  /** Increasing even when the wall clock is not. */
  private _now(): number {
    return (this._clock = Math.max(Date.now(), this._clock + 1));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const tx = this._db.transaction('files', 'readwrite');
    const e = await tx.store.get(key);
    if (e) {
      e.usedAt = this._now();
      await tx.store.put(e);
    }
    await tx.done;
    return e?.bytes;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (bytes.length > this._max) return;
    // One transaction: the entry and the evictions it causes land together.
    const tx = this._db.transaction('files', 'readwrite');
    await tx.store.put({ key, bytes, size: bytes.length, usedAt: this._now() });
    let total = 0;
    for await (const c of tx.store.index('byUsedAt').iterate(null, 'prev')) {
      total += c.value.size;
      if (total > this._max) await c.delete();
    }
    await tx.done;
  }

  async delete(key: string): Promise<void> {
    await this._db.delete('files', key);
  }

  async size(): Promise<number> {
    let total = 0;
    for (const e of await this._db.getAll('files')) total += e.size;
    return total;
  }

  close(): void {
    this._db.close();
  }
}
