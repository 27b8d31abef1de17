// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../client/index.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { InvitationsModel } from '../src/models/invitations.ts';
import { device } from '../../client/test/integration.ts';
import { eventually, friends, next, prefs, server, user } from './helpers.ts';

describe('InvitationsModel', () => {
  it('shows a request live, accepts it with my name, and the inviter learns it', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const bobPrefs = prefs();
    bobPrefs.setDisplayName('Bob');
    const bobContacts = new ContactsModel(bob.c);
    const bobInv = new InvitationsModel(bob.c, bobContacts, bobPrefs);
    const aliceContacts = new ContactsModel(alice.c);
    const aliceInv = new InvitationsModel(alice.c, aliceContacts, prefs());

    await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice', message: 'Hi Bob' });
    aliceInv.refresh(); // the SDK tells no event for a request this device sent
    await eventually(() => bobInv.incomingCount.value === 1, 'Bob sees the request');
    const inv = bobInv.incoming.value[0]!;
    expect(inv).toMatchObject({ peer: alice.id, displayName: 'Alice', message: 'Hi Bob' });
    expect(bobContacts.name(alice.id)).toBe('Alice'); // named from the request before it is accepted
    await aliceInv.refresh.idle();
    expect(aliceInv.outgoing.value.map((i) => i.status)).toEqual(['pending']);

    expect(await bobInv.accept(inv.id)).toBe(true);
    await eventually(() => bobInv.incomingCount.value === 0, 'answered');
    await eventually(() => aliceInv.outgoing.value[0]?.status === 'accepted', 'Alice is told');
    await eventually(() => aliceContacts.name(bob.id) === 'Bob', "Bob's name reaches Alice");
    await eventually(() => aliceContacts.online.value.has(bob.id), 'and his presence');

    // A second accept of the same request fails with a reason, shown on that request.
    expect(await bobInv.accept(inv.id)).toBe(false);
    expect(bobInv.errors.value.get(inv.id)).toBe('This request was already answered or has expired.');
  });

  it('one request from two of my devices at once is one row on each, and both learn the answer', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const tablet = await device(srv, alice.phrase);
    const views = [alice.c, tablet].map((c) => new InvitationsModel(c, new ContactsModel(c), prefs()));
    // The server keeps one pending request per pair: the slower device's is refused as a duplicate.
    await Promise.all([
      alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice', message: 'from the phone' }),
      tablet.sendInvitation({ recipientId: bob.id, displayName: 'Alice', message: 'from the tablet' }),
    ]);
    await eventually(
      async () => (await tablet.getInvitations()).some((i) => i.duplicate) || (await alice.c.getInvitations()).some((i) => i.duplicate),
      'one refused as a duplicate',
    );
    for (const v of views) {
      v.refresh();
      await eventually(() => v.outgoing.value.length === 1, 'one row');
      expect(v.outgoing.value[0]!.status).toBe('pending');
    }
    const bobInv = new InvitationsModel(bob.c, new ContactsModel(bob.c), prefs());
    await eventually(() => bobInv.incomingCount.value === 1, 'Bob sees one request');
    expect(await bobInv.accept(bobInv.incoming.value[0]!.id)).toBe(true);
    for (const v of views) await eventually(() => v.outgoing.value.map((i) => i.status).join() === 'accepted', 'accepted, one row');
  });

  it('declines, and blocks: the blocked sender leaves the contacts and cannot ask again', async () => {
    const srv = await server();
    const alice = await user(srv);
    const mallory = await user(srv);
    const contacts = new ContactsModel(alice.c);
    const inv = new InvitationsModel(alice.c, contacts, prefs());
    const told = next(mallory.c, 'invitationUpdate', (u) => u.status !== 'pending');
    await mallory.c.sendInvitation({ recipientId: alice.id, displayName: 'M', message: 'spam' });
    await eventually(() => inv.incomingCount.value === 1, 'request');
    expect(await inv.decline(inv.incoming.value[0]!.id)).toBe(true);
    expect((await told).status).toBe('declined');

    await mallory.c.sendInvitation({ recipientId: alice.id, displayName: 'M', message: 'spam again' });
    await eventually(() => inv.incomingCount.value === 1, 'second request');
    expect(await inv.block(inv.incoming.value[0]!)).toBe(true);
    await eventually(() => contacts.blocked.value.some((c) => c.sessionId === mallory.id), 'blocked');
    expect(inv.incomingCount.value).toBe(0);
  });
});

describe('ContactsModel privacy', () => {
  it('is reciprocal: hiding my presence or typing hides theirs from me', async () => {
    const { alice, bob } = await friends();
    const privacy = signal({ ...DEFAULT_SETTINGS });
    const contacts = new ContactsModel(alice.c, privacy);
    await eventually(() => contacts.online.value.has(bob.id), 'Bob online');
    privacy.value = { ...privacy.value, sharePresence: false };
    expect(contacts.online.value.has(bob.id)).toBe(false);
    expect(contacts.reportedOnline.value.has(bob.id)).toBe(true);
    bob.c.sendTypingIndicator(alice.id, true);
    await eventually(() => contacts.reportedTyping.value.has(bob.id), 'typing reported');
    expect(contacts.typing.value.has(bob.id)).toBe(true);
    privacy.value = { ...privacy.value, shareTyping: false };
    expect(contacts.typing.value.has(bob.id)).toBe(false);
  });
});
