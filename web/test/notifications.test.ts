// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { ContactsModel } from '../src/models/contacts.ts';
import { NotificationsModel } from '../src/models/notifications.ts';
import { befriend, eventually, fakeNotifier, friends, next, prefs, server, user } from './helpers.ts';

describe('NotificationsModel', () => {
  it('asks only once there is a contact, and notifies only while the page is hidden', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const notifier = fakeNotifier('default');
    const visible = signal(true);
    const contacts = new ContactsModel(alice.c);
    const p = prefs();
    const m = new NotificationsModel({ client: alice.c, contacts, prefs: p, visible, notifier });
    expect(m.prompt.value).toBe(false); // first load: never asked

    // A request while hidden: not granted yet, so nothing shown.
    visible.value = false;
    const got = next(alice.c, 'invitation');
    await bob.c.sendInvitation({ recipientId: alice.id, displayName: 'Bob', message: 'hi' });
    await got;
    expect(notifier.shown).toEqual([]);
    await alice.c.declineInvitation((await alice.c.getInvitations())[0]!.id);

    await befriend(bob, alice); // Bob invites (as "A", the helper's name) and Alice accepts
    await eventually(() => m.prompt.value, 'the prompt appears after the first contact');
    await m.enable();
    expect(m.permission.value).toBe('granted');
    expect(m.prompt.value).toBe(false);

    const first = next(alice.c, 'message');
    await bob.c.sendMessage({ recipientId: alice.id, content: 'while you were away' });
    await first;
    await eventually(() => notifier.shown.length === 1, 'one notification');
    expect(notifier.shown[0]).toMatchObject({ title: 'A', body: 'while you were away', tag: `chat-${bob.id}`, url: `/#/chat/${bob.id}` });

    visible.value = true;
    const second = next(alice.c, 'message');
    await bob.c.sendMessage({ recipientId: alice.id, content: 'you are here now' });
    await second;
    expect(notifier.shown).toHaveLength(1);
    m.dispose();
  });

  it('"Not now" is remembered', async () => {
    const { alice } = await friends();
    const contacts = new ContactsModel(alice.c);
    const p = prefs();
    const m = new NotificationsModel({ client: alice.c, contacts, prefs: p, visible: signal(true), notifier: fakeNotifier() });
    await eventually(() => m.prompt.value, 'prompt');
    m.dispose();
    m.dismiss();
    expect(m.prompt.value).toBe(false);
    expect(p.notifyDismissed.value).toBe(true);
  });
});

describe('NotificationsModel privacy level', () => {
  it('says as much as the chosen level: name and text, name only, or just "New message"; and subscribes to push once granted', async () => {
    const { alice, bob } = await friends('bob');
    const notifier = fakeNotifier('default');
    const level = signal<'full' | 'name' | 'none'>('name');
    let granted = 0;
    const m = new NotificationsModel({
      client: alice.c,
      contacts: new ContactsModel(alice.c),
      prefs: prefs(),
      visible: signal(false),
      notifier,
      level,
      onGranted: async () => void granted++,
    });
    await m.enable();
    expect(granted).toBe(1);
    for (const [l, text, expected] of [
      ['name', 'one', { title: 'A', body: 'New message' }],
      ['none', 'two', { title: 'Session', body: 'New message' }],
      ['full', 'three', { title: 'A', body: 'three' }],
    ] as const) {
      level.value = l;
      const got = next(alice.c, 'message');
      await bob.c.sendMessage({ recipientId: alice.id, content: text });
      await got;
      await eventually(
        () =>
          notifier.shown.length > 0 &&
          notifier.shown.at(-1)!.body !== undefined &&
          notifier.shown.length === ['name', 'none', 'full'].indexOf(l) + 1,
        `notification at ${l}`,
      );
      expect(notifier.shown.at(-1)).toMatchObject(expected);
    }
    m.dispose();
  });
});
