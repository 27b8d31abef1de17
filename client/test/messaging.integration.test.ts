// Messages, statuses, typing and presence end to end: a real server, real sockets, real clients.
import { describe, expect, it } from 'vitest';
import type { StatusEvent } from '../index.ts';
import { befriend, collect, eventually, next, server, user, friends } from './integration.ts';

describe('messaging', () => {
  it("Alice's message goes queued → sent → delivered → read, never backwards", async () => {
    const srv = await server();
    const { alice, bob } = await friends(srv);

    const statuses: StatusEvent[] = collect(alice.c, 'status');
    const received = next(bob.c, 'message');
    const id = await alice.c.sendMessage({ recipientId: bob.id, content: 'ping' });
    expect((await received).id).toBe(id);
    await eventually(() => statuses.some((s) => s.id === id && s.status === 'delivered'), 'Alice sees delivered');
    expect(await bob.c.getConversation(alice.id)).toMatchObject({ unread: 1 });

    expect(await bob.c.markRead(alice.id, [id])).toEqual([id]);
    await eventually(() => statuses.some((s) => s.id === id && s.status === 'read'), 'Alice sees read');
    expect(statuses.filter((s) => s.id === id).map((s) => s.status)).toEqual(['queued', 'sent', 'delivered', 'read']);
    expect(await alice.c.getMessage(id)).toMatchObject({ status: 'read', direction: 'out' });
    expect(await bob.c.getConversation(alice.id)).toMatchObject({ unread: 0 });
    // Delivered and read: nothing is left to guard in the outbox for this message.
    await eventually(async () => !(await alice.c.getOutbox()).some((i) => i.id === id), 'the outbox lets go of the message');
  });

  it('read receipts are not sent when the reader turned them off', async () => {
    const srv = await server();
    const { alice, bob } = await friends(srv);
    await bob.c.setPrivacy({ sendReadReceipts: false });
    const statuses = collect(alice.c, 'status');
    const received = next(bob.c, 'message');
    const id = await alice.c.sendMessage({ recipientId: bob.id, content: 'private' });
    await received;
    await eventually(() => statuses.some((s) => s.id === id && s.status === 'delivered'), 'delivered');
    await bob.c.markRead(alice.id, [id]);
    // A later message goes the same way; once it is delivered, a receipt for the first would have come before it.
    const second = next(bob.c, 'message');
    const id2 = await alice.c.sendMessage({ recipientId: bob.id, content: 'second' });
    await second;
    await eventually(() => statuses.some((s) => s.id === id2 && s.status === 'delivered'), 'second delivered');
    await bob.c.idle();
    expect((await bob.c.getOutbox()).some((i) => i.kind === 'receipt')).toBe(false);
    expect((await alice.c.getMessage(id))?.status).toBe('delivered');
    expect((await bob.c.getMessage(id))?.read).toBe(true);
  });

  it('typing start and stop reach Bob; a start with no stop expires by itself', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv, { typingTimeoutMs: 300 });
    await befriend(alice, bob);

    const on = next(bob.c, 'typing', (t) => t.isTyping);
    alice.c.sendTypingIndicator(bob.id, true);
    expect(await on).toEqual({ peer: alice.id, isTyping: true });
    const off = next(bob.c, 'typing', (t) => !t.isTyping);
    alice.c.sendTypingIndicator(bob.id, false);
    expect(await off).toEqual({ peer: alice.id, isTyping: false });

    // Alice starts typing and vanishes: no stop ever comes, and Bob's indicator still goes out.
    const on2 = next(bob.c, 'typing', (t) => t.isTyping);
    alice.c.sendTypingIndicator(bob.id, true);
    await on2;
    const expired = next(bob.c, 'typing', (t) => !t.isTyping);
    await alice.c.disconnect();
    expect(await expired).toEqual({ peer: alice.id, isTyping: false });
    expect(bob.c.isTyping(alice.id)).toBe(false);
  });

  it('presence online/offline reaches a grant holder and nobody else', async () => {
    const srv = await server({ presenceDebounceMs: 50 });
    const alice = await user(srv);
    const bob = await user(srv);
    const carol = await user(srv);
    const carolPresence = collect(carol.c, 'presence');
    const carolErrors = collect(carol.c, 'error');
    const online = next(alice.c, 'presence', (p) => p.peer === bob.id && p.online);
    await befriend(alice, bob);
    await online;
    expect(alice.c.isOnline(bob.id)).toBe(true);

    // Carol holds no grant from Bob: asking is refused, and she learns nothing.
    carol.c.watchPresence([bob.id]);
    await eventually(() => carolErrors.some((e) => (e as { code?: string }).code === 'NO_GRANT'), 'Carol is refused');

    const offline = next(alice.c, 'presence', (p) => p.peer === bob.id && !p.online);
    await bob.c.disconnect();
    await offline;
    expect(alice.c.isOnline(bob.id)).toBe(false);
    const back = next(alice.c, 'presence', (p) => p.peer === bob.id && p.online);
    await bob.c.connect();
    await back;
    expect(carolPresence.filter((p) => p.peer === bob.id)).toEqual([]);
  });

  it('presence is forgotten when my socket goes: offline is told, and a reconnect does not bring back a stale online', async () => {
    const srv = await server({ presenceDebounceMs: 50 });
    const alice = await user(srv);
    const bob = await user(srv);
    const online = next(alice.c, 'presence', (p) => p.peer === bob.id && p.online);
    await befriend(alice, bob);
    await online;

    const forgotten = next(alice.c, 'presence', (p) => p.peer === bob.id && !p.online);
    await alice.c.disconnect();
    expect(await forgotten).toEqual({ peer: bob.id, online: false });
    expect(alice.c.isOnline(bob.id)).toBe(false);

    // Bob leaves while Alice is away: after her reconnect she must not think him online.
    await bob.c.disconnect();
    // Past the server's 50 ms offline debounce: the relay counts no one online any more.
    await eventually(
      async () => ((await (await fetch(`${srv.httpUrl}/stats`)).json()) as { visibleIdentities: number }).visibleIdentities === 0,
      'the relay takes Bob for offline',
    );
    const told = collect(alice.c, 'presence');
    await alice.c.connect();
    await eventually(() => told.some((p) => p.peer === bob.id), 'the server answers for Bob');
    expect(told.filter((p) => p.peer === bob.id)).toEqual([{ peer: bob.id, online: false }]);
    expect(alice.c.isOnline(bob.id)).toBe(false);
  });

  it('a block stops the blocked side from reaching me, across reconnects', async () => {
    const srv = await server();
    const { alice, bob } = await friends(srv);
    const bobGot = collect(bob.c, 'message');
    await bob.c.block(alice.id);
    // Across a reconnect: Bob's client presents the revocation in auth, before its ready.
    await bob.c.disconnect();
    await bob.c.connect();
    // Alice is not told: her message goes to "sent" like one to someone offline, and no further.
    const sent = next(alice.c, 'status', (s) => s.status === 'sent' || s.status === 'failed');
    const id = await alice.c.sendMessage({ recipientId: bob.id, content: 'let me in' });
    expect(await sent).toMatchObject({ id, status: 'sent' });
    expect(await bob.c.getContact(alice.id)).toMatchObject({ state: 'blocked', revocation: { from: bob.id, to: alice.id } });
    expect(bobGot).toEqual([]);
  });
});
