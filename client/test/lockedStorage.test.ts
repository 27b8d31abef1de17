// The app lock's codec at the IndexedDbStorage boundary, under fake-indexeddb: the whole Storage
// contract again with the lock on, then what the lock itself promises — nothing readable at rest,
// a wrong passphrase opens nothing, a tampered or swapped record is refused, on and off in one go.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage } from '../indexedDbStorage.ts';
import { createLock, LockError, openLock, type KdfParams } from '../lockedStorage.ts';
import { message, storageSuite } from './storageSuite.ts';

// Small scrypt cost for tests only; the app uses PHONE_KDF (the parameters travel in the record).
const TEST_KDF: KdfParams = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 };
const A = '05' + 'a'.repeat(64);
const B = '05' + 'b'.repeat(64);
const ID = { entropy: new Uint8Array(16).fill(7), deviceId: 'e'.repeat(32), createdAt: 1 };

let n = 0;
storageSuite('IndexedDbStorage with the app lock on', {
  create: async () => {
    const s = await IndexedDbStorage.open({ name: `locked-suite-${n++}` });
    await s.reseal(await createLock('correct horse', TEST_KDF));
    return s;
  },
  dispose: async (s) => {
    const idb = s as IndexedDbStorage;
    idb.close();
    await IndexedDbStorage.destroy(idb.name);
  },
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LockError) return err.code;
    throw err;
  }
  return 'resolved';
}

/** A store's raw records as IndexedDB holds them (what a disk image shows). */
async function raw(name: string, store: string): Promise<unknown[]> {
  const db = await openDB(name);
  try {
    return await db.getAll(store);
  } finally {
    db.close();
  }
}

async function lockedWithHistory(name: string): Promise<IndexedDbStorage> {
  const s = await IndexedDbStorage.open({ name });
  await s.setIdentity(ID);
  await s.putMessage(message('m1', A, 1, { content: 'secret one' }));
  await s.putMessage(message('m2', B, 2, { content: 'secret two' }));
  await s.putConversation({ peer: A, lastSeq: 1, unread: 1, lastMessageId: 'm1' });
  await s.putContact({ sessionId: A, displayName: 'Alice', state: 'accepted', createdAt: 1, updatedAt: 1 });
  await s.reseal(await createLock('correct horse', TEST_KDF));
  return s;
}

describe('app lock', () => {
  it('turning it on seals what was stored; the right passphrase after a reload reads it all back', async () => {
    const name = 'lock-roundtrip';
    (await lockedWithHistory(name)).close();
    const dump = JSON.stringify(
      await Promise.all(['meta', 'contacts', 'messages', 'conversations'].map((st) => raw(name, st))),
      (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v),
    );
    expect(dump).not.toContain('secret one');
    expect(dump).not.toContain('Alice');
    expect(dump).not.toContain('e'.repeat(32)); // the device id, inside the identity record

    const s = await IndexedDbStorage.open({ name });
    expect(s.locked).toBe(true);
    expect(await code(s.getIdentity())).toBe('LOCKED');
    expect(await code(s.listConversations())).toBe('LOCKED');
    expect(await code(s.putMessage(message('m3', A, 3)))).toBe('LOCKED');
    s.unlock(await openLock((await s.getLock())!, 'correct horse'));
    expect([...(await s.getIdentity())!.entropy]).toEqual(new Array(16).fill(7));
    expect((await s.listMessages(A)).map((m) => m.content)).toEqual(['secret one']);
    expect((await s.getContact(A))!.displayName).toBe('Alice');
    s.close();
    await IndexedDbStorage.destroy(name);
  });

  it('a wrong passphrase is refused', async () => {
    const s = await lockedWithHistory('lock-wrong');
    await expect(openLock((await s.getLock())!, 'correct hors')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
    s.close();
    await IndexedDbStorage.destroy('lock-wrong');
  });

  it('a record swapped under another key, a changed byte, or a moved index field does not open', async () => {
    const name = 'lock-tamper';
    (await lockedWithHistory(name)).close();
    const db = await openDB(name);
    const m1 = await db.get('messages', 'm1');
    const m2 = await db.get('messages', 'm2');
    // m2's box stored as m1 (the clear fields made to match, as an attacker would).
    await db.put('messages', { ...m2, id: 'm1', peer: A, seq: 1 });
    const flipped = new Uint8Array(m1.sealed);
    flipped[flipped.length - 1]! ^= 1;
    await db.put('messages', { ...m1, id: 'm3', sealed: flipped });
    // Moved to another conversation by its clear index field only.
    const conv = await db.get('conversations', A);
    await db.put('conversations', { ...conv, lastSeq: 99 });
    // A record planted in clear.
    await db.put('contacts', { sessionId: B, state: 'accepted', createdAt: 1, updatedAt: 1 });
    db.close();

    const s = await IndexedDbStorage.open({ name });
    s.unlock(await openLock((await s.getLock())!, 'correct horse'));
    expect(await code(s.getMessage('m1'))).toBe('RECORD_TAMPERED');
    expect(await code(s.getMessage('m3'))).toBe('RECORD_TAMPERED');
    expect(await code(s.getConversation(A))).toBe('RECORD_TAMPERED');
    expect(await code(s.getContact(B))).toBe('RECORD_NOT_SEALED');
    expect((await s.getContact(A))!.displayName).toBe('Alice'); // the untouched ones still open
    s.close();
    await IndexedDbStorage.destroy(name);
  });

  it('turning it off writes everything back in clear, and no lock remains', async () => {
    const name = 'lock-off';
    const s = await lockedWithHistory(name);
    await s.reseal(undefined);
    s.close();
    expect((await raw(name, 'messages')).map((m) => (m as { content: string }).content).sort()).toEqual(['secret one', 'secret two']);
    const s2 = await IndexedDbStorage.open({ name });
    expect(s2.locked).toBe(false);
    expect(await s2.getLock()).toBeUndefined();
    expect((await s2.getIdentity())!.deviceId).toBe('e'.repeat(32));
    s2.close();
    await IndexedDbStorage.destroy(name);
  });

  it('a reseal that fails half-way (a record that will not open) leaves the old state whole', async () => {
    const name = 'lock-atomic';
    (await lockedWithHistory(name)).close();
    const db = await openDB(name);
    await db.put('contacts', { sessionId: B, state: 'accepted', createdAt: 1, updatedAt: 1 }); // unsealed: open() refuses it
    db.close();
    const s = await IndexedDbStorage.open({ name });
    s.unlock(await openLock((await s.getLock())!, 'correct horse'));
    expect(await code(s.reseal(undefined))).toBe('RECORD_NOT_SEALED');
    expect(await s.getLock()).toBeDefined();
    expect((await raw(name, 'messages')).every((m) => (m as { sealed?: unknown }).sealed instanceof Uint8Array)).toBe(true);
    s.close();
    await IndexedDbStorage.destroy(name);
  });
});
