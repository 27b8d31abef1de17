// @vitest-environment happy-dom
// Alice and Bob on a real relay; their chat models on top of real SDK clients.
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { ChatModel, PAGE } from '../src/models/chat.ts';
import { ChatListModel } from '../src/models/chatList.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { befriend, eventually, friends, offlineClient, user } from './helpers.ts';
import type { MessengerClient } from '../../client/index.ts';
import { MemoryStorage } from '../../client/index.ts';

function chat(client: MessengerClient, peer: string, visible = signal(true)) {
  const contacts = new ContactsModel(client);
  const m = new ChatModel(peer, { client, contacts, visible, maxChars: 64 * 1024 });
  return { m, contacts, visible };
}

describe('ChatModel', () => {
  it('sends with status ticks to read, receives, marks read only while visible, and shows typing', async () => {
    const { alice, bob } = await friends();
    const a = chat(alice.c, bob.id);
    const b = chat(bob.c, alice.id, signal(false)); // Bob's page is hidden at first
    await eventually(() => a.m.loaded.value && b.m.loaded.value && a.m.canSend.value && b.m.canSend.value, 'both chats loaded');

    // Bad input gets a reason, not a silent no-op.
    a.m.input('   ');
    expect(await a.m.send()).toBe(false);
    expect(a.m.error.value).toBe('Write a message first.');

    a.m.input('Hello Bob');
    await eventually(() => b.contacts.typing.value.has(alice.id), 'Bob sees Alice typing');
    expect(b.m.typing.value).toBe(true);
    expect(await a.m.send()).toBe(true);
    expect(a.m.draft.value).toBe('');
    expect(a.m.error.value).toBeNull();
    await eventually(() => a.m.messages.value[0]?.status === 'delivered', 'delivered to Bob');
    await eventually(() => b.m.messages.value.some((m) => m.content === 'Hello Bob'), 'Bob has it');
    await eventually(() => !b.m.typing.value, 'the message ends the typing indicator');

    // Hidden: no read receipt. Visible: read.
    // Bob's model has the message, and both SDKs have processed everything they had queued: a
    // read receipt sent by mistake would be on its way to Alice by now.
    await eventually(() => b.m.unreadIds.value.length === 1, 'Bob holds it unread');
    await bob.c.idle();
    await alice.c.idle();
    expect(b.m.unreadIds.value).toHaveLength(1);
    expect(a.m.messages.value[0]?.status).toBe('delivered');
    b.visible.value = true;
    await eventually(() => a.m.messages.value[0]?.status === 'read', 'Alice sees it read');
    expect(b.m.unreadIds.value).toEqual([]);

    // And back.
    b.m.input('Hi Alice');
    await b.m.send();
    await eventually(() => a.m.messages.value.map((m) => m.content).join('|') === 'Hello Bob|Hi Alice', 'Alice has the reply in order');

    a.m.dispose();
    b.m.dispose();
  });

  it('pages older messages in, newest page first, without duplicates', async () => {
    const storage = new MemoryStorage();
    const client = await offlineClient(storage);
    await client.createIdentity();
    const peer = '05' + '2a'.repeat(32);
    const total = PAGE * 2 + 7;
    for (let seq = 1; seq <= total; seq++) {
      await storage.putMessage({
        id: `m${seq}`,
        peer,
        direction: 'in',
        content: `#${seq}`,
        messageType: 'text',
        sentAt: seq,
        storedAt: seq,
        seq,
        read: true,
      });
    }
    const { m } = chat(client, peer);
    await eventually(() => m.loaded.value, 'loaded');
    expect(m.messages.value).toHaveLength(PAGE);
    expect(m.messages.value[0]!.seq).toBe(total - PAGE + 1);
    expect(m.hasOlder.value).toBe(true);
    expect(await m.loadOlder()).toBe(PAGE);
    expect(await m.loadOlder()).toBe(7);
    expect(m.hasOlder.value).toBe(false);
    expect(await m.loadOlder()).toBe(0);
    expect(m.messages.value.map((x) => x.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    m.dispose();
  });

  it('keeps a message written offline as queued, and says why a stranger cannot be written to', async () => {
    const client = await offlineClient();
    await client.createIdentity();
    const stranger = '05' + '3b'.repeat(32);
    const { m } = chat(client, stranger);
    await eventually(() => m.loaded.value, 'loaded');
    m.input('hello?');
    expect(await m.send()).toBe(false);
    expect(m.error.value).toBe('You can message this person once they accept your request.');
    m.dispose();
  });
});

describe('ChatListModel', () => {
  it('lists new contacts and conversations by latest activity, with unread counts', async () => {
    const { srv, alice, bob } = await friends();
    const carol = await user(srv);
    await befriend(alice, carol);
    const list = new ChatListModel(alice.c);
    await eventually(() => list.rows.value.length === 2, 'two contacts listed');
    expect(list.rows.value.every((r) => r.unread === 0 && !r.last)).toBe(true);
    await bob.c.sendMessage({ recipientId: alice.id, content: 'one' });
    await bob.c.sendMessage({ recipientId: alice.id, content: 'two' });
    await eventually(() => list.rows.value[0]?.peer === bob.id && list.rows.value[0]?.unread === 2, "Bob's chat on top with 2 unread");
    expect(list.rows.value[0]!.last?.content).toBe('two');
    expect(list.unreadTotal.value).toBe(2);
    await carol.c.sendMessage({ recipientId: alice.id, content: 'hey' });
    await eventually(() => list.rows.value[0]?.peer === carol.id, "Carol's newer message puts her on top");
    await alice.c.block(carol.id);
    await eventually(() => list.rows.value.every((r) => r.peer !== carol.id), 'a blocked contact leaves the list');
    list.dispose();
  });
});
