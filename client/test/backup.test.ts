// Backup files between two devices of one identity (MemoryStorage): the round trip, the wrong
// identity, each kind of damage with nothing stored, and a second import that adds nothing.
import { describe, expect, it } from 'vitest';
import { BackupError, MemoryStorage, MessengerClient, type StoredMessage, type StorageWrite } from '../index.ts';
import { FakeWebSocket, hexId, peer } from './fakes.ts';

const PHRASE_OWNER = 'a';
/** Unread incoming per peer in seed(): i ≥ 400, not a multiple of 3, even (peer 0) or odd (peer 1). */
const UNREAD = [33, 34] as const;

async function device(phrase?: string): Promise<{ c: MessengerClient; storage: MemoryStorage; phrase: string }> {
  const storage = new MemoryStorage();
  const c = await MessengerClient.create({ url: 'ws://test/ws', WebSocket: FakeWebSocket, storage, network: null });
  const p = phrase ?? (await c.createIdentity()).phrase;
  if (phrase) await c.restoreIdentity(phrase);
  return { c, storage, phrase: p };
}

/** 500 messages with two peers, both directions, some read, and one still queued (not exported). */
async function seed(storage: MemoryStorage): Promise<{ peers: string[] }> {
  const peers = [peer().sessionId, peer().sessionId];
  const writes: StorageWrite[] = [];
  for (let i = 0; i < 500; i++) {
    const p = peers[i % 2]!;
    const out = i % 3 === 0;
    const m: StoredMessage = {
      id: hexId(i + 1),
      peer: p,
      direction: out ? 'out' : 'in',
      content: `message ${i} ${PHRASE_OWNER.repeat(i % 50)}`,
      messageType: 'text',
      sentAt: 1_000 + i,
      storedAt: 1_000 + i,
      seq: 1_000 + i,
      read: out || i < 400,
      ...(out ? { status: 'delivered' as const } : {}),
    };
    writes.push({ store: 'messages', put: m });
  }
  writes.push({
    store: 'messages',
    put: {
      id: hexId(9999),
      peer: peers[0]!,
      direction: 'out',
      content: 'not sent yet',
      messageType: 'text',
      sentAt: 2000,
      storedAt: 2000,
      seq: 2000,
      status: 'queued',
      read: true,
    },
  });
  writes.push({ store: 'conversations', put: { peer: peers[0]!, lastSeq: 2000, lastMessageId: hexId(9999), unread: UNREAD[0] } });
  writes.push({ store: 'conversations', put: { peer: peers[1]!, lastSeq: 1499, lastMessageId: hexId(500), unread: UNREAD[1] } });
  await storage.write(writes);
  return { peers };
}

/** Everything the storage holds, to compare before and after a refused import. */
async function snapshot(storage: MemoryStorage) {
  const convs = await storage.listConversations();
  return { convs, messages: await Promise.all(convs.map((c) => storage.listMessages(c.peer))) };
}

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'imported';
  } catch (e) {
    if (e instanceof BackupError) return e.code;
    throw e;
  }
};

describe('backup file between devices', () => {
  it('carries 500 messages, their read state and conversations to a device restored from the phrase', async () => {
    const a = await device();
    const { peers } = await seed(a.storage);
    const file = await a.c.exportBackup();
    const b = await device(a.phrase);
    const conversations: unknown[] = [];
    b.c.on('conversation', (e) => conversations.push(e));
    expect(await b.c.importBackup(file)).toEqual({ added: 500, markedRead: 0, maxSeq: 1499 });
    expect(conversations).toHaveLength(2);
    for (const p of peers) {
      const want = (await a.storage.listMessages(p)).filter((m) => m.status !== 'queued').map(({ storedAt: _, ...m }) => m);
      const got = (await b.storage.listMessages(p)).map(({ storedAt: _, ...m }) => m);
      expect(got).toEqual(want);
    }
    expect(await b.storage.getConversation(peers[0]!)).toEqual({
      peer: peers[0],
      lastSeq: 1498,
      lastMessageId: hexId(499),
      unread: UNREAD[0],
    });
    expect(await b.storage.getConversation(peers[1]!)).toEqual({
      peer: peers[1],
      lastSeq: 1499,
      lastMessageId: hexId(500),
      unread: UNREAD[1],
    });
  });

  it('imports again without duplicates, and only adds what is new or newly read', async () => {
    const a = await device();
    const { peers } = await seed(a.storage);
    const b = await device(a.phrase);
    await b.c.importBackup(await a.c.exportBackup());
    const before = await snapshot(b.storage);
    expect(await b.c.importBackup(await a.c.exportBackup())).toEqual({ added: 0, markedRead: 0, maxSeq: 0 });
    expect(await snapshot(b.storage)).toEqual(before);
    // Read on A afterwards: a new backup only changes the read flags.
    const unread = (await a.storage.listMessages(peers[1]!)).filter((m) => !m.read).map((m) => m.id);
    await a.c.markRead(peers[1]!, unread);
    expect(await b.c.importBackup(await a.c.exportBackup())).toMatchObject({ added: 0, markedRead: UNREAD[1] });
    expect(await b.storage.getConversation(peers[1]!)).toMatchObject({ unread: 0 });
  });

  it('refuses a backup of another identity and stores nothing', async () => {
    const a = await device();
    await seed(a.storage);
    const other = await device();
    await other.storage.write([
      {
        store: 'messages',
        put: {
          id: hexId(1),
          peer: peer().sessionId,
          direction: 'in',
          content: 'mine',
          messageType: 'text',
          sentAt: 1,
          storedAt: 1,
          seq: 1,
          read: false,
        },
      },
    ]);
    const before = await snapshot(other.storage);
    expect(await codeOf(other.c.importBackup(await a.c.exportBackup()))).toBe('BACKUP_WRONG_IDENTITY');
    expect(await snapshot(other.storage)).toEqual(before);
  });

  it('refuses damaged header, body and a cut file, each with nothing written', async () => {
    const a = await device();
    await seed(a.storage);
    const file = await a.c.exportBackup();
    const b = await device(a.phrase);
    let writes = 0;
    const write = b.storage.write.bind(b.storage);
    b.storage.write = (w) => {
      writes++;
      return write(w);
    };
    const flip = (i: number) => {
      const f = file.slice();
      f[i]! ^= 0x01;
      return f;
    };
    expect(await codeOf(b.c.importBackup(flip(0)))).toBe('BACKUP_NOT_A_BACKUP');
    expect(await codeOf(b.c.importBackup(flip(4)))).toBe('BACKUP_VERSION');
    expect(await codeOf(b.c.importBackup(flip(60)))).toBe('BACKUP_WRONG_IDENTITY');
    expect(await codeOf(b.c.importBackup(flip(200)))).toBe('BACKUP_CORRUPT');
    expect(await codeOf(b.c.importBackup(flip(file.length - 1)))).toBe('BACKUP_CORRUPT');
    expect(await codeOf(b.c.importBackup(file.subarray(0, file.length - 1)))).toBe('BACKUP_TRUNCATED');
    expect(await codeOf(b.c.importBackup(file.subarray(0, 30)))).toBe('BACKUP_TRUNCATED');
    expect(writes).toBe(0);
    expect(await b.c.getConversations()).toEqual([]);
    expect(await codeOf(b.c.importBackup(file))).toBe('imported');
    expect(writes).toBe(1);
  });
});
