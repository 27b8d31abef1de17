// IndexedDbStorage under fake-indexeddb (the one documented fake: Node has no IndexedDB; the
// real browser path is covered by the e2e suite, which reloads the app and keeps its history).
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, IndexedDbStorage } from '../indexedDbStorage.ts';
import { message, storageSuite } from './storageSuite.ts';

let n = 0;
storageSuite('IndexedDbStorage', {
  create: () => IndexedDbStorage.open({ name: `suite-${n++}` }),
  dispose: async (s) => {
    const idb = s as IndexedDbStorage;
    idb.close();
    await IndexedDbStorage.destroy(idb.name);
  },
});

describe('IndexedDbStorage', () => {
  const A = '05' + 'a'.repeat(64);

  it('keeps everything across close and reopen (a page reload)', async () => {
    const name = 'reopen';
    const s1 = await IndexedDbStorage.open({ name });
    await s1.setIdentity({ entropy: new Uint8Array(16).fill(7), deviceId: 'e'.repeat(32), createdAt: 1 });
    await s1.putMessage(message('m1', A, 1));
    await s1.putConversation({ peer: A, lastSeq: 1, unread: 1, lastMessageId: 'm1' });
    s1.close();
    const s2 = await IndexedDbStorage.open({ name });
    expect([...(await s2.getIdentity())!.entropy]).toEqual(new Array(16).fill(7));
    expect((await s2.listMessages(A)).map((m) => m.id)).toEqual(['m1']);
    expect(await s2.getConversation(A)).toEqual({ peer: A, lastSeq: 1, unread: 1, lastMessageId: 'm1' });
    s2.close();
    await IndexedDbStorage.destroy(name);
  });

  it('creates the version-1 schema: stores, key paths and indexes', async () => {
    const name = 'schema';
    (await IndexedDbStorage.open({ name })).close();
    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['contacts', 'conversations', 'invitations', 'messages', 'meta', 'outbox']);
    const tx = db.transaction(['messages', 'outbox', 'contacts']);
    expect(tx.objectStore('messages').keyPath).toBe('id');
    expect(tx.objectStore('messages').index('byPeerSeq').keyPath).toEqual(['peer', 'seq']);
    expect(tx.objectStore('outbox').index('bySeq').keyPath).toBe('seq');
    expect(tx.objectStore('contacts').keyPath).toBe('sessionId');
    db.close();
    await IndexedDbStorage.destroy(name);
  });

  it('closes itself and tells the app when another tab wants a newer version', async () => {
    const name = 'versionchange';
    let told = 0;
    const s = await IndexedDbStorage.open({ name, onVersionChange: () => told++ });
    // A newer app version in another tab: its open only succeeds because this one closes.
    const newer = await openDB(name, DB_VERSION + 1);
    expect(told).toBe(1);
    newer.close();
    await expect(s.getIdentity()).rejects.toThrow();
    await IndexedDbStorage.destroy(name);
  });

  it('destroy() removes the database (wipe this device)', async () => {
    const name = 'wipe';
    const s = await IndexedDbStorage.open({ name });
    await s.putMessage(message('m1', A, 1));
    s.close();
    await IndexedDbStorage.destroy(name);
    const again = await IndexedDbStorage.open({ name });
    expect(await again.listMessages(A)).toEqual([]);
    again.close();
    await IndexedDbStorage.destroy(name);
  });
});
