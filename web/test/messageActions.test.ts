// @vitest-environment happy-dom
// The chat's conversation features on real SDK clients and a real relay.
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { ChatModel, PAGE } from '../src/models/chat.ts';
import { ChatListModel } from '../src/models/chatList.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { jumpTarget } from '../src/models/messageActions.ts';
import { NotificationsModel } from '../src/models/notifications.ts';
import { SearchModel } from '../src/models/search.ts';
import type { MessengerClient } from '../../client/index.ts';
import { eventually, fakeNotifier, friends, prefs } from './helpers.ts';

function chat(client: MessengerClient, peer: string) {
  const contacts = new ContactsModel(client);
  return new ChatModel(peer, { client, contacts, visible: signal(true), maxChars: 64 * 1024 });
}

async function pair() {
  const { alice, bob } = await friends();
  const a = chat(alice.c, bob.id);
  const b = chat(bob.c, alice.id);
  await eventually(() => a.loaded.value && b.loaded.value && a.canSend.value && b.canSend.value, 'both chats loaded');
  return { alice, bob, a, b };
}

async function send(m: ChatModel, text: string, other: ChatModel): Promise<string> {
  m.input(text);
  expect(await m.send()).toBe(true);
  await eventually(() => other.messages.value.some((x) => x.content === text), `"${text}" arrived`);
  return other.messages.value.find((x) => x.content === text)!.id;
}

describe('MessageActions', () => {
  it('reply, react, edit and delete for everyone show on both chats', async () => {
    const { bob, a, b } = await pair();
    const id = await send(a, 'first', b);
    b.actions.openMenu(id);
    expect(b.actions.menu.value?.id).toBe(id);
    b.actions.startReply(id);
    expect(b.actions.menu.value).toBeNull();
    expect(b.actions.replyTo.value?.id).toBe(id);
    await send(b, 'an answer', a);
    expect(b.actions.replyTo.value).toBeNull();
    expect(a.messages.value.at(-1)?.replyTo).toEqual({ id, quote: 'first' });

    await b.actions.react(id, '❤️', bob.id);
    await eventually(() => a.messages.value.find((m) => m.id === id)?.reactions?.['❤️']?.length === 1, 'reaction on Alice');

    a.actions.startEdit(id);
    expect(a.draft.value).toBe('first');
    a.input('first, edited');
    expect(await a.send()).toBe(true);
    await eventually(() => b.messages.value.find((m) => m.id === id)?.content === 'first, edited', 'edit on Bob');
    expect(b.messages.value.find((m) => m.id === id)?.editedAt).toBeTypeOf('number');
    expect(a.actions.canEdit(b.messages.value.find((m) => m.id === id)!)).toBe(false); // Bob's view: not his

    expect(await a.actions.deleteForEveryone(id)).toBe(true);
    await eventually(() => b.messages.value.find((m) => m.id === id)?.deleted === true, 'tombstone on Bob');
    // Bob cannot delete Alice's message for everyone: a clear error, not a silent no-op.
    const other = await send(a, 'second', b);
    expect(await b.actions.deleteForEveryone(other)).toBe(false);
    expect(b.error.value).toMatch(/NOT_AUTHOR/);
  });

  it('the timer notice, mute, delete for me and delete chat; the list follows', async () => {
    const { alice, bob, a, b } = await pair();
    const list = new ChatListModel(alice.c);
    const n = fakeNotifier('granted');
    const notes = new NotificationsModel({
      client: alice.c,
      contacts: new ContactsModel(alice.c),
      prefs: prefs(),
      visible: signal(false),
      notifier: n,
    });
    await a.actions.setTimer(60 * 60_000);
    await eventually(() => b.messages.value.some((m) => m.messageType === 'timer'), 'Bob sees the notice');
    expect(b.actions.timerMs.value).toBe(60 * 60_000);

    expect(await a.actions.toggleMute()).toBe(true);
    await eventually(() => a.actions.muted.value, 'muted');
    await send(b, 'quiet please', a);
    expect(n.shown).toEqual([]);
    await a.actions.toggleMute();
    await eventually(() => !a.actions.muted.value, 'unmuted');
    const loud = await send(b, 'loud', a);
    await eventually(() => n.shown.length === 1, 'notified once unmuted');

    await a.actions.deleteForMe(loud);
    await eventually(() => !a.messages.value.some((m) => m.id === loud), 'gone from the chat');
    await eventually(
      () => list.rows.value.find((r) => r.peer === bob.id)?.last?.content === 'quiet please',
      'the list shows what is last now',
    );
    expect(b.messages.value.some((m) => m.id === loud)).toBe(true);

    expect(await a.actions.deleteChat()).toBe(true);
    await eventually(
      () => a.messages.value.length === 0 && list.rows.value.find((r) => r.peer === bob.id)?.last === undefined,
      'chat emptied',
    );
    expect(b.messages.value.length).toBeGreaterThan(0);
    notes.dispose();
    list.dispose();
  });

  it('search finds an old message and the chat pages back to it', async () => {
    const { alice, bob, a, b } = await pair();
    const old = await send(a, 'the Needle in a haystack', b);
    for (let i = 0; i < PAGE + 5; i++) await alice.c.sendMessage({ recipientId: bob.id, content: `hay ${i}` });
    await eventually(async () => (await bob.c.getMessages(alice.id)).length === PAGE + 6, 'all arrived');
    const search = new SearchModel(bob.c);
    await search.input('needle');
    expect(search.results.value.map((m) => m.id)).toEqual([old]);
    // An open chat goes to the result at once.
    search.open(search.results.value[0]!);
    await eventually(() => b.actions.highlight.value === old, 'the open chat shows it');
    b.dispose();
    // A chat opened by the result pages back to it once its first page is in.
    search.open(search.results.value[0]!);
    expect(jumpTarget.value).toEqual({ peer: alice.id, id: old });
    const reopened = chat(bob.c, alice.id);
    await eventually(() => reopened.actions.highlight.value === old, 'paged back to the old message');
    expect(reopened.messages.value.some((m) => m.id === old)).toBe(true);
    expect(jumpTarget.value).toBeNull();
    reopened.dispose();
    a.dispose();
  });
});
