// Offline, restarts and full mailboxes end to end: nothing is lost, nothing arrives twice.
import { describe, expect, it } from 'vitest';
import type { ConnectionEvent, StoredMessage } from '../index.ts';
import { befriend, client, collect, eventually, next, restart, restartableServer, server, user, friends } from './integration.ts';

const contents = (ms: StoredMessage[]): string[] => ms.map((m) => m.content);

describe('resilience', () => {
  it("Bob offline: Alice's messages reach him in order when he connects", async () => {
    const srv = await server();
    const { alice, bob } = await friends(srv);
    await bob.c.disconnect();

    const statuses = collect(alice.c, 'status');
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `m${i}` }));
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'sent')), 'all five are on the server');
    expect(statuses.some((s) => s.status === 'delivered')).toBe(false);

    const got = collect(bob.c, 'message');
    await bob.c.connect();
    await eventually(() => got.length >= 5, 'Bob has all five');
    expect(contents(got)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(contents((await bob.c.getConversation(alice.id)).messages)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'delivered')), 'Alice sees all delivered');
  });

  it('a server restart (new epoch) while messages wait: each arrives exactly once, in order', async () => {
    let srv = await restartableServer();
    const { alice, bob } = await friends(srv);
    await bob.c.disconnect();
    const statuses = collect(alice.c, 'status');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `m${i}` }));
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'sent')), 'held by the server');

    const aliceConn: ConnectionEvent[] = collect(alice.c, 'connection');
    srv = await restart(srv); // the held envelopes are gone with the old store
    await eventually(() => aliceConn.some((e) => e.newState === 'connected'), 'Alice reconnects by herself');
    expect(aliceConn.find((e) => e.newState === 'connected')?.epochChanged).toBe(true);
    expect(alice.c.epochChanged).toBe(true);

    const got = collect(bob.c, 'message');
    await bob.c.connect();
    expect(bob.c.epochChanged).toBe(true);
    await eventually(() => ids.every((id) => statuses.some((s) => s.id === id && s.status === 'delivered')), 'Alice sees all delivered');
    await bob.c.idle();
    expect(contents(got)).toEqual(['m1', 'm2', 'm3']);
    expect(contents((await bob.c.getConversation(alice.id)).messages)).toEqual(['m1', 'm2', 'm3']);
  });

  it('a restart that loses a delivered notice: the re-sent message is de-duplicated by id', async () => {
    let srv = await restartableServer();
    const { alice, bob } = await friends(srv);
    const got = collect(bob.c, 'message');
    // Alice leaves right after sending, so the delivered notice waits in her mailbox, and the
    // restart loses it: she must send m0 again, and Bob, who has it, must not show it twice.
    // She leaves once the server has stored m0 (a send still being authorised when its socket
    // closes is not stored; the outbox sends it again), before Bob's batched ack comes back.
    const stored = next(alice.c, 'status', (s) => s.status === 'sent');
    const m0 = await alice.c.sendMessage({ recipientId: bob.id, content: 'm0' });
    await stored;
    await alice.c.disconnect();
    await eventually(() => got.length === 1, 'Bob has m0');
    expect((await alice.c.getMessage(m0))?.status).not.toBe('delivered');

    srv = await restart(srv);
    await eventually(() => bob.c.connectionState === 'connected' && bob.c.epochChanged, 'Bob is back on the new server');
    const delivered = next(alice.c, 'status', (s) => s.id === m0 && s.status === 'delivered');
    await alice.c.connect();
    expect(alice.c.epochChanged).toBe(true);
    await delivered;
    const m1 = next(bob.c, 'message');
    await alice.c.sendMessage({ recipientId: bob.id, content: 'm1' });
    await m1;
    expect(contents(got)).toEqual(['m0', 'm1']);
    expect(contents((await bob.c.getConversation(alice.id)).messages)).toEqual(['m0', 'm1']);
  });

  it('MAILBOX_FULL: the send stays in the outbox as failed with the reason, and goes out once the recipient drains', async () => {
    const srv = await server({ mailboxMaxEntries: 4 });
    const { alice, bob } = await friends(srv);
    await bob.c.disconnect();

    const statuses = collect(alice.c, 'status');
    const ids: string[] = [];
    for (let i = 1; i <= 8; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `m${i}` }));
    await eventually(() => statuses.some((s) => s.status === 'failed' && s.reason === 'MAILBOX_FULL'), 'a send is refused');
    const refused = statuses.find((s) => s.status === 'failed')!.id;
    expect(await alice.c.getMessage(refused)).toMatchObject({ status: 'failed', failureReason: 'MAILBOX_FULL' });
    expect((await alice.c.getOutbox()).find((i) => i.id === refused)).toMatchObject({ lastError: 'MAILBOX_FULL' });

    const got = collect(bob.c, 'message');
    await bob.c.connect();
    await eventually(() => got.length >= 8, 'Bob gets all eight as his mailbox drains', 15_000);
    expect(contents(got)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    await eventually(
      async () => (await Promise.all(ids.map((id) => alice.c.getMessage(id)))).every((m) => m?.status === 'delivered'),
      'all delivered',
      15_000,
    );
  });

  it('MAILBOX_SENDER_SHARE: one contact over its share keeps the message (failed, MAILBOX_FULL) while another contact gets through', async () => {
    // 8 entries, 25 %: two per sender (issue 11, finding 8).
    const srv = await server({ mailboxMaxEntries: 8, mailboxSenderShare: 25 });
    const [alice, carol, bob] = [await user(srv), await user(srv), await user(srv)];
    await befriend(alice, bob);
    await befriend(carol, bob);
    await bob.c.disconnect();
    const statuses = collect(alice.c, 'status');
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `a${i}` }));
    await eventually(() => statuses.some((s) => s.status === 'failed' && s.reason === 'MAILBOX_FULL'), 'the third send is refused');
    expect(await alice.c.getMessage(ids[2]!)).toMatchObject({ status: 'failed', failureReason: 'MAILBOX_FULL' });
    const carolSent = await carol.c.sendMessage({ recipientId: bob.id, content: 'c1' });
    await eventually(
      async () => (await carol.c.getMessage(carolSent))?.status === 'sent',
      "Carol's message is stored although Alice's share is full",
    );

    const got = collect(bob.c, 'message');
    await bob.c.connect();
    await eventually(() => got.length >= 4, 'Bob gets all four once he reads', 15_000);
    await eventually(
      async () => (await Promise.all(ids.map((id) => alice.c.getMessage(id)))).every((m) => m?.status === 'delivered'),
      "all of Alice's delivered",
      15_000,
    );
  });

  it('several URLs: a dead one is skipped and the client settles on a live one', async () => {
    const srv = await server();
    const dead = await server();
    const deadUrl = dead.url;
    await dead.close();
    const c = await client([deadUrl, srv.url]);
    await c.createIdentity();
    await c.connect();
    expect(c.connectionState).toBe('connected');
  });
});
