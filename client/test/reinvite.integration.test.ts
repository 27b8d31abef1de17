// Re-invitations against a real server with a hand-moved clock: two devices of one identity
// restored at once ask once between them, with no failure left on either (docs/client.md
// "Restore after every grant lapsed", "Invitations").
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MessengerClient } from '../index.ts';
import { befriend, client, eventually, server, user } from './integration.ts';

const DAY = 86_400_000;

function sharedClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

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
