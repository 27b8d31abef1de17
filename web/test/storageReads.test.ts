// @vitest-environment happy-dom
// The SDK's events carry the records they changed, so the app's models keep the chat list, the
// open chat, contacts and the outbox count up to date without reading storage again. Counted here
// on a whole Session (every model the app runs) over a real relay: the reads made per message
// received, and per message sent until it is delivered, split by who made them.
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MessengerClient } from '../../client/index.ts';
import { instrument } from '../../client/test/instrumented.ts';
import { ChatModel } from '../src/models/chat.ts';
import { Session } from '../src/models/session.ts';
import { befriend, client, engine, eventually, fakeNotifier, prefs, server, user } from './helpers.ts';

/** A client whose storage reads are counted: by the app's models (web/src on the stack) or the SDK. */
async function countedUser(srv: Awaited<ReturnType<typeof server>>) {
  const reads = { web: 0, sdk: 0 };
  const storage = instrument(new MemoryStorage(), ({ method }) => {
    if (!method.startsWith('get') && !method.startsWith('list')) return;
    if (new Error().stack?.includes('/web/src/')) reads.web++;
    else reads.sdk++;
  });
  const c = await client(srv, { storage });
  const { sessionId } = await c.createIdentity();
  await c.connect();
  return { c, id: sessionId, reads, reset: () => Object.assign(reads, { web: 0, sdk: 0 }) };
}

async function session(c: MessengerClient): Promise<Session> {
  const s = new Session({ client: c, engine: await engine(), prefs: prefs(), notifier: fakeNotifier(), doc: document, win: window });
  await s.ready();
  return s;
}

describe('storage reads per message', () => {
  it('receiving: the app reads nothing, the SDK a few records, however many chats there are', async () => {
    const srv = await server();
    const bob = await countedUser(srv);
    const friends = [await user(srv), await user(srv), await user(srv)];
    for (const f of friends) await befriend(f, bob);
    // Every friend has written once: three rows in Bob's list.
    for (const [i, f] of friends.entries()) await f.c.sendMessage({ recipientId: bob.id, content: `hello ${i}` });
    await eventually(async () => (await bob.c.getConversations()).length === 3, 'three conversations');
    const s = await session(bob.c);
    // Bob has Alice's chat open, page hidden (so no read receipt adds its own work).
    const chat = new ChatModel(friends[0]!.id, { client: bob.c, contacts: s.contacts, visible: signal(false), maxChars: 1000 });
    await eventually(() => chat.loaded.value && s.chats.rows.value.length === 3, 'list and chat loaded');
    await bob.c.idle();

    bob.reset();
    const N = 5;
    for (let i = 0; i < N; i++) await friends[0]!.c.sendMessage({ recipientId: bob.id, content: `new ${i}` });
    await eventually(() => chat.messages.value.filter((m) => m.content.startsWith('new ')).length === N, 'the open chat shows them');
    await eventually(
      () => s.chats.rows.value[0]?.last?.content === `new ${N - 1}` && s.chats.rows.value[0]?.unread === N + 1,
      'the list shows the last one, unread',
    );
    await bob.c.idle();
    console.log(`[reads] per received message: app ${bob.reads.web / N}, SDK ${bob.reads.sdk / N}`);
    expect(bob.reads.web).toBe(0);
    // Blocked? (contact) · already here? (message) · its conversation: three reads.
    expect(bob.reads.sdk / N).toBeLessThanOrEqual(3);
    chat.dispose();
    s.dispose();
  });

  it('sending: from the draft to delivered, the app reads nothing', async () => {
    const srv = await server();
    const alice = await countedUser(srv);
    const bob = await user(srv);
    await befriend(alice, bob);
    const s = await session(alice.c);
    const chat = new ChatModel(bob.id, { client: alice.c, contacts: s.contacts, visible: signal(true), maxChars: 1000 });
    await eventually(() => chat.loaded.value && chat.canSend.value, 'chat ready');
    await alice.c.idle();

    alice.reset();
    const N = 3;
    for (let i = 0; i < N; i++) {
      chat.input(`m${i}`);
      expect(await chat.send()).toBe(true);
    }
    await eventually(
      () => chat.messages.value.length === N && chat.messages.value.every((m) => m.status === 'delivered'),
      'all delivered on screen',
    );
    await eventually(() => s.chats.rows.value[0]?.last?.status === 'delivered', 'the list row shows the tick');
    await alice.c.idle();
    console.log(`[reads] per sent message until delivered: app ${alice.reads.web / N}, SDK ${alice.reads.sdk / N}`);
    expect(alice.reads.web).toBe(0);
    expect(s.connection.queued.value).toBe(0);
    chat.dispose();
    s.dispose();
  });
});
