// The Storage contract (client/storage.ts), run against every implementation: MemoryStorage in
// Node and IndexedDbStorage (under fake-indexeddb). An implementation passes only if it behaves
// like the others in ordering, paging, copying and clearing.
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { Contact, Conversation, InvitationRecord, OutboxItem, Storage, StoredMessage } from '../storage.ts';

const A = '05' + 'a'.repeat(64);
const B = '05' + 'b'.repeat(64);

export function message(id: string, peer: string, seq: number, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id,
    peer,
    direction: 'in',
    content: `m${seq}`,
    messageType: 'text',
    sentAt: 1000 + seq,
    storedAt: 2000 + seq,
    seq,
    read: false,
    ...extra,
  };
}

function invitation(id: string, createdAt: number): InvitationRecord {
  return { id, direction: 'incoming', peer: A, status: 'pending', createdAt, expiresAt: createdAt + 86_400_000, updatedAt: createdAt };
}

function outboxItem(id: string, seq: number): OutboxItem {
  return { id, to: A, kind: 'msg', body: '{}', seq, createdAt: seq, state: 'pending', attempts: 0 };
}

export interface StorageSuiteOptions {
  /** A fresh, empty storage for each test. */
  readonly create: () => Promise<Storage>;
  readonly dispose?: (s: Storage) => Promise<void> | void;
}

export function storageSuite(name: string, opts: StorageSuiteOptions): void {
  describe(`Storage contract: ${name}`, () => {
    let s: Storage;
    beforeEach(async () => {
      s = await opts.create();
    });
    afterEach(async () => {
      await opts.dispose?.(s);
    });

    it('starts empty', async () => {
      expect(await s.getIdentity()).toBeUndefined();
      expect(await s.getSettings()).toBeUndefined();
      expect(await s.getCursor()).toBeUndefined();
      expect(await s.getContact(A)).toBeUndefined();
      expect(await s.getMessage('x')).toBeUndefined();
      expect(await s.listContacts()).toEqual([]);
      expect(await s.listMessages(A)).toEqual([]);
      expect(await s.listConversations()).toEqual([]);
      expect(await s.listInvitations()).toEqual([]);
      expect(await s.listOutbox()).toEqual([]);
    });

    it('keeps identity bytes, settings and cursor, and returns copies', async () => {
      const entropy = new Uint8Array(16).map((_, i) => i + 1);
      await s.setIdentity({ entropy, deviceId: 'd'.repeat(32), createdAt: 5 });
      entropy[0] = 99; // mutating what was put must not reach storage
      const got = (await s.getIdentity())!;
      expect(got.entropy).toBeInstanceOf(Uint8Array);
      expect([...got.entropy]).toEqual([...new Uint8Array(16).map((_, i) => i + 1)]);
      got.entropy[1] = 77;
      expect((await s.getIdentity())!.entropy[1]).toBe(2);

      await s.setSettings({ sharePresence: false, shareTyping: true, sendReadReceipts: false });
      expect(await s.getSettings()).toEqual({ sharePresence: false, shareTyping: true, sendReadReceipts: false });
      await s.setCursor({ epoch: 'e1', offset: 3 });
      await s.setCursor({ epoch: 'e1', offset: 7 });
      expect(await s.getCursor()).toEqual({ epoch: 'e1', offset: 7 });
    });

    it('puts, overwrites, lists and deletes contacts', async () => {
      const c: Contact = { sessionId: A, state: 'accepted', displayName: 'Ann', createdAt: 1, updatedAt: 1 };
      await s.putContact(c);
      await s.putContact({ sessionId: B, state: 'blocked', createdAt: 2, updatedAt: 2 });
      await s.putContact({ ...c, displayName: 'Anna', updatedAt: 3 });
      const got = (await s.getContact(A))!;
      expect(got.displayName).toBe('Anna');
      got.state = 'blocked';
      expect((await s.getContact(A))!.state).toBe('accepted');
      expect((await s.listContacts()).map((x) => x.sessionId).sort()).toEqual([A, B]);
      await s.deleteContact(A);
      await s.deleteContact('05' + 'c'.repeat(64)); // absent: no error
      expect((await s.listContacts()).map((x) => x.sessionId)).toEqual([B]);
    });

    it('lists one conversation in ascending seq, with limit and beforeSeq paging', async () => {
      // Put out of order and interleaved with another peer.
      for (const seq of [5, 1, 9, 3, 7]) await s.putMessage(message(`a${seq}`, A, seq));
      for (const seq of [2, 4, 6]) await s.putMessage(message(`b${seq}`, B, seq));
      expect((await s.listMessages(A)).map((m) => m.seq)).toEqual([1, 3, 5, 7, 9]);
      expect((await s.listMessages(B)).map((m) => m.id)).toEqual(['b2', 'b4', 'b6']);
      expect((await s.listMessages(A, { limit: 2 })).map((m) => m.seq)).toEqual([7, 9]);
      expect((await s.listMessages(A, { beforeSeq: 7 })).map((m) => m.seq)).toEqual([1, 3, 5]);
      expect((await s.listMessages(A, { beforeSeq: 7, limit: 2 })).map((m) => m.seq)).toEqual([3, 5]);
      expect((await s.listMessages(A, { beforeSeq: 1 })).map((m) => m.seq)).toEqual([]);
      expect((await s.listMessages(A, { limit: 0 })).map((m) => m.seq)).toEqual([]);
      expect((await s.listMessages(A, { limit: 100 })).length).toBe(5);
      expect(await s.listMessages('05' + 'c'.repeat(64))).toEqual([]);
    });

    it('updates a message in place and returns copies', async () => {
      await s.putMessage(message('m1', A, 1, { direction: 'out', status: 'queued', read: true }));
      const m = (await s.getMessage('m1'))!;
      m.status = 'delivered';
      expect((await s.getMessage('m1'))!.status).toBe('queued');
      await s.putMessage(m);
      expect((await s.getMessage('m1'))!.status).toBe('delivered');
      expect((await s.listMessages(A)).length).toBe(1);
    });

    it('write() deletes messages and conversations (delete for me, expiry, delete chat), out of the peer index too', async () => {
      for (const seq of [1, 2, 3])
        await s.putMessage(message(`a${seq}`, A, seq, { reactions: { '👍': [B] }, replyTo: { id: 'x', quote: 'q' } }));
      await s.putConversation({ peer: A, lastSeq: 3, unread: 0, muted: true, disappearMs: 300_000 });
      expect((await s.getMessage('a1'))?.reactions).toEqual({ '👍': [B] });
      await s.write([{ store: 'messages', delete: 'a2' }]);
      expect(await s.getMessage('a2')).toBeUndefined();
      expect((await s.listMessages(A)).map((m) => m.id)).toEqual(['a1', 'a3']);
      expect(await s.getConversation(A)).toMatchObject({ muted: true, disappearMs: 300_000 });
      await s.write([
        { store: 'messages', delete: 'a1' },
        { store: 'messages', delete: 'a3' },
        { store: 'conversations', delete: A },
      ]);
      expect(await s.listMessages(A)).toEqual([]);
      expect(await s.listConversations()).toEqual([]);
    });

    it('lists conversations by most recent activity first', async () => {
      const conv = (peer: string, lastSeq: number): Conversation => ({ peer, lastSeq, unread: 0 });
      await s.putConversation(conv(A, 3));
      await s.putConversation(conv(B, 5));
      expect((await s.listConversations()).map((c) => c.peer)).toEqual([B, A]);
      await s.putConversation({ ...conv(A, 8), unread: 2, lastMessageId: 'x' });
      expect((await s.listConversations()).map((c) => c.peer)).toEqual([A, B]);
      expect(await s.getConversation(A)).toEqual({ peer: A, lastSeq: 8, unread: 2, lastMessageId: 'x' });
    });

    it('lists invitations newest first', async () => {
      await s.putInvitation(invitation('i1', 100));
      await s.putInvitation(invitation('i3', 300));
      await s.putInvitation(invitation('i2', 200));
      expect((await s.listInvitations()).map((i) => i.id)).toEqual(['i3', 'i2', 'i1']);
      const i = (await s.getInvitation('i2'))!;
      i.status = 'accepted';
      await s.putInvitation(i);
      expect((await s.getInvitation('i2'))!.status).toBe('accepted');
      expect((await s.listInvitations()).length).toBe(3);
    });

    it('lists the outbox in ascending seq and deletes items', async () => {
      await s.putOutboxItem(outboxItem('o3', 3));
      await s.putOutboxItem(outboxItem('o1', 1));
      await s.putOutboxItem(outboxItem('o2', 2));
      expect((await s.listOutbox()).map((o) => o.id)).toEqual(['o1', 'o2', 'o3']);
      await s.putOutboxItem({ ...outboxItem('o2', 2), state: 'sent', sentAt: 9 });
      expect((await s.getOutboxItem('o2'))!.state).toBe('sent');
      await s.deleteOutboxItem('o1');
      await s.deleteOutboxItem('nope');
      expect((await s.listOutbox()).map((o) => o.id)).toEqual(['o2', 'o3']);
    });

    it('write() applies a batch of every kind of write, in order', async () => {
      await s.putOutboxItem(outboxItem('gone', 1));
      await s.putContact({ sessionId: B, state: 'accepted', createdAt: 1, updatedAt: 1 });
      await s.write([
        { store: 'messages', put: message('m1', A, 2) },
        { store: 'conversations', put: { peer: A, lastSeq: 2, unread: 1, lastMessageId: 'm1' } },
        { store: 'outbox', put: outboxItem('o2', 2) },
        { store: 'outbox', delete: 'gone' },
        { store: 'contacts', put: { sessionId: A, state: 'accepted', createdAt: 2, updatedAt: 2 } },
        { store: 'contacts', delete: B },
        { store: 'invitations', put: invitation('i1', 5) },
        { store: 'meta', key: 'cursor', put: { epoch: 'e', offset: 4 } },
        { store: 'meta', key: 'settings', put: { sharePresence: false, shareTyping: true, sendReadReceipts: true } },
        { store: 'meta', key: 'identity', put: { entropy: new Uint8Array(16), deviceId: 'd'.repeat(32), createdAt: 1 } },
        { store: 'messages', put: message('m1', A, 2, { content: 'last write wins' }) },
      ]);
      expect((await s.getMessage('m1'))!.content).toBe('last write wins');
      expect(await s.getConversation(A)).toEqual({ peer: A, lastSeq: 2, unread: 1, lastMessageId: 'm1' });
      expect((await s.listOutbox()).map((o) => o.id)).toEqual(['o2']);
      expect((await s.listContacts()).map((c) => c.sessionId)).toEqual([A]);
      expect((await s.listInvitations()).map((i) => i.id)).toEqual(['i1']);
      expect(await s.getCursor()).toEqual({ epoch: 'e', offset: 4 });
      expect((await s.getSettings())!.sharePresence).toBe(false);
      expect((await s.getIdentity())!.deviceId).toBe('d'.repeat(32));
      await s.write([]);
    });

    it('write() is all or nothing: a batch whose last write fails leaves every record as it was', async () => {
      await s.putMessage(message('m0', A, 1));
      await s.putOutboxItem(outboxItem('o0', 1));
      // A value that cannot be stored (structured clone refuses functions), last in the batch.
      const poisoned = { ...message('m2', A, 3), bad: () => 1 } as unknown as StoredMessage;
      await expect(
        s.write([
          { store: 'messages', put: message('m1', A, 2, { direction: 'out', status: 'queued', read: true }) },
          { store: 'conversations', put: { peer: A, lastSeq: 2, unread: 0, lastMessageId: 'm1' } },
          { store: 'outbox', put: outboxItem('o1', 2) },
          { store: 'outbox', delete: 'o0' },
          { store: 'meta', key: 'cursor', put: { epoch: 'e', offset: 9 } },
          { store: 'messages', put: poisoned },
        ]),
      ).rejects.toThrow();
      expect((await s.listMessages(A)).map((m) => m.id)).toEqual(['m0']);
      expect(await s.getConversation(A)).toBeUndefined();
      expect((await s.listOutbox()).map((o) => o.id)).toEqual(['o0']);
      expect(await s.getCursor()).toBeUndefined();
      // Still usable.
      await s.write([{ store: 'outbox', put: outboxItem('o3', 3) }]);
      expect((await s.listOutbox()).map((o) => o.id)).toEqual(['o0', 'o3']);
    });

    it('write() keeps no reference to what it was given', async () => {
      const m = message('m1', A, 1);
      await s.write([{ store: 'messages', put: m }]);
      m.read = true;
      expect((await s.getMessage('m1'))!.read).toBe(false);
    });

    it('clear() forgets everything, identity included', async () => {
      await s.setIdentity({ entropy: new Uint8Array(16), deviceId: 'd'.repeat(32), createdAt: 1 });
      await s.setSettings({ sharePresence: true, shareTyping: true, sendReadReceipts: true });
      await s.setCursor({ epoch: 'e', offset: 1 });
      await s.putContact({ sessionId: A, state: 'accepted', createdAt: 1, updatedAt: 1 });
      await s.putMessage(message('m', A, 1));
      await s.putConversation({ peer: A, lastSeq: 1, unread: 1 });
      await s.putInvitation(invitation('i', 1));
      await s.putOutboxItem(outboxItem('o', 1));
      await s.clear();
      expect(await s.getIdentity()).toBeUndefined();
      expect(await s.getSettings()).toBeUndefined();
      expect(await s.getCursor()).toBeUndefined();
      expect(await s.listContacts()).toEqual([]);
      expect(await s.listMessages(A)).toEqual([]);
      expect(await s.listConversations()).toEqual([]);
      expect(await s.listInvitations()).toEqual([]);
      expect(await s.listOutbox()).toEqual([]);
      // Usable afterwards.
      await s.putMessage(message('m2', A, 2));
      expect((await s.listMessages(A)).map((m) => m.id)).toEqual(['m2']);
    });
  });
}
