// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { AddContactModel } from '../src/models/addContact.ts';
import { ContactsModel } from '../src/models/contacts.ts';
import { InvitationsModel } from '../src/models/invitations.ts';
import { engine, offlineClient, prefs } from './helpers.ts';

async function setup() {
  const client = await offlineClient();
  const { sessionId } = await client.createIdentity();
  const p = prefs();
  p.setDisplayName('Ada');
  const contacts = new ContactsModel(client);
  const invitations = new InvitationsModel(client, contacts, p);
  const deps = { client, engine: await engine(), contacts, invitations, prefs: p, me: sessionId };
  return { client, sessionId, contacts, invitations, deps, p };
}

const BOB = '05' + '1f'.repeat(32);

describe('AddContactModel', () => {
  it('rejects malformed IDs inline with the reason, once the input is finished', async () => {
    const { deps } = await setup();
    const m = new AddContactModel(deps);
    m.setId('05abc');
    expect(m.idError.value).toBeNull(); // still typing: no shouting yet
    m.blurId();
    expect(m.idError.value).toBe('A Session ID is 66 characters long; this one has 5.');
    m.setId('hello world');
    expect(m.idError.value).toBe('A Session ID has only the characters 0-9 and a-f.');
    m.setId('06' + 'a'.repeat(64));
    expect(m.idError.value).toBe('A Session ID starts with 05.');
    m.setId(`  ${BOB}\n`); // a paste with whitespace is fine
    expect(m.idError.value).toBeNull();
  });

  it('takes an ID selected across line breaks or typed in upper case as the ID it means, and sends to it', async () => {
    const { deps, client } = await setup();
    const m = new AddContactModel(deps);
    m.setId(`${BOB.slice(0, 33).toUpperCase()}\n${BOB.slice(33)}`);
    expect(m.sessionId.value).toBe(BOB);
    expect(m.idError.value).toBeNull();
    expect(await m.submit()).toBe(true);
    expect((await client.getInvitations()).map((i) => i.peer)).toEqual([BOB]);
    // An invite link carries the ID the same way.
    expect(new AddContactModel(deps, ` ${BOB.toUpperCase()} `).sessionId.value).toBe(BOB);
    // The SDK itself accepts the pasted form too.
    const carol = '05' + '2e'.repeat(32);
    await client.sendInvitation({ recipientId: `${carol.slice(0, 40)}\r\n${carol.slice(40).toUpperCase()}`, displayName: 'Ada' });
    expect((await client.getInvitations()).map((i) => i.peer).sort()).toEqual([BOB, carol].sort());
  });

  it('refuses my own ID, and a name-less request, without sending', async () => {
    const { deps, sessionId, client } = await setup();
    const m = new AddContactModel(deps, sessionId);
    expect(m.idError.value).toBe('That is your own Session ID. Ask the other person for theirs.');
    expect(await m.submit()).toBe(false);
    m.setId(BOB);
    m.setName('   ');
    expect(await m.submit()).toBe(false);
    expect(m.nameError.value).toMatch(/Enter the name they will see/);
    expect(await client.getInvitations()).toEqual([]);
  });

  it('sends the request (queued while offline) and then refuses a duplicate', async () => {
    const { deps, client, invitations, p } = await setup();
    const m = new AddContactModel(deps);
    expect(m.name.value).toBe('Ada'); // my name, remembered
    m.setId(BOB);
    m.setName('Ada L.');
    m.setNote('Hi Bob, it is Ada');
    expect(await m.submit()).toBe(true);
    expect(m.sentId.value).toMatch(/^[0-9a-f]{32}$/);
    const [inv] = await client.getInvitations();
    expect(inv).toMatchObject({
      id: m.sentId.value,
      peer: BOB,
      direction: 'outgoing',
      status: 'pending',
      displayName: 'Ada L.',
      message: 'Hi Bob, it is Ada',
      pendingOp: 'invite',
    });
    expect(p.displayName.value).toBe('Ada L.');
    await invitations.refresh.idle();
    expect(invitations.outgoing.value.map((i) => i.peer)).toEqual([BOB]);

    const again = new AddContactModel(deps, BOB);
    expect(again.idError.value).toMatch(/already sent a request/);
  });
});
