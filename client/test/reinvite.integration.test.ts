// Re-invitations against a real server with a hand-moved clock: a contact who is gone for good is
// asked at a pace that slows down and survives restarts, and never again once the server says the
// proof can never work; two devices of one identity restored at once ask once between them, with
// no failure left on either (docs/client.md "Restore after every grant lapsed").
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MessengerClient } from '../index.ts';
import { befriend, client, collect, eventually, server, user } from './integration.ts';
import { contactsOnMovingClock, HOUR, sharedClock } from './movingClock.ts';

const DAY = 86_400_000;

async function askedOf(c: MessengerClient, peer: string) {
  return (await c.getInvitations()).filter((i) => i.direction === 'outgoing' && i.peer === peer && i.renew);
}

/** Alice and Bob are contacts; Bob's device then goes for good. Alice's phone stays, on `storage`. */
async function contactGone(config: Parameters<typeof server>[0] = {}) {
  const clock = sharedClock();
  const srv = await server(config, clock.now);
  const storage = new MemoryStorage();
  const alice = await user(srv, { clock: clock.now, storage });
  const bob = await user(srv, { clock: clock.now });
  await befriend(alice, bob);
  await bob.c.disconnect();
  await eventually(async () => (await storage.getAccount())?.dirty === false, 'the phone’s document on the server');
  await alice.c.disconnect();
  return { clock, srv, storage, alice, bob };
}

/** One session of Alice's phone: a new app instance on the same storage (a restart), connect, idle, gone. */
async function session(srv: Awaited<ReturnType<typeof server>>, storage: MemoryStorage, clock: { now: () => number }) {
  const c = await client(srv, { clock: clock.now, storage });
  await c.connect();
  // Re-invitations wait for the account document: merged once this session's "last seen" is up.
  const up = async () =>
    (await storage.getAccount())?.dirty === false && (await c.getDevices()).some((d) => d.thisDevice && d.lastSeen === clock.now());
  await eventually(up, 'the document merged and uploaded');
  await c.idle();
  await eventually(async () => (await c.getInvitations()).every((i) => i.pendingOp === undefined), 'no request on its way');
  await c.disconnect();
  return c;
}

describe('re-invitations of a contact who is gone for good', () => {
  it('stop once the server refuses the proof for good (GRANT_EXPIRED), across reconnects and restarts', async () => {
    // ACCOUNT_TTL 5 days: Bob's grant to Alice (30 days) is too old as proof from day 35 on.
    const { clock, srv, storage, bob } = await contactGone({ accountTtlMs: 5 * DAY });
    clock.advance(36 * DAY);
    let last: MessengerClient | undefined;
    for (let i = 0; i < 4; i++) {
      last = await session(srv, storage, clock);
      clock.advance(2 * HOUR); // "last seen" moves at most hourly
    }
    const asked = await askedOf(last!, bob.id);
    expect(asked.map((i) => [i.status, i.reason])).toEqual([['failed', 'GRANT_EXPIRED']]);
  }, 30_000);

  it('an unanswered one is followed by others at growing intervals, not one per connect after each expiry', async () => {
    const { clock, srv, storage, bob } = await contactGone();
    clock.advance(31 * DAY);
    let last: MessengerClient | undefined;
    // A flaky phone: a session every 6 hours for 8 days.
    for (let t = 0; t < 8 * DAY; t += 6 * HOUR) {
      last = await session(srv, storage, clock);
      clock.advance(6 * HOUR);
    }
    const starts = (await askedOf(last!, bob.id)).map((i) => i.createdAt).sort((a, b) => a - b);
    // Each one lives a day (INVITATION_TTL); once per connect after each expiry would be 7 or 8.
    expect(starts.length).toBeGreaterThan(1);
    expect(starts.length).toBeLessThanOrEqual(3);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
  }, 60_000);
});

describe('re-invitations from two devices of one identity', () => {
  it('two devices restored at once: the one refused as a duplicate is pending, not failed, and takes the outcome', async () => {
    const { clock, srv, alice, bob } = await contactGone();
    clock.advance(31 * DAY);
    const laptop = await client(srv, { clock: clock.now });
    const tablet = await client(srv, { clock: clock.now });
    await laptop.restoreIdentity(alice.phrase);
    await tablet.restoreIdentity(alice.phrase);
    const failures = [laptop, tablet].map((c) => {
      const out: string[] = [];
      c.on('invitationUpdate', (u) => u.status === 'failed' && out.push(u.reason ?? ''));
      return out;
    });
    await Promise.all([laptop.connect(), tablet.connect()]);
    const settled = async (c: MessengerClient) => {
      const mine = (await c.getInvitations()).filter((i) => i.direction === 'outgoing' && i.peer === bob.id && i.renew);
      return mine.length > 0 && mine.every((i) => i.pendingOp === undefined);
    };
    await eventually(async () => (await settled(laptop)) && (await settled(tablet)), 'both devices asked Bob');
    const sentHere = async (c: MessengerClient) => (await askedOf(c, bob.id)).filter((i) => i.ct !== undefined);
    for (const c of [laptop, tablet])
      expect((await askedOf(c, bob.id)).map((i) => [i.status, i.reason])).not.toContainEqual(['failed', 'INVITE_DUPLICATE']);
    expect(failures.flat()).toEqual([]);
    // Both asked (neither knew of the other's), the server took one: the other is a duplicate.
    expect([...(await sentHere(laptop)), ...(await sentHere(tablet))].filter((i) => i.duplicate)).toHaveLength(1);

    await bob.c.connect(); // Bob's SDK accepts the one the server holds
    for (const c of [laptop, tablet]) {
      await eventually(async () => (await askedOf(c, bob.id)).every((i) => i.status === 'accepted'), 'each record took the outcome');
      await eventually(async () => ((await c.getContact(bob.id))?.heldGrant?.exp ?? 0) > clock.now(), 'a fresh grant from Bob');
    }
  }, 30_000);
});

describe('re-invitations while a device stays connected', () => {
  it('asks when the grant lapses and again on the pace, on a timer aimed at the records, with no reconnect', async () => {
    const { clock, storage, alice, bob } = await contactsOnMovingClock();
    await bob.c.disconnect(); // for good
    const lapses = (await alice.c.getContact(bob.id))!.heldGrant!.exp;
    const connection = collect(alice.c, 'connection');
    const settled = async (n: number) => {
      const asked = await askedOf(alice.c, bob.id);
      return asked.length === n && asked.every((i) => i.pendingOp === undefined && i.status === 'pending');
    };

    // Aimed at the lapse itself, not a poll; the grant lapses during this session. 30 days is past
    // setTimeout's limit, so the timer first runs at that limit, asks nobody and aims again.
    const limit = clock.now() + 2 ** 31 - 1;
    await eventually(() => clock.armed().includes(limit), 'the timer aimed at setTimeout’s limit');
    clock.advance(limit - clock.now());
    await eventually(() => clock.armed().includes(lapses), 'the timer aimed at the grant’s expiry');
    expect(await askedOf(alice.c, bob.id)).toEqual([]);
    clock.advance(lapses - clock.now() - HOUR);
    await alice.c.idle();
    expect(await askedOf(alice.c, bob.id)).toEqual([]);
    clock.advance(HOUR);
    await eventually(() => settled(1), 'a re-invitation sent and taken by the server');
    const [first] = await askedOf(alice.c, bob.id);

    // Unanswered: the next a day after it ended, the timer aimed there after the pass.
    await eventually(() => clock.armed().includes(first!.expiresAt + DAY), 'the timer aimed at the pace');
    clock.advance(first!.expiresAt + DAY - clock.now() - HOUR);
    await alice.c.idle();
    expect(await askedOf(alice.c, bob.id)).toHaveLength(1);
    clock.advance(HOUR);
    await eventually(() => settled(2), 'a second re-invitation');

    // A connect at the same moment adds none: the pace is in the records, not in the timer.
    await alice.c.disconnect();
    expect(clock.armed()).toEqual([]);
    await alice.c.connect();
    await eventually(async () => (await storage.getAccount())?.dirty === false, 'the document merged again');
    await alice.c.idle();
    expect(await askedOf(alice.c, bob.id)).toHaveLength(2);
    expect(connection.map((e) => e.newState)).toEqual(['disconnected', 'connecting', 'authenticating', 'connected']);
  }, 30_000);
});
