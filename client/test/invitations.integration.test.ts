// Invitations end to end: a real server, real sockets, two (or more) real clients.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/index.ts';
import { befriend, collect, eventually, next, server, user } from './integration.ts';

describe('invitations', () => {
  it('Alice invites Bob by Session ID; Bob sees it live, accepts; Alice is told; both message both ways', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);

    const invited = next(bob.c, 'invitation');
    const told = next(alice.c, 'invitationUpdate', (u) => u.status !== 'pending');
    const id = await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice', message: 'Shall we talk?' });
    const inv = await invited;
    expect(inv).toMatchObject({
      id,
      direction: 'incoming',
      peer: alice.id,
      displayName: 'Alice',
      message: 'Shall we talk?',
      status: 'pending',
    });

    await bob.c.acceptInvitation(id, { displayName: 'Bob' });
    expect(await told).toMatchObject({ id, peer: bob.id, direction: 'outgoing', status: 'accepted' });
    await eventually(async () => (await bob.c.getContact(alice.id))?.state === 'accepted', 'Bob holds Alice as a contact');
    expect((await alice.c.getContact(bob.id))?.heldGrant?.from).toBe(bob.id);
    expect(await bob.c.getContact(alice.id)).toMatchObject({ displayName: 'Alice', heldGrant: { from: alice.id, to: bob.id } });
    await eventually(async () => (await alice.c.getContact(bob.id))?.displayName === 'Bob', "Bob's profile reaches Alice");

    const toBob = next(bob.c, 'message');
    const m1 = await alice.c.sendMessage({ recipientId: bob.id, content: 'hello Bob' });
    expect(await toBob).toMatchObject({ id: m1, peer: alice.id, direction: 'in', content: 'hello Bob', messageType: 'text' });
    const toAlice = next(alice.c, 'message');
    const m2 = await bob.c.sendMessage({ recipientId: alice.id, content: 'hello Alice', messageType: 'text' });
    expect(await toAlice).toMatchObject({ id: m2, peer: bob.id, content: 'hello Alice' });
    expect((await alice.c.getConversation(bob.id)).messages.map((m) => m.content)).toEqual(['hello Bob', 'hello Alice']);
  });

  it("the inviter's own device is told of the invitation when made and again when the server acknowledges it", async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    await alice.c.disconnect();
    const created = next(alice.c, 'invitation');
    const id = await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice' });
    // Offline: made and stored, not yet acknowledged.
    expect(await created).toMatchObject({ id, direction: 'outgoing', peer: bob.id, status: 'pending', pendingOp: 'invite' });
    const acked = next(alice.c, 'invitationUpdate', (u) => u.id === id);
    const echoes = collect(alice.c, 'invitation');
    // Bob can accept only an invitation he holds: wait for it, or the accept races its delivery.
    const invited = next(bob.c, 'invitation', (i) => i.id === id);
    await alice.c.connect();
    const ack = await acked;
    expect(ack).toMatchObject({ id, peer: bob.id, direction: 'outgoing', status: 'pending' });
    expect(ack.invitation.pendingOp).toBeUndefined();
    expect((await alice.c.getInvitations()).find((i) => i.id === id)?.pendingOp).toBeUndefined();
    await invited;
    // The stream's copy of my own invitation is not told twice.
    await bob.c.acceptInvitation(id, { displayName: 'Bob' });
    await eventually(async () => (await alice.c.getContact(bob.id))?.state === 'accepted', 'Alice is told of the accept');
    expect(echoes.filter((i) => i.id === id)).toEqual([]);
  });

  it('a decline is told to the inviter at once', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const invited = next(bob.c, 'invitation');
    const id = await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice' });
    await invited;
    const told = next(alice.c, 'invitationUpdate', (u) => u.status !== 'pending');
    const mine = next(bob.c, 'invitationUpdate', (u) => u.status !== 'pending');
    await bob.c.declineInvitation(id);
    expect(await told).toMatchObject({ id, status: 'declined' });
    expect(await mine).toMatchObject({ id, status: 'declined', direction: 'incoming' });
    expect(await alice.c.getContact(bob.id)).toBeUndefined();
    // Without a grant from Bob, Alice cannot message him: the refusal is kept, not dropped.
    const failed = next(alice.c, 'status', (s) => s.status === 'failed');
    const mid = await alice.c.sendMessage({ recipientId: bob.id, content: 'please?' });
    expect(await failed).toMatchObject({ id: mid, reason: 'NO_GRANT' });
    expect((await alice.c.getOutbox()).find((i) => i.id === mid)).toMatchObject({ state: 'failed', lastError: 'NO_GRANT' });
  });

  it('a cancel is told to the invitee at once', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const invited = next(bob.c, 'invitation');
    const id = await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice' });
    await invited;
    const told = next(bob.c, 'invitationUpdate', (u) => u.status !== 'pending');
    await alice.c.cancelInvitation(id);
    expect(await told).toMatchObject({ id, status: 'cancelled', direction: 'incoming' });
    await expect(bob.c.acceptInvitation(id)).rejects.toMatchObject({ code: 'INVITE_NOT_PENDING' });
  });

  it('expiry is told to both sides', async () => {
    const srv = await server({ invitationTtlMs: 1000 });
    const alice = await user(srv);
    const bob = await user(srv);
    const aliceUpdates = collect(alice.c, 'invitationUpdate');
    const bobUpdates = collect(bob.c, 'invitationUpdate');
    const invited = next(bob.c, 'invitation');
    const id = await alice.c.sendInvitation({ recipientId: bob.id, displayName: 'Alice' });
    await invited;
    await eventually(
      () =>
        aliceUpdates.some((u) => u.id === id && u.status === 'expired') && bobUpdates.some((u) => u.id === id && u.status === 'expired'),
      'both sides are told of the expiry',
    );
    expect((await bob.c.getInvitations())[0]).toMatchObject({ id, status: 'expired' });
  });

  it('an invitation to a malformed Session ID is refused before anything is sent', async () => {
    const srv = await server();
    const alice = await user(srv);
    await expect(alice.c.sendInvitation({ recipientId: '05abc', displayName: 'A' })).rejects.toBeInstanceOf(ProtocolError);
    await expect(
      alice.c.sendInvitation({ recipientId: '05abc', displayName: 'A' }).catch((e: ProtocolError) => Promise.reject(e.code)),
    ).rejects.toBe('INVALID_SESSION_ID');
    await expect(alice.c.sendInvitation({ recipientId: alice.id, displayName: 'A' })).rejects.toMatchObject({ code: 'INVITE_SELF' });
    expect(await alice.c.getInvitations()).toEqual([]);
  });

  it('befriend helper works for the other suites', async () => {
    const srv = await server();
    const a = await user(srv);
    const b = await user(srv);
    await befriend(a, b);
    expect((await a.c.getContacts()).map((c) => c.sessionId)).toEqual([b.id]);
  });
});
