// The account follows the person (issue 10), with real servers and several devices per identity:
// blocks on every device and silent to the blocked, no renewal for a block whatever a device's
// clock says, a phrase restored long after every invitation expired, names following to every device.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../index.ts';
import { befriend, client, collect, device, eventually, friends, next, server, user } from './integration.ts';

const DAY = 86_400_000;

/** One clock for the server and every client of a test, moved by hand. */
function sharedClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('account document across devices', () => {
  it('a block on device 1 is on device 2 within seconds; the blocked person reaches neither and is told nothing', async () => {
    const srv = await server({ presenceDebounceMs: 0 });
    const { alice, bob } = await friends(srv);
    const laptop = await device(srv, alice.phrase);
    await eventually(async () => (await laptop.getContact(bob.id))?.state === 'accepted', 'the laptop knows Bob');

    await alice.c.block(bob.id);
    const started = Date.now();
    await eventually(async () => (await laptop.getContact(bob.id))?.state === 'blocked', 'the block on the laptop', 5000);
    expect(Date.now() - started).toBeLessThan(5000);

    const phoneGot = collect(alice.c, 'message');
    const laptopGot = collect(laptop, 'message');
    const bobErrors = collect(bob.c, 'error');
    const status = next(bob.c, 'status', (s) => s.status !== 'queued');
    const id = await bob.c.sendMessage({ recipientId: alice.id, content: 'are you there?' });
    // "sent", like any message to someone offline, and never further.
    expect(await status).toMatchObject({ id, status: 'sent' });
    const ping = await alice.c.sendMessage({ recipientId: alice.id, content: 'note to self' });
    await eventually(async () => (await laptop.getMessage(ping)) !== undefined, 'a later message reaches the laptop');
    expect(phoneGot.concat(laptopGot).filter((m) => m.peer === bob.id)).toEqual([]);
    expect(bobErrors.map((e) => e.message).join()).not.toMatch(/REVOKED|block/i);
    expect((await bob.c.getContact(alice.id))?.state).toBe('accepted');
    expect(bob.c.isOnline(alice.id)).toBe(false);

    // Unblock on the laptop: Bob gets a fresh grant and reaches both devices again.
    await laptop.unblock(bob.id);
    await eventually(async () => (await alice.c.getContact(bob.id))?.state === 'accepted', 'the unblock on the phone');
    const back = next(alice.c, 'message', (m) => m.peer === bob.id);
    await eventually(async () => ((await bob.c.getContact(alice.id))?.heldGrant?.iat ?? 0) > started, 'Bob holds the new grant');
    await bob.c.sendMessage({ recipientId: alice.id, content: 'hello again' });
    expect((await back).content).toBe('hello again');
  });

  it('a third device with its clock three weeks ahead renews nothing for the blocked person', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const carol = await user(srv);
    await befriend(alice, bob);
    await befriend(alice, carol);
    await alice.c.block(bob.id);
    // Once another device has it, the server holds the document with the block.
    const witness = await device(srv, alice.phrase);
    await eventually(async () => (await witness.getContact(bob.id))?.state === 'blocked', 'the block on a second device');
    const bobGrantBefore = (await bob.c.getContact(alice.id))?.heldGrant;
    const issuedBob = (await alice.c.getContact(bob.id))?.issuedGrantExp;
    const issuedCarol = (await alice.c.getContact(carol.id))?.issuedGrantExp;

    const ahead = await client(srv, { clock: () => Date.now() + 21 * DAY });
    await ahead.restoreIdentity(alice.phrase);
    await ahead.connect();
    // It renews Carol's grant (due by its clock), proof that renewal ran, and never Bob's.
    await eventually(async () => ((await ahead.getContact(carol.id))?.issuedGrantExp ?? 0) > (issuedCarol ?? 0), 'the renewal for Carol');
    await ahead.idle();
    expect(await ahead.getContact(bob.id)).toMatchObject({ state: 'blocked', issuedGrantExp: issuedBob });
    await bob.c.idle();
    expect((await bob.c.getContact(alice.id))?.heldGrant).toEqual(bobGrantBefore);
  });

  it('a phrase restored after INVITATION_TTL has every contact, with names, and exchanges messages both ways', async () => {
    const clock = sharedClock();
    const srv = await server({ invitationTtlMs: DAY, presenceDebounceMs: 0 }, clock.now);
    const alice = await user(srv, { clock: clock.now });
    const bob = await user(srv, { clock: clock.now });
    await befriend(alice, bob);
    await bob.c.setDisplayName('Bob');
    await eventually(async () => (await alice.c.getContact(bob.id))?.displayName === 'Bob', 'the name on Alice’s phone');
    await alice.c.disconnect();

    clock.advance(3 * DAY); // every invitation long expired
    const restored = await client(srv, { clock: clock.now });
    await restored.restoreIdentity(alice.phrase);
    const online = next(restored, 'presence', (p) => p.peer === bob.id && p.online);
    await restored.connect();
    await eventually(async () => (await restored.getContact(bob.id))?.state === 'accepted', 'Bob on the restored device');
    expect((await restored.getContact(bob.id))?.displayName).toBe('Bob');
    await online; // presence without a reload
    const got = next(bob.c, 'message', (m) => m.peer === alice.id);
    await restored.sendMessage({ recipientId: bob.id, content: 'back again' });
    expect((await got).content).toBe('back again');
    const reply = next(restored, 'message', (m) => m.peer === bob.id);
    await bob.c.sendMessage({ recipientId: alice.id, content: 'welcome back' });
    expect((await reply).content).toBe('welcome back');
  });

  it('a phrase restored after every grant lapsed (40+ days, renewals gone from the mailbox) gets fresh grants from each contact', async () => {
    const clock = sharedClock();
    const srv = await server({ presenceDebounceMs: 0 }, clock.now);
    const phone = new MemoryStorage();
    const alice = await user(srv, { clock: clock.now, storage: phone });
    const bob = await user(srv, { clock: clock.now });
    await befriend(alice, bob);
    await bob.c.setDisplayName('Bob');
    await eventually(async () => (await alice.c.getContact(bob.id))?.displayName === 'Bob', 'the name on Alice’s phone');
    await eventually(async () => (await phone.getAccount())?.dirty === false, 'the phone’s document on the server');
    await alice.c.disconnect(); // the phone is gone, and no other device of Alice's exists

    // Bob's device comes and goes: its renewals to Alice are sent while it may, and lapse in her mailbox.
    for (let day = 0; day < 42; day += 6) {
      clock.advance(6 * DAY);
      await bob.c.connect();
      await bob.c.idle();
      await bob.c.disconnect();
    }
    clock.advance(2 * DAY); // Bob's own re-invitations (sent at his connects) expired too
    const restored = await client(srv, { clock: clock.now });
    await restored.restoreIdentity(alice.phrase);
    const online = next(restored, 'presence', (p) => p.peer === bob.id && p.online, 15_000);
    await restored.connect();
    await eventually(async () => (await restored.getContact(bob.id))?.state === 'accepted', 'Bob on the restored device');
    expect((await restored.getContact(bob.id))?.displayName).toBe('Bob');
    const asked = async () => (await restored.getInvitations()).find((i) => i.direction === 'outgoing' && i.peer === bob.id && i.renew);
    await eventually(
      async () => (await asked())?.pendingOp === undefined && (await asked())?.status === 'pending',
      'the restored device asked Bob',
    );

    await bob.c.connect(); // Bob's SDK accepts by itself: no request to answer
    await eventually(async () => (await asked())?.status === 'accepted', 'Bob accepted the renewal');
    await online; // presence without a reload
    expect(restored.isOnline(bob.id)).toBe(true);
    await eventually(() => bob.c.isOnline(alice.id), 'Bob sees Alice online', 15_000);
    const delivered = next(restored, 'status', (s) => s.status === 'delivered');
    const got = next(bob.c, 'message', (m) => m.peer === alice.id);
    const out = await restored.sendMessage({ recipientId: bob.id, content: 'back again' });
    expect((await got).content).toBe('back again');
    expect((await delivered).id).toBe(out);
    const back = next(bob.c, 'status', (s) => s.status === 'delivered');
    const reply = next(restored, 'message', (m) => m.peer === bob.id);
    const id = await bob.c.sendMessage({ recipientId: alice.id, content: 'welcome back' });
    expect((await reply).content).toBe('welcome back');
    expect((await back).id).toBe(id);
    // It was a renewal, not a request: nothing waits on either side for someone to accept.
    const pending = async () =>
      [...(await bob.c.getInvitations()), ...(await restored.getInvitations())].filter((i) => i.status === 'pending');
    await eventually(async () => (await pending()).length === 0, 'no invitation left pending');
  }, 60_000);

  it('my display name, privacy settings and device labels follow to my other devices', async () => {
    const srv = await server();
    const alice = await user(srv);
    const laptop = await device(srv, alice.phrase);
    await alice.c.setDisplayName('Alice');
    await alice.c.setDeviceLabel('Phone');
    await eventually(async () => (await laptop.getDisplayName()) === 'Alice', 'the name on the laptop');
    await eventually(
      async () => (await laptop.getDevices()).some((d) => d.label === 'Phone' && !d.thisDevice),
      'the phone in the laptop’s list',
    );
    await alice.c.setPrivacy({ shareTyping: false });
    await eventually(() => laptop.settings.shareTyping === false, 'the privacy setting on the laptop');
    const list = await laptop.getDevices();
    expect(list).toHaveLength(2);
    expect(list.filter((d) => d.thisDevice)).toHaveLength(1);
  });
});
