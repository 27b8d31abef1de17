// Conversation features end to end: a real server, two users, Alice's second device, injected clocks.
import { describe, expect, it } from 'vitest';
import { DELETE_FOR_EVERYONE_MS, MIN_DISAPPEAR_MS, type MessengerClient } from '../index.ts';
import type { ConversationOps } from '../conversationOps.ts';
import { befriend, collect, device, eventually, next, server, user } from './integration.ts';

/** One clock for everybody in a test, moved by hand. */
function testClock() {
  const t = { now: Date.now() };
  return { t, opts: { clock: () => t.now } };
}

async function trio() {
  const { t, opts } = testClock();
  const srv = await server();
  const alice = await user(srv, opts);
  const bob = await user(srv, opts);
  const alice2 = await device(srv, alice.phrase, opts);
  await befriend(alice, bob);
  await eventually(async () => (await alice2.getContact(bob.id))?.state === 'accepted', "Alice's second device knows Bob");
  return { t, srv, alice, bob, alice2 };
}

/** Sends and waits until every listed client stored it. */
async function say(from: MessengerClient, to: string, content: string, others: MessengerClient[], replyTo?: string): Promise<string> {
  const id = await from.sendMessage({ recipientId: to, content, ...(replyTo ? { replyTo } : {}) });
  await eventually(async () => (await Promise.all(others.map((c) => c.getMessage(id)))).every(Boolean), `"${content}" everywhere`);
  return id;
}

const ops = (c: MessengerClient): ConversationOps => (c as unknown as { _ops: ConversationOps })._ops;

describe('conversation features', () => {
  it('a reply carries the quoted message to the peer and my other device', async () => {
    const { alice, bob, alice2 } = await trio();
    const q = await say(alice.c, bob.id, 'Lunch at noon?', [bob.c, alice2]);
    const r = await say(bob.c, alice.id, 'Yes!', [alice.c, alice2], q);
    for (const c of [alice.c, alice2, bob.c]) expect(await c.getMessage(r)).toMatchObject({ replyTo: { id: q, quote: 'Lunch at noon?' } });
    // A reply to a message of another conversation quotes nothing.
    const stray = await say(bob.c, alice.id, 'no quote', [alice.c], 'f'.repeat(32));
    expect((await alice.c.getMessage(stray))?.replyTo).toBeUndefined();
  });

  it('reactions: one per person per emoji, added and removed everywhere', async () => {
    const { alice, bob, alice2 } = await trio();
    const id = await say(alice.c, bob.id, 'news', [bob.c, alice2]);
    await bob.c.react(id, '👍');
    await bob.c.react(id, '👍'); // twice is still one
    await alice.c.react(id, '👍');
    await eventually(async () => (await alice2.getMessage(id))?.reactions?.['👍']?.length === 2, 'both reactions on the second device');
    await eventually(async () => (await bob.c.getMessage(id))?.reactions?.['👍']?.length === 2, "Bob sees Alice's too");
    await eventually(async () => (await alice.c.getMessage(id))?.reactions?.['👍']?.length === 2, 'both reactions on the first device');
    expect((await alice.c.getMessage(id))?.reactions?.['👍']?.sort()).toEqual([alice.id, bob.id].sort());
    await bob.c.react(id, '👍', false);
    await eventually(
      async () => JSON.stringify((await alice2.getMessage(id))?.reactions) === JSON.stringify({ '👍': [alice.id] }),
      'removed on the second device',
    );
    await expect(bob.c.react(id, '')).rejects.toMatchObject({ code: 'BAD_EMOJI' });
  });

  it("edits: the author's newest edit wins, shows as edited, and nobody else can edit", async () => {
    const { t, alice, bob, alice2 } = await trio();
    const id = await say(alice.c, bob.id, 'helo', [bob.c, alice2]);
    const updates = collect(bob.c, 'messageUpdate');
    t.now += 1000;
    await alice.c.editMessage(id, 'hello');
    await eventually(
      async () => (await bob.c.getMessage(id))?.content === 'hello' && (await alice2.getMessage(id))?.content === 'hello',
      'edited everywhere',
    );
    expect(await bob.c.getMessage(id)).toMatchObject({ editedAt: t.now });
    expect(updates.some((m) => m.id === id && m.content === 'hello')).toBe(true);
    // Bob's SDK refuses to edit Alice's message; a forged edit body from Bob is ignored by Alice's devices.
    await expect(bob.c.editMessage(id, 'pwned')).rejects.toMatchObject({ code: 'NOT_AUTHOR' });
    // An older edit arriving late loses to the newer one.
    t.now += 1000;
    await alice.c.editMessage(id, 'hello!');
    await eventually(async () => (await bob.c.getMessage(id))?.content === 'hello!', 'second edit');
    await bob.c.idle();
    const b = bob.c as unknown as { _queue: { run<T>(fn: () => Promise<T>): Promise<T> }; _outbox: { flush(): Promise<void> } };
    await b._queue.run(async () => {
      await (ops(bob.c) as unknown as { _do(peer: string, body: unknown): Promise<void> })._do(alice.id, {
        t: 'edit',
        id,
        ts: t.now + 5000,
        content: 'forged',
      });
      await b._outbox.flush();
    });
    await say(bob.c, alice.id, 'after the forgery', [alice.c, alice2]);
    expect((await alice.c.getMessage(id))?.content).toBe('hello!');
    expect((await alice2.getMessage(id))?.content).toBe('hello!');
    // An edit older than the one in force (a late copy from Alice's other device) loses.
    const a2 = alice2 as unknown as typeof b;
    const sentAt = (await bob.c.getMessage(id))!.sentAt;
    await a2._queue.run(async () => {
      await (ops(alice2) as unknown as { _do(peer: string, body: unknown): Promise<void> })._do(bob.id, {
        t: 'edit',
        id,
        ts: sentAt + 1,
        content: 'stale',
      });
      await a2._outbox.flush();
    });
    await say(alice2, bob.id, 'after the stale edit', [bob.c]);
    expect((await bob.c.getMessage(id))?.content).toBe('hello!');
  });

  it('delete for everyone: a tombstone on every device of both, only by the author, only within 24 h', async () => {
    const { t, alice, bob, alice2 } = await trio();
    const id = await say(alice.c, bob.id, 'oops, wrong chat', [bob.c, alice2]);
    await bob.c.react(id, '😮');
    await eventually(async () => (await alice.c.getMessage(id))?.reactions !== undefined, 'reaction arrived');
    await expect(bob.c.deleteForEveryone(id)).rejects.toMatchObject({ code: 'NOT_AUTHOR' });
    const removed = next(bob.c, 'removed', (r) => r.ids.includes(id));
    await alice.c.deleteForEveryone(id);
    expect(await removed).toMatchObject({ peer: alice.id, reason: 'unsend' });
    for (const c of [alice.c, alice2, bob.c]) {
      await eventually(async () => (await c.getMessage(id))?.deleted === true, 'tombstone');
      const m = await c.getMessage(id);
      expect(m?.content).toBe('');
      expect(m?.reactions).toBeUndefined();
    }
    const old = await say(alice.c, bob.id, 'yesterday', [bob.c]);
    t.now += DELETE_FOR_EVERYONE_MS + 1;
    await expect(alice.c.deleteForEveryone(old)).rejects.toMatchObject({ code: 'DELETE_WINDOW_PASSED' });
    expect((await bob.c.getMessage(old))?.content).toBe('yesterday');
  });

  it('disappearing messages: the timer is agreed, shown, and expired messages leave every device', async () => {
    const { t, alice, bob, alice2 } = await trio();
    const before = await say(alice.c, bob.id, 'kept', [bob.c, alice2]);
    await expect(alice.c.setDisappearingTimer(bob.id, 1000)).rejects.toMatchObject({ code: 'BAD_TIMER' });
    const notice = next(bob.c, 'message', (m) => m.messageType === 'timer');
    await alice.c.setDisappearingTimer(bob.id, MIN_DISAPPEAR_MS);
    expect(await notice).toMatchObject({ content: String(MIN_DISAPPEAR_MS), direction: 'in' });
    await eventually(async () => (await alice2.getConversation(bob.id)).disappearMs === MIN_DISAPPEAR_MS, 'second device has the timer');
    expect((await bob.c.getConversation(alice.id)).disappearMs).toBe(MIN_DISAPPEAR_MS);
    // Bob's messages now disappear too: the setting is the conversation's, not Alice's alone.
    const a = await say(alice.c, bob.id, 'secret', [bob.c, alice2]);
    const b = await say(bob.c, alice.id, 'secret too', [alice.c, alice2]);
    expect((await bob.c.getMessage(a))?.expiresAt).toBe((await bob.c.getMessage(a))!.sentAt + MIN_DISAPPEAR_MS);
    expect(await alice.c.sweepExpired()).toEqual([]);
    t.now += MIN_DISAPPEAR_MS + 1;
    const gone = collect(bob.c, 'removed');
    for (const c of [alice.c, alice2, bob.c]) {
      expect((await c.sweepExpired()).sort()).toEqual([a, b].sort());
      expect(await c.getMessage(a)).toBeUndefined();
      expect(await c.getMessage(b)).toBeUndefined();
      expect(await c.getMessage(before)).toBeDefined();
    }
    expect(gone).toEqual([expect.objectContaining({ reason: 'expired' })]);
    // Turning it off: later messages stay.
    await bob.c.setDisappearingTimer(alice.id, 0);
    await eventually(async () => (await alice.c.getConversation(bob.id)).disappearMs === 0, 'off on both');
    const later = await say(alice.c, bob.id, 'stays', [bob.c]);
    expect((await bob.c.getMessage(later))?.expiresAt).toBeUndefined();
  });

  it('delete for me, mute and delete chat apply on my devices only', async () => {
    const { alice, bob, alice2 } = await trio();
    const one = await say(bob.c, alice.id, 'one', [alice.c, alice2]);
    const two = await say(bob.c, alice.id, 'two', [alice.c, alice2]);
    await alice.c.deleteForMe([two]);
    await eventually(async () => (await alice2.getMessage(two)) === undefined, 'gone on the second device');
    expect(await alice.c.getMessage(two)).toBeUndefined();
    expect(await bob.c.getMessage(two)).toBeDefined();
    expect((await alice.c.getConversation(bob.id)).lastMessageId).toBe(one);

    await alice.c.setMuted(bob.id, true);
    await eventually(async () => (await alice2.getConversation(bob.id)).muted === true, 'muted on the second device');
    expect((await bob.c.getConversation(alice.id)).muted).toBeUndefined();

    await alice2.deleteChat(bob.id);
    await eventually(async () => (await alice.c.getConversations()).length === 0, 'chat gone on the first device');
    expect(await alice.c.getMessage(one)).toBeUndefined();
    expect((await bob.c.getConversations()).length).toBe(1);
  });

  it('search: case-insensitive over stored text, newest first, paged', async () => {
    const { alice, bob } = await trio();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await say(alice.c, bob.id, `Pizza night ${i}`, [bob.c]));
    await say(bob.c, alice.id, 'something else', [alice.c]);
    const p1 = await bob.c.searchMessages('PIZZA', { limit: 3 });
    expect(p1.results.map((m) => m.id)).toEqual(ids.slice(2).reverse());
    const p2 = await bob.c.searchMessages('pizza', { limit: 3, beforeSeq: p1.nextBeforeSeq! });
    expect(p2.results.map((m) => m.id)).toEqual(ids.slice(0, 2).reverse());
    expect(p2.nextBeforeSeq).toBeUndefined();
    expect((await bob.c.searchMessages('  ')).results).toEqual([]);
    await alice.c.deleteForEveryone(ids[4]!);
    await eventually(async () => (await bob.c.getMessage(ids[4]!))?.deleted === true, 'tombstone');
    expect((await bob.c.searchMessages('night 4')).results).toEqual([]);
  });

  it('last seen comes only from presence the contact shares', async () => {
    const { srv, alice, bob } = await trio();
    await eventually(() => alice.c.isOnline(bob.id), 'Bob online');
    const seen = next(alice.c, 'presence', (p) => p.peer === bob.id && !p.online);
    await bob.c.disconnect();
    expect((await seen).lastSeen).toBeTypeOf('number');
    expect(alice.c.lastSeen(bob.id)).toBeTypeOf('number');

    const carol = await user(srv);
    await carol.c.setPrivacy({ sharePresence: false });
    await befriend(alice, carol);
    await carol.c.disconnect();
    await alice.c.idle();
    expect(alice.c.isOnline(carol.id)).toBe(false);
    expect(alice.c.lastSeen(carol.id)).toBeUndefined();
  });
});
