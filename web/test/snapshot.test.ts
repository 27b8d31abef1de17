// @vitest-environment happy-dom
// The start-up snapshot (read from storage by the shell before the SDK) against the live models on
// the same storage: the live list must replace it row for row. And the app shows it while the SDK
// chunk is still on its way, then hands over to the live session.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../client/index.ts';
import { AppModel } from '../src/models/app.ts';
import { ChatListModel } from '../src/models/chatList.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { InvitationsModel } from '../src/models/invitations.ts';
import { Prefs } from '../src/models/prefs.ts';
import { readSnapshot } from '../src/models/snapshot.ts';
import type { Engine } from '../src/api.ts';
import { befriend, engine, eventually, fakeNotifier, memoryKeyValue, next, server, user } from './helpers.ts';

async function aliceWithHistory() {
  const srv = await server();
  const storage = new MemoryStorage();
  const alice = await user(srv, { storage });
  const bob = await user(srv);
  const carol = await user(srv);
  const dave = await user(srv);
  await befriend(alice, bob);
  await befriend(carol, alice); // Carol's invitation names her "A"
  const got = next(alice.c, 'message', (m) => m.peer === bob.id);
  await bob.c.sendMessage({ recipientId: alice.id, content: 'hello from Bob' });
  await got;
  const invited = next(alice.c, 'invitation', (i) => i.peer === dave.id);
  await dave.c.sendInvitation({ recipientId: alice.id, displayName: 'Dave', message: 'hi' });
  await invited;
  const prefs = new Prefs(memoryKeyValue());
  return { srv, storage, alice, bob, carol, dave, prefs };
}

describe('start-up snapshot', () => {
  it('holds the rows, names and request count the live models show, read from storage alone', async () => {
    const { storage, alice, bob, carol, dave, prefs } = await aliceWithHistory();
    expect(await readSnapshot(storage, prefs)).toBeNull(); // onboarding never finished here
    prefs.setOnboarded(alice.id);
    const snap = (await readSnapshot(storage, prefs))!;

    const contacts = new ContactsModel(alice.c);
    const chats = new ChatListModel(alice.c);
    const invitations = new InvitationsModel(alice.c, contacts, prefs);
    await Promise.all([chats.refresh.idle(), contacts.refresh.idle(), invitations.refresh.idle()]);

    expect(snap.me).toBe(alice.id);
    expect(snap.rows).toEqual(chats.rows.value);
    expect(snap.rows.map((r) => r.peer)).toEqual([bob.id, carol.id]);
    expect(snap.rows[0]!.last?.content).toBe('hello from Bob');
    expect(snap.rows[0]!.unread).toBe(1);
    for (const id of [bob.id, carol.id, dave.id]) {
      expect(snap.names.get(id)).toBe(contacts.hasName(id) ? contacts.name(id) : undefined);
    }
    expect(snap.names.get(dave.id)).toBe('Dave');
    expect(snap.requests).toBe(invitations.incomingCount.value);
    expect(snap.requests).toBe(1);
    expect(snap.hasContacts).toBe(true);
    for (const m of [contacts, chats, invitations]) m.dispose();
  });

  it('is shown while the SDK chunk loads, then the live session takes over', async () => {
    const { srv, storage, alice, prefs } = await aliceWithHistory();
    prefs.setOnboarded(alice.id);
    await alice.c.disconnect();
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const a = new AppModel({
      loadEngine: async (): Promise<Engine> => {
        await held;
        return engine();
      },
      openStorage: async () => ({ storage, destroy: () => storage.clear() }),
      url: srv.url,
      prefs,
      notifier: fakeNotifier(),
      clientOptions: { WebSocket, network: null },
    });
    const booted = a.boot();
    await eventually(() => a.preview.value !== null, 'the preview is read');
    expect(a.phase.value).toBe('loading');
    expect(a.session.value).toBeNull();
    const rows = a.preview.value!.rows;

    release();
    await booted;
    expect(a.phase.value).toBe('main');
    expect(a.preview.value).toBeNull();
    expect(a.session.value!.chats.rows.value).toEqual(rows);
    a.dispose();
  });
});
