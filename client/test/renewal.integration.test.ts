// Renewal of the grants I issued while a device stays connected (docs/client.md "Grants"): a desktop
// tab or a bot connected for weeks renews its contacts' grants on schedule, so they can still reach
// it, with no reconnect. Real server, real sockets, a hand-moved clock (movingClock.ts).
import { describe, expect, it } from 'vitest';
import { GRANT_RENEW_BEFORE_MS } from '../../protocol/index.ts';
import { collect, eventually } from './integration.ts';
import { contactsOnMovingClock, HOUR } from './movingClock.ts';

describe('grant renewal while a device stays connected', () => {
  it('renews on a timer aimed at the due time, and the contact holds the new grant without a reconnect', async () => {
    const { clock, alice, bob } = await contactsOnMovingClock();
    const connections = [collect(alice.c, 'connection'), collect(bob.c, 'connection')];
    const issued = (await alice.c.getContact(bob.id))!.issuedGrantExp!;
    const held = async () => (await bob.c.getContact(alice.id))?.heldGrant?.exp;
    expect(await held()).toBe(issued);

    // Aimed at the first moment less than GRANT_RENEW_BEFORE_MS is left, not a poll.
    const due = issued - GRANT_RENEW_BEFORE_MS + 1;
    await eventually(() => clock.armed().includes(due), 'the timer aimed at the renewal’s due time');
    clock.advance(due - clock.now() - HOUR);
    await alice.c.idle();
    expect(await held()).toBe(issued);
    clock.advance(HOUR);
    await eventually(async () => ((await held()) ?? 0) > issued, 'Bob holds a renewed grant from Alice');
    const renewed = (await alice.c.getContact(bob.id))!.issuedGrantExp!;
    expect(await held()).toBe(renewed);

    // Aimed again at the next renewal, from what the document now says.
    await eventually(() => clock.armed().includes(renewed - GRANT_RENEW_BEFORE_MS + 1), 'the timer aimed at the next renewal');
    expect(connections.flat()).toEqual([]);
    await alice.c.disconnect();
    expect(clock.armed()).toEqual([]);
  }, 30_000);
});
