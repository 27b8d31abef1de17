// @vitest-environment happy-dom
// The composer says how much room is left near the size limit, and a message that would not fit
// is refused with how much to cut, before anything is queued.
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { ChatModel, roomLeft } from '../src/models/chat.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { engine, eventually, friends } from './helpers.ts';

describe('message size in the composer', () => {
  const size = { measure: (t: string) => new TextEncoder().encode(t).length, max: () => 1000 };

  it('says nothing far from the limit, the room left near it, and how much is over', () => {
    expect(roomLeft('a'.repeat(799), size)).toBeNull();
    expect(roomLeft('a'.repeat(900), size)).toBe(100);
    expect(roomLeft('a'.repeat(1000), size)).toBe(0);
    expect(roomLeft('a'.repeat(1010), size)).toBe(-10);
    // Four bytes an emoji: 260 of them (1040 bytes) are about 10 too many.
    expect(roomLeft('😀'.repeat(260), size)).toBe(-10);
  });

  it('refuses a draft that does not fit, keeps it, and queues nothing', async () => {
    const { alice, bob } = await friends();
    const e = await engine();
    const contacts = new ContactsModel(alice.c);
    const m = new ChatModel(bob.id, {
      client: alice.c,
      contacts,
      visible: signal(true),
      maxChars: e.MAX_CONTENT_CHARS,
      size: { measure: e.contentBytes, max: () => alice.c.maxMessageBytes() },
    });
    await eventually(() => m.canSend.value, 'Bob is an accepted contact in the model');
    const max = alice.c.maxMessageBytes();
    m.input('a'.repeat(max - 10));
    expect(m.room.value).toBe(10);
    m.input('ж'.repeat(max)); // two bytes each: about max / 2 characters too many
    expect(m.room.value).toBe(-Math.ceil(max / 2));
    expect(await m.send()).toBe(false);
    expect(m.error.value).toMatch(/too long: shorten it by about/);
    expect(m.draft.value).toBe('ж'.repeat(max));
    expect(await alice.c.getOutbox()).toEqual([]);
    expect((await alice.c.getConversation(bob.id)).messages).toEqual([]);
    m.dispose();
  });
});
