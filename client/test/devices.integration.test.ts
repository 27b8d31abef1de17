// Cross-device: several devices of one identity (restored from the phrase) all receive everything.
import { describe, expect, it } from 'vitest';
import { befriend, collect, device, eventually, user } from './integration.ts';
import { server } from './integration.ts';

describe('devices', () => {
  it("both of Bob's devices get everything, and Alice's second device sees what her first sent", async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const alice2 = await device(srv, alice.phrase);
    const bob2 = await device(srv, bob.phrase);
    expect(alice2.sessionId).toBe(alice.id);
    expect(alice2.deviceId).not.toBe(alice.c.deviceId);

    const bob2Invites = collect(bob2, 'invitation');
    await befriend(alice, bob);
    await eventually(async () => (await bob2.getContact(alice.id))?.state === 'accepted', "Bob's second device knows the contact");
    await eventually(async () => (await alice2.getContact(bob.id))?.state === 'accepted', "Alice's second device knows the contact");
    expect(bob2Invites).toHaveLength(1);

    const bob1Got = collect(bob.c, 'message');
    const bob2Got = collect(bob2, 'message');
    const alice2Got = collect(alice2, 'message');
    const id = await alice.c.sendMessage({ recipientId: bob.id, content: 'to both of you' });
    await eventually(() => bob1Got.length === 1 && bob2Got.length === 1 && alice2Got.length === 1, 'every device has it');
    expect(bob1Got[0]).toMatchObject({ id, direction: 'in', peer: alice.id });
    expect(bob2Got[0]).toMatchObject({ id, direction: 'in', peer: alice.id });
    // On Alice's other device it is hers, in the conversation with Bob.
    expect(alice2Got[0]).toMatchObject({ id, direction: 'out', peer: bob.id, content: 'to both of you' });
    expect((await alice2.getConversation(bob.id)).messages.map((m) => m.id)).toEqual([id]);
    await eventually(
      async () => (await alice2.getMessage(id))?.status === 'delivered',
      "the delivered notice reaches Alice's other device",
    );

    // Bob answers from his second device: Alice's devices get it, and Bob's first device sees it as his.
    const alice1Got = collect(alice.c, 'message');
    const reply = await bob2.sendMessage({ recipientId: alice.id, content: 'from my laptop' });
    await eventually(() => alice1Got.length === 1 && alice2Got.length === 2 && bob1Got.length === 2, 'the reply is everywhere');
    expect(alice1Got[0]).toMatchObject({ id: reply, direction: 'in', peer: bob.id });
    expect(bob1Got[1]).toMatchObject({ id: reply, direction: 'out', peer: alice.id });

    // Reading on one device marks it read on the other.
    await bob.c.markRead(alice.id, [id]);
    await eventually(async () => (await bob2.getMessage(id))?.read === true, "Bob's other device learns it was read");
    expect(await bob2.getConversation(alice.id)).toMatchObject({ unread: 0 });
  });

  it('a device linked after the contacts were made learns them from its siblings and can talk at once', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const carol = await user(srv);
    await befriend(alice, bob);
    await befriend(carol, bob);
    await bob.c.block(carol.id as never);

    // Bob links a laptop only now: no invitation, accept or message will ever reach it for Alice.
    const laptop = await device(srv, bob.phrase);
    await eventually(async () => (await laptop.getContact(alice.id))?.state === 'accepted', 'the laptop learns the contact');
    await eventually(async () => (await laptop.getContact(carol.id))?.state === 'blocked', 'the laptop learns the block');
    expect((await laptop.getContact(alice.id))?.heldGrant?.from).toBe(alice.id);

    // It holds Alice's grant, so it can message her, and it receives what she sends.
    const aliceGot = collect(alice.c, 'message');
    const id = await laptop.sendMessage({ recipientId: alice.id, content: 'hello from the new laptop' });
    await eventually(() => aliceGot.some((m) => m.id === id), 'Alice gets the laptop message');
    await eventually(async () => (await laptop.getMessage(id))?.status === 'delivered', 'the laptop sees it delivered');
    const laptopGot = collect(laptop, 'message');
    const back = await alice.c.sendMessage({ recipientId: bob.id, content: 'welcome, laptop' });
    await eventually(() => laptopGot.some((m) => m.id === back), "the laptop gets Alice's reply");
  });
});
