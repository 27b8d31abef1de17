// A tab closed in the middle of an action (client/batch.ts): every record the action writes goes in
// one Storage.write, so at whatever write the tab dies, the next start finds either all of it
// (and the outbox sends it) or none of it, never a message "queued" that no retry finds.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage } from '../indexedDbStorage.ts';
import { MemoryStorage, type Storage } from '../index.ts';
import { envelope, harness, hexId, peer } from './fakes.ts';
import { ClosingTab } from './instrumented.ts';

let n = 0;
const kinds: Record<string, () => Promise<Storage>> = {
  MemoryStorage: async () => new MemoryStorage(),
  'IndexedDbStorage (fake-indexeddb)': () => IndexedDbStorage.open({ name: `atomic-${n++}` }),
};

describe.each(Object.keys(kinds))('a tab closed mid-action, on %s', (kind) => {
  it('mid-send: after a restart the message is either absent or queued and sent by the outbox', async () => {
    const outcomes = new Set<string>();
    // A send stores four records; try closing the tab before each of them and after all.
    for (let budget = 0; budget <= 5; budget++) {
      const inner = await kinds[kind]!();
      const tab = new ClosingTab(inner);
      const h = await harness({ storage: tab.storage });
      const bob = peer();
      await h.befriend(bob);
      tab.budget = budget;
      await h.c.sendMessage({ recipientId: bob.sessionId, content: 'mid-send' }).catch(() => undefined);

      const again = await harness({ storage: inner }); // the app opened again on what was stored
      const { s } = await again.connect();
      const stored = await inner.listMessages(bob.sessionId);
      const conversation = await inner.getConversation(bob.sessionId);
      const sent = s.frames('send').map((f) => f.to);
      if (stored.length === 0) {
        outcomes.add('absent');
        expect(conversation, `budget ${budget}`).toBeUndefined();
        expect(await inner.listOutbox(), `budget ${budget}`).toEqual([]);
      } else {
        outcomes.add('queued');
        expect(stored[0], `budget ${budget}`).toMatchObject({ content: 'mid-send', status: 'queued' });
        expect(conversation?.lastMessageId, `budget ${budget}`).toBe(stored[0]!.id);
        // Found by the outbox: the message and its copy for my other devices go out.
        expect(sent, `budget ${budget}`).toEqual([bob.sessionId, again.me]);
        expect(s.frames('send')[0]!.id).toBe(stored[0]!.id);
      }
      if (inner instanceof IndexedDbStorage) inner.close();
    }
    expect([...outcomes].sort()).toEqual(['absent', 'queued']);
  });

  it('mid-receive: the message and its conversation land together, so a re-delivery still counts it unread', async () => {
    const bob = peer();
    const id = hexId(7);
    const body = { t: 'msg', id, ts: 1, content: 'hi', messageType: 'text' };
    for (let budget = 0; budget <= 2; budget++) {
      const inner = await kinds[kind]!();
      const tab = new ClosingTab(inner);
      const h = await harness({ storage: tab.storage });
      await h.befriend(bob);
      const { s } = await h.connect();
      tab.budget = budget;
      s.push(envelope(bob, h.me, body, { offset: 1 }));
      await h.timers.advance(50);

      const again = await harness({ storage: inner });
      const { s: s2 } = await again.connect({ resumed: true });
      s2.push(envelope(bob, again.me, body, { offset: 1 })); // not acknowledged before: sent again
      await again.timers.advance(50);
      expect(
        (await inner.listMessages(bob.sessionId)).map((m) => m.id),
        `budget ${budget}`,
      ).toEqual([id]);
      expect(await inner.getConversation(bob.sessionId), `budget ${budget}`).toEqual({
        peer: bob.sessionId,
        lastSeq: expect.any(Number),
        unread: 1,
        lastMessageId: id,
      });
      if (inner instanceof IndexedDbStorage) inner.close();
    }
  });
});
